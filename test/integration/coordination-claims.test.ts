// RunCoordinator and the store against a real Elasticsearch (test/support/elasticsearch.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@elastic/elasticsearch';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoordination } from '../../app/src/coordination/coordination.ts';
import { RunCoordinator } from '../../app/src/coordination/run-coordinator.ts';
import type { Secrets } from '../../app/src/config/schema.ts';
import type { PullRequest } from '../../app/src/core/types.ts';
import { fireSecond } from '../../app/src/core/schedule.ts';
import { createMetrics, type AppMetrics } from '../../app/src/metrics.ts';
import { ElasticFireClaims, fireKey } from '../../app/src/store/claims.ts';
import { createElasticsearchClient } from '../../app/src/store/client.ts';
import { ElasticDeliveryLedger } from '../../app/src/store/deliveries.ts';
import { ElasticReminderHistory } from '../../app/src/store/history.ts';
import { deleteExpired, ensureIndices, indexNames } from '../../app/src/store/indices.ts';
import { freePort, startElasticsearch, type ElasticsearchServer } from '../support/elasticsearch.ts';

const logger = pino({ level: 'silent' });
let es: ElasticsearchServer;

beforeAll(async () => {
  es = await startElasticsearch();
});
afterAll(async () => {
  await es?.destroy();
});

function settings(prefix: string) {
  return { node: es.url, indexPrefix: prefix, retentionDays: 30, username: 'chatops' };
}

async function metricValue(metrics: AppMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

/** A non-primary replica as coordination.ts builds it: one claim, retries on other nodes included, within the claim timeout. */
function nonPrimary(client: Client, claimsIndex: string, replicaId: string): { coordinator: RunCoordinator; metrics: AppMetrics } {
  const metrics = createMetrics({ defaultMetrics: false });
  const claims = new ElasticFireClaims(client, claimsIndex, 1_000);
  return { coordinator: new RunCoordinator({ claims, replicaId, primary: false, logger, metrics, claimTimeoutMs: 1_000 }), metrics };
}

function replicas(prefix: string, count: number, primaryIndex = 0) {
  const client = createElasticsearchClient(settings(prefix), {}, { requestTimeoutMs: 1_000 });
  const claims = new ElasticFireClaims(client, indexNames(prefix).claims);
  return Array.from({ length: count }, (_, i) => {
    const metrics = createMetrics({ defaultMetrics: false });
    const coordinator = new RunCoordinator({
      claims,
      replicaId: `replica-${i}`,
      primary: i === primaryIndex,
      logger,
      metrics,
      claimTimeoutMs: 1_000,
      retryDelayMs: 100,
    });
    return { coordinator, metrics, client };
  });
}

describe('index setup', () => {
  it('creates templates and indices with strict mappings, twice without error', async () => {
    const client = createElasticsearchClient(settings('setup'), {});
    const names = indexNames('setup');
    await ensureIndices(client, names, logger);
    await ensureIndices(client, names, logger);
    const mapping = await client.indices.getMapping({ index: names.claims });
    expect(mapping[names.claims]?.mappings.dynamic).toBe('strict');
    expect(mapping[names.claims]?.mappings.properties?.fireTime).toEqual({ type: 'date' });
    const templates = await client.indices.getIndexTemplate({ name: names.history });
    expect(templates.index_templates[0]?.index_template.index_patterns).toEqual([names.history]);
    await client.close();
  });

  it('retention deletes documents older than retentionDays and keeps younger ones', async () => {
    const client = createElasticsearchClient(settings('retention'), {});
    const names = indexNames('retention');
    await ensureIndices(client, names, logger);
    const old = new Date(Date.now() - 40 * 86_400_000);
    const young = new Date(Date.now() - 86_400_000);
    const claims = new ElasticFireClaims(client, names.claims);
    await claims.claim('daily', old, 'a');
    await claims.claim('daily', young, 'a');
    await client.indices.refresh({ index: names.claims });
    const deleted = await deleteExpired(client, names, 30);
    expect(deleted[names.claims]).toBe(1);
    expect(await claims.owner(fireKey('daily', old))).toBeUndefined();
    expect(await claims.owner(fireKey('daily', young))).toBe('a');
    await client.close();
  });
});

describe('RunCoordinator', () => {
  it('lets exactly one of three replicas run each fire, and counts won and lost', async () => {
    const group = replicas('claims', 3);
    await ensureIndices(group[0]!.client, indexNames('claims'), logger);
    const base = fireSecond(new Date()).getTime();
    const fires = Array.from({ length: 50 }, (_, i) => new Date(base + i * 1000));
    const winners: string[][] = [];
    for (const fire of fires) {
      const answers = await Promise.all(group.map((r) => r.coordinator.shouldRun('every-second', new Date(fire.getTime() + Math.floor(Math.random() * 900)))));
      winners.push(answers.flatMap((won, i) => (won ? [`replica-${i}`] : [])));
    }
    expect(winners.every((w) => w.length === 1)).toBe(true);
    let won = 0;
    let lost = 0;
    for (const r of group) {
      won += await metricValue(r.metrics, 'chatops_fire_claims_total', { outcome: 'won' });
      lost += await metricValue(r.metrics, 'chatops_fire_claims_total', { outcome: 'lost' });
    }
    expect({ won, lost }).toEqual({ won: 50, lost: 100 });
    await group[0]!.client.close();
  });

  it('with Elasticsearch stopped only the primary runs, degraded is 1, and its claims are recorded after recovery', async () => {
    const group = replicas('outage', 3, 1);
    await ensureIndices(group[0]!.client, indexNames('outage'), logger);
    await es.stop();
    try {
      const fire = fireSecond(new Date());
      const answers = await Promise.all(group.map((r) => r.coordinator.shouldRun('daily', fire)));
      expect(answers).toEqual([false, true, false]);
      for (const r of group) expect(await metricValue(r.metrics, 'chatops_coordinator_degraded')).toBe(1);
      expect(await metricValue(group[0]!.metrics, 'chatops_fire_claims_total', { outcome: 'skipped' })).toBe(1);
      expect(group[1]!.coordinator.pendingClaims).toBe(1);

      await es.start();
      await group[1]!.coordinator.flushPending();
      expect(group[1]!.coordinator.pendingClaims).toBe(0);
      // A non-primary that fires late for the same time now loses to the recorded claim.
      const claims = new ElasticFireClaims(group[0]!.client, indexNames('outage').claims);
      expect(await claims.owner(fireKey('daily', fire))).toBe('replica-1');
      expect(await claims.claim('daily', fire, 'replica-2')).toBe('lost');

      const next = fireSecond(new Date(Date.now() + 1000));
      const after = await Promise.all(group.map((r) => r.coordinator.shouldRun('daily', next)));
      expect(after.filter(Boolean)).toHaveLength(1);
      for (const r of group) expect(await metricValue(r.metrics, 'chatops_coordinator_degraded')).toBe(0);
    } finally {
      await es.start();
    }
    await group[0]!.client.close();
  });

  it('a non-primary skips a fire that comes later than its late limit (two claim timeouts)', async () => {
    const [, other] = replicas('late', 2);
    const stale = new Date(Date.now() - 5_000);
    expect(await other!.coordinator.shouldRun('daily', stale)).toBe(false);
    expect(await metricValue(other!.metrics, 'chatops_fire_claims_total', { outcome: 'skipped' })).toBe(1);
    await other!.client.close();
  });
});

/** A PR of acme/api as the history records it: `repository` spelled as given, nothing reviewed. */
function openPullRequest(repository: string, number: number): PullRequest {
  return {
    repository,
    number,
    title: 'Fix',
    url: `https://github.test/acme/api/pull/${number}`,
    author: 'dev',
    draft: false,
    labels: [],
    createdAt: '2025-12-01T00:00:00Z',
    updatedAt: '2025-12-01T00:00:00Z',
    requestedReviewers: [],
    requestedTeams: [],
    reviews: [],
    reviewState: 'pending',
  };
}

describe('deliveries and history', () => {
  it('a delivery is claimed once; a released one can be claimed again', async () => {
    const client = createElasticsearchClient(settings('ledger'), {});
    await ensureIndices(client, indexNames('ledger'), logger);
    const a = new ElasticDeliveryLedger(client, indexNames('ledger').deliveries, 'a');
    const b = new ElasticDeliveryLedger(client, indexNames('ledger').deliveries, 'b');
    const results = await Promise.all([a.claim('d-1', 'pull_request', 'closed'), b.claim('d-1', 'pull_request', 'closed')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    await a.release('d-1');
    expect(await b.claim('d-1', 'pull_request', 'closed')).toBe(true);
    await client.close();
  });

  it('finds the reply of the latest digest per channel', async () => {
    const client = createElasticsearchClient(settings('history'), {});
    await ensureIndices(client, indexNames('history'), logger);
    let now = new Date('2026-01-01T09:00:00Z');
    const history = new ElasticReminderHistory(client, indexNames('history').history, 'a', () => now);
    const pr = openPullRequest('Acme/API', 7);
    await history.recordReply({ pr, channel: 'C1', ts: '100.1', threadTs: '100.0', schedule: 'daily' });
    now = new Date('2026-01-02T09:00:00Z');
    await history.recordReply({ pr, channel: 'C1', ts: '200.1', threadTs: '200.0', schedule: 'daily' });
    await history.recordReply({ pr, channel: 'C2', ts: '300.1', threadTs: '300.0', schedule: 'other' });
    await client.indices.refresh({ index: indexNames('history').history });
    const latest = await history.latestReplies('acme/api', 7);
    expect(latest.map((r) => [r.channel, r.ts]).sort()).toEqual([
      ['C1', '200.1'],
      ['C2', '300.1'],
    ]);
    await client.close();
  });

  it('gives the history and the choices a client whose writes may wait past the claims timeout for a slow refresh', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const coordination = await startCoordination({
      settings: settings('slowrefresh'),
      secrets: {} as Secrets,
      replicaId: 'a',
      primary: true,
      logger,
      metrics,
    });
    const names = indexNames('slowrefresh');
    const client = createElasticsearchClient(settings('slowrefresh'), {});
    // A refresh every 4 s: a write with refresh=wait_for waits 0-4 s, as on a loaded cluster.
    await client.indices.putSettings({ index: [names.history, names.choices], settings: { refresh_interval: '4s' } });
    const pr = openPullRequest('acme/api', 8);
    await coordination.history.recordReply({ pr, channel: 'C1', ts: '100.1', threadTs: '100.0', schedule: 'daily' });
    await client.indices.refresh({ index: names.history });
    const [reply] = await coordination.history.latestReplies('acme/api', 8);
    const waits: number[] = [];
    for (const state of ['merged', 'closed', 'open'] as const) {
      const started = Date.now();
      await coordination.history.updateReply(reply?.id ?? 'missing', { state });
      waits.push(Date.now() - started);
    }
    const started = Date.now();
    await coordination.choices.notMine('U0BOB', { repository: 'acme/api', number: 8 });
    waits.push(Date.now() - started);
    // Each write is visible at once (it waited for its refresh); the later ones waited ~4 s each.
    expect((await coordination.history.latestReplies('acme/api', 8))[0]?.state).toBe('open');
    expect((await coordination.choices.list([{ kind: 'user', id: 'U0BOB' }])).map((c) => c.number)).toEqual([8]);
    expect(Math.max(...waits)).toBeGreaterThan(1_000);
    await client.close();
    await coordination.close();
  });
});

/** A node whose TLS proxy still answers while Elasticsearch behind it is stopped: 503 for everything. */
async function answeringOnly(status: number, forwardTo?: string): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      // forwardTo: the request reaches Elasticsearch, but its answer is lost on the way back.
      const forwarded = forwardTo
        ? fetch(`${forwardTo}${request.url ?? '/'}`, {
            method: request.method ?? 'GET',
            headers: { 'content-type': String(request.headers['content-type'] ?? 'application/json') },
            ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
          }).then((r) => r.arrayBuffer())
        : Promise.resolve();
      void forwarded.finally(() => response.writeHead(status, { 'content-type': 'text/plain' }).end('no server is available'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('a cluster listed node by node', () => {
  it('claims every fire through the next node while one answers 503 and one refuses connections, never degraded', async () => {
    const stopped = await answeringOnly(503);
    const refused = await freePort();
    const names = indexNames('nodes');
    const nodes = [stopped.url, `http://127.0.0.1:${refused}`, es.url];
    const client = createElasticsearchClient({ ...settings('nodes'), node: nodes }, {}, { requestTimeoutMs: 1_000 });
    await ensureIndices(client, names, logger);
    const { coordinator, metrics } = nonPrimary(client, names.claims, 'replica-0');
    const start = fireSecond(new Date());
    const outcomes: boolean[] = [];
    for (let i = 0; i < 12; i += 1) outcomes.push(await coordinator.shouldRun('nodes', new Date(start.getTime() + i * 1_000)));
    expect(outcomes).toEqual(Array.from({ length: 12 }, () => true));
    expect(coordinator.isDegraded).toBe(false);
    expect(await metricValue(metrics, 'chatops_coordinator_degraded')).toBe(0);
    expect(stopped.requests()).toBeGreaterThan(0);
    await client.close();
    await stopped.close();
  });

  it('keeps a claim the first node wrote before its answer was lost (502): the retry on the next node meets 409 and reads it back', async () => {
    const names = indexNames('lost-answer');
    const direct = createElasticsearchClient(settings('lost-answer'), {});
    await ensureIndices(direct, names, logger);
    const lossy = await answeringOnly(502, es.url);
    const client = createElasticsearchClient({ ...settings('lost-answer'), node: [lossy.url, es.url] }, {}, { requestTimeoutMs: 5_000 });
    const claims = new ElasticFireClaims(client, names.claims);
    const fire = fireSecond(new Date());
    // The weighted pool starts on the first node: this create reaches Elasticsearch through it.
    expect(await claims.claim('lost-answer', fire, 'replica-a')).toBe('won');
    expect(lossy.requests()).toBe(1);
    expect(await new ElasticFireClaims(direct, names.claims).claim('lost-answer', fire, 'replica-b')).toBe('lost');
    await client.close();
    await direct.close();
    await lossy.close();
  });

  it('a non-primary whose claim landed but whose answer and read-back were lost asks again and posts; the primary stands back', async () => {
    const names = indexNames('lost-twice');
    const direct = createElasticsearchClient(settings('lost-twice'), {});
    await ensureIndices(direct, names, logger);
    // The non-primary's only node loses every answer for a moment (a node failing over): its
    // create lands, the create's answer and the read-back's are lost.
    const node = await switchableNode(es.url);
    node.set('lossy');
    const client = createElasticsearchClient({ ...settings('lost-twice'), node: node.url }, {}, { requestTimeoutMs: 1_000 });
    const { coordinator } = nonPrimary(client, names.claims, 'replica-b');
    const primary = new RunCoordinator({
      claims: new ElasticFireClaims(direct, names.claims, 1_000),
      replicaId: 'replica-a',
      primary: true,
      logger,
      metrics: createMetrics({ defaultMetrics: false }),
      claimTimeoutMs: 1_000,
    });
    // A fire far enough ahead that the non-primary is still within its time to decide.
    const fire = new Date(fireSecond(new Date()).getTime() + 60_000);
    const asked = coordinator.shouldRun('lost-twice', fire);
    setTimeout(() => node.set('forward'), 1_500);
    const [nonPrimaryPosts, primaryPosts] = [await asked, await primary.shouldRun('lost-twice', fire)];
    expect({ nonPrimaryPosts, primaryPosts }).toEqual({ nonPrimaryPosts: true, primaryPosts: false });
    expect(await new ElasticFireClaims(direct, names.claims).owner(fireKey('lost-twice', fire))).toBe('replica-b');
    await client.close();
    await direct.close();
    await node.close();
  });
});

type NodeMode = 'forward' | 'unavailable' | 'hang' | 'lossy';

/**
 * One node as the app sees it through its TLS proxy: forwarding to Elasticsearch, answering 503
 * (Elasticsearch stopped behind the proxy), holding requests without an answer (a node up but
 * waiting for its cluster to form) until the mode changes, or forwarding and losing the answer
 * (lossy: Elasticsearch acted, the client sees a 502).
 */
async function switchableNode(target: string): Promise<{ url: string; set: (mode: NodeMode) => void; close: () => Promise<void> }> {
  let mode: NodeMode = 'forward';
  const held = new Set<() => void>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (): void => {
        if (mode !== 'forward' && mode !== 'lossy') {
          response.writeHead(503, { 'content-type': 'text/plain' }).end('no server is available');
          return;
        }
        const lossy = mode === 'lossy';
        fetch(`${target}${request.url ?? '/'}`, {
          method: request.method ?? 'GET',
          headers: Object.fromEntries(['content-type', 'accept'].flatMap((h) => (request.headers[h] ? [[h, String(request.headers[h])]] : []))),
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        })
          .then(async (r) =>
            lossy
              ? response.writeHead(502).end()
              : response
                  .writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json', 'x-elastic-product': 'Elasticsearch' })
                  .end(Buffer.from(await r.arrayBuffer())),
          )
          .catch(() => response.writeHead(502).end());
      };
      if (mode !== 'hang') return answer();
      const release = (): void => {
        held.delete(release);
        answer();
      };
      held.add(release);
      response.on('close', () => held.delete(release));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set: (next) => {
      mode = next;
      if (next !== 'hang') for (const release of [...held]) release();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the whole cluster stopped, then back', () => {
  it('a long-running replica claims the first fire after every node answers again', async () => {
    const nodes = await Promise.all([switchableNode(es.url), switchableNode(es.url), switchableNode(es.url)]);
    const names = indexNames('outage');
    const client = createElasticsearchClient({ ...settings('outage'), node: nodes.map((n) => n.url) }, {}, { requestTimeoutMs: 1_000 });
    await ensureIndices(client, names, logger);
    const { coordinator } = nonPrimary(client, names.claims, 'replica-1');
    // Each call a later whole second than the one before, and not one already past: a non-primary
    // may spend up to its late limit asking an unavailable cluster.
    let last = fireSecond(new Date()).getTime();
    const next = async (): Promise<boolean> => {
      last = Math.max(last + 1_000, fireSecond(new Date()).getTime());
      return coordinator.shouldRun('outage', new Date(last));
    };
    expect(await next()).toBe(true);
    // Every node's Elasticsearch stops: the proxies answer 503.
    for (const node of nodes) node.set('unavailable');
    for (let i = 0; i < 8; i += 1) expect(await next()).toBe(false);
    // They come back one by one; the first holds requests while the cluster forms.
    nodes[0]!.set('forward');
    expect(await next()).toBe(true);
    nodes[0]!.set('hang');
    for (let i = 0; i < 3; i += 1) await next();
    for (const node of nodes) node.set('forward');
    const after: boolean[] = [];
    for (let i = 0; i < 6; i += 1) after.push(await next());
    expect(after).toEqual([true, true, true, true, true, true]);
    expect(coordinator.isDegraded).toBe(false);
    await client.close();
    await Promise.all(nodes.map((n) => n.close()));
  });
});
