// Three real Elasticsearch nodes on loopback, set up as the elasticsearch role sets up the lab's
// (each node's transport on a port of its own, every port a seed, every node an initial master, pings
// every 5 s), and the app's client given every node: the app's indices get one replica, and two
// replicas post every fire exactly once, neither left degraded, while the node holding the claims
// primary stops; the cluster is green again once that node is back.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunCoordinator } from '../../app/src/coordination/run-coordinator.ts';
import { fireSecond } from '../../app/src/core/schedule.ts';
import { createMetrics } from '../../app/src/metrics.ts';
import { ElasticFireClaims } from '../../app/src/store/claims.ts';
import { createElasticsearchClient } from '../../app/src/store/client.ts';
import { ensureIndices, indexNames } from '../../app/src/store/indices.ts';
import { freePort, startElasticsearch, type ElasticsearchServer } from '../support/elasticsearch.ts';

const logger = pino({ level: 'silent' });
const NAMES = ['es0', 'es1', 'es2'];
let nodes: ElasticsearchServer[] = [];

async function health(url: string): Promise<{ status: string; number_of_nodes: number }> {
  const response = await fetch(`${url}/_cluster/health?timeout=5s`, { signal: AbortSignal.timeout(10_000) });
  return (await response.json()) as { status: string; number_of_nodes: number };
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await probe().catch(() => false)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

beforeAll(async () => {
  const ports = await Promise.all(NAMES.map(() => freePort()));
  nodes = await Promise.all(
    NAMES.map((name, i) =>
      startElasticsearch({
        transportPort: ports[i] as number,
        startTimeoutMs: 240_000,
        settings: {
          'discovery.type': 'multi-node',
          'cluster.name': 'chatops-cluster-test',
          'node.name': name,
          'node.processors': '1',
          'discovery.seed_hosts': ports.map((p) => `127.0.0.1:${p}`).join(','),
          'cluster.initial_master_nodes': NAMES.join(','),
          'transport.ping_schedule': '5s',
        },
      }),
    ),
  );
}, 300_000);

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.destroy()));
});

describe('a three-node cluster behind the app’s node list', () => {
  it('gives the app’s indices one replica, and posts every fire exactly once from two replicas, neither left degraded, while the claims primary’s node stops', async () => {
    const urls = nodes.map((node) => node.url);
    await until('three nodes', async () => (await health(urls[0] as string)).number_of_nodes === 3, 60_000);
    const client = createElasticsearchClient({ node: urls, indexPrefix: 'chatops', retentionDays: 30, username: 'chatops' }, {}, { requestTimeoutMs: 1_000 });
    const names = indexNames('chatops');
    await until(
      'indices set up',
      async () => {
        await ensureIndices(client, names, logger);
        return true;
      },
      60_000,
    );
    await until('green', async () => (await health(urls[0] as string)).status === 'green', 60_000);
    const indices = [names.claims, names.history, names.deliveries, names.choices];
    const settings = (await (await fetch(`${urls[0]}/${indices.join(',')}/_settings/index.number_of_replicas`)).json()) as Record<
      string,
      { settings: { index: { number_of_replicas: string } } }
    >;
    expect(Object.fromEntries(indices.map((index) => [index, settings[index]?.settings.index.number_of_replicas]))).toEqual(
      Object.fromEntries(indices.map((index) => [index, '1'])),
    );

    const shards = (await (await fetch(`${urls[0]}/_cat/shards/${names.claims}?format=json&h=prirep,node`)).json()) as { prirep: string; node: string }[];
    const victim = nodes[NAMES.indexOf(shards.find((s) => s.prirep === 'p')?.node ?? '')];
    expect(victim, JSON.stringify(shards)).toBeDefined();
    const witness = urls.find((url) => url !== victim?.url) as string;
    // Two replicas as in production: the primary posts a fire unclaimed only once every other
    // replica had to decide, so a claim that stalls past its 1 s timeout during the failover (a
    // loaded machine) is still posted once, by someone.
    const coordinators = ['replica-1', 'replica-2'].map(
      (replicaId, i) =>
        new RunCoordinator({
          claims: new ElasticFireClaims(client, names.claims, 1_000),
          replicaId,
          primary: i === 0,
          logger,
          metrics: createMetrics({ defaultMetrics: false }),
          claimTimeoutMs: 1_000,
        }),
    );
    // One fire every 250 ms of made-up fire times (each unclaimed), 4 s before the stop, through it,
    // and 8 s after: both replicas try each; exactly one must post it.
    const first = fireSecond(new Date()).getTime() + 3_600_000;
    const outcomes: { fire: number; posted: string[]; ms: number }[] = [];
    let fire = 0;
    const claimFor = async (ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const started = Date.now();
        const fireTime = new Date(first + fire * 1_000);
        const won = await Promise.all(coordinators.map((c) => c.shouldRun('cluster', fireTime)));
        outcomes.push({ fire, posted: ['replica-1', 'replica-2'].filter((_, i) => won[i]), ms: Date.now() - started });
        fire += 1;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    await claimFor(4_000);
    const stopping = victim?.stop();
    await claimFor(8_000);
    await stopping;
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    const notOnce = outcomes.filter((o) => o.posted.length !== 1).map((o) => `${o.fire}: ${o.posted.length}`);
    const bySecondary = outcomes.filter((o) => o.posted[0] === 'replica-2').length;
    process.stdout.write(
      `\nelasticsearch cluster (3 local nodes): stopped the claims primary's node; ${outcomes.length} fires, ${notOnce.length} not posted exactly once, ${bySecondary} won by the non-primary, slowest ${slowest} ms, degraded ${coordinators.map((c) => c.isDegraded).join('/')}\n`,
    );
    expect(notOnce).toEqual([]);
    expect(coordinators.map((c) => c.isDegraded)).toEqual([false, false]);

    await victim?.start();
    const greenMs = await until(
      'green with three nodes',
      async () => {
        const h = await health(witness);
        return h.status === 'green' && h.number_of_nodes === 3;
      },
      120_000,
    );
    process.stdout.write(`elasticsearch cluster (3 local nodes): green ${greenMs} ms after the node was back\n`);
    await client.close();
  }, 300_000);
});
