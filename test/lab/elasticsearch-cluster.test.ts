// Elasticsearch as a three-node cluster on the deployed lab (mon1, mon2, log1): every node in one
// cluster, the app's indices with one replica, and the loss of one node while reminders fire every
// 5 s: each fire is posted exactly once, no replica's coordinator goes degraded (the node's TLS proxy
// answers 503 and the client moves to the next node), and the cluster is green again once the node is
// back. The node stopped is the one holding the primary of the claims index: the hardest one to lose.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexNames } from '../../app/src/store/indices.ts';
import {
  closeLabAgent,
  DOMAIN,
  elasticsearchAuth,
  ensureLab,
  labFetch,
  leaveLab,
  LOGGING_HOSTS,
  sandboxView,
  sleep,
  ssh,
  waitFor,
  type LabHostName,
  type LabSession,
  type SandboxCall,
} from '../support/lab-access.ts';
import { degradedLines, installSchedules, restoreSchedules, systemctl } from '../support/lab-replicas.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const channel = `C0ESCLUSTER${Date.now().toString(36).toUpperCase()}`;
const names = indexNames('chatops');
const APP_INDICES = [names.claims, names.history, names.deliveries, names.choices];
let session: LabSession | undefined;
let stopped: LabHostName | undefined;

/** GET on one node's TLS proxy, as JSON. */
async function esGet<T>(host: LabHostName, route: string): Promise<T> {
  const response = await labFetch(`https://${host}.${DOMAIN}:9200${route}`, { headers: elasticsearchAuth(), timeoutMs: 15_000 });
  if (response.status !== 200) throw new Error(`${host} ${route}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Health {
  status: string;
  number_of_nodes: number;
}

async function health(host: LabHostName): Promise<Health> {
  return esGet<Health>(host, '/_cluster/health?timeout=5s');
}

/** Fire times (ms) of the scheduled digests the sandbox received in `channel`. */
async function postedFires(): Promise<number[]> {
  const calls = await sandboxView<SandboxCall[]>('calls');
  return calls.flatMap((c) => {
    const metadata = c.args.metadata as { event_type?: string; event_payload?: { fire_time?: string } } | undefined;
    if (c.method !== 'chat.postMessage' || c.args.channel !== channel || c.response.ok !== true || c.args.thread_ts !== undefined) return [];
    return metadata?.event_payload?.fire_time ? [Date.parse(metadata.event_payload.fire_time)] : [];
  });
}

beforeAll(async () => {
  session = await ensureLab(print);
}, 600_000);

afterAll(async () => {
  try {
    await restoreSchedules();
    if (stopped) await ssh(stopped, 'systemctl start elasticsearch');
  } finally {
    await closeLabAgent();
    await leaveLab(session, print);
  }
}, 300_000);

describe('the Elasticsearch cluster', () => {
  it('joins every logging host into one green cluster, the app’s indices with one replica each', async () => {
    const first = LOGGING_HOSTS[0] as LabHostName;
    const green = await waitFor('a green cluster', async () => ((await health(first)).status === 'green' ? health(first) : undefined), 120_000, 2_000);
    const nodes = await esGet<{ name: string; master: string }[]>(first, '/_cat/nodes?format=json&h=name,master');
    const settings = await esGet<Record<string, { settings: { index: { number_of_replicas: string } } }>>(
      first,
      `/${APP_INDICES.join(',')}/_settings/index.number_of_replicas`,
    );
    const replicas = Object.fromEntries(APP_INDICES.map((index) => [index, settings[index]?.settings.index.number_of_replicas]));
    print(
      `\nelasticsearch cluster: ${green.status}, ${green.number_of_nodes} nodes (${nodes.map((n) => `${n.name}${n.master === '*' ? ' (master)' : ''}`).join(', ')}); replicas ${JSON.stringify(replicas)}`,
    );
    expect(nodes.map((n) => n.name).sort()).toEqual([...LOGGING_HOSTS].sort());
    expect(replicas).toEqual(Object.fromEntries(APP_INDICES.map((index) => [index, '1'])));
  });

  it('posts every fire exactly once without a degraded coordinator while the node with the claims primary stops, and is green again after it returns', async () => {
    const shards = await esGet<{ prirep: string; node: string }[]>(LOGGING_HOSTS[0] as LabHostName, `/_cat/shards/${names.claims}?format=json&h=prirep,node`);
    const victim = shards.find((s) => s.prirep === 'p')?.node as LabHostName | undefined;
    expect(victim && (LOGGING_HOSTS as string[]).includes(victim), `claims primary on a logging host: ${JSON.stringify(shards)}`).toBe(true);
    const witness = LOGGING_HOSTS.find((h) => h !== victim) as LabHostName;
    await installSchedules([{ name: 'e2e-es-cluster', channel, cron: '*/5 * * * * *', timezone: 'UTC', kind: 'digest' }], { repositories: ['acme/infra'] });
    const start = Date.now();
    await sleep(20_000);
    const stoppedAt = Date.now();
    stopped = victim as LabHostName;
    await systemctl(stopped, 'stop', 'elasticsearch');
    const degradedHealth = await waitFor(
      'the cluster to notice',
      async () => ((await health(witness)).number_of_nodes === 2 ? health(witness) : undefined),
      60_000,
      1_000,
    );
    await sleep(Math.max(0, 40_000 - (Date.now() - stoppedAt)));
    const downMs = Date.now() - stoppedAt;
    await systemctl(stopped, 'start', 'elasticsearch');
    const startedAt = Date.now();
    await waitFor(
      'green with every node back',
      async () => {
        const h = await health(witness);
        return h.status === 'green' && h.number_of_nodes === LOGGING_HOSTS.length ? true : undefined;
      },
      240_000,
      2_000,
    );
    const greenAfterMs = Date.now() - startedAt;
    stopped = undefined;
    await sleep(10_000);
    await restoreSchedules();
    const end = Date.now();

    const posted = await postedFires();
    const perFire = new Map<number, number>();
    for (const fire of posted) perFire.set(fire, (perFire.get(fire) ?? 0) + 1);
    // Every fire from 15 s after the replicas restarted (boot, first claim) until the schedules went back.
    const fires: number[] = [];
    for (let t = Math.ceil((start + 5_000) / 5_000) * 5_000; t <= end - 15_000; t += 5_000) fires.push(t);
    const missing = fires.filter((f) => !perFire.has(f)).map((f) => new Date(f).toISOString());
    const duplicates = [...perFire].filter(([, n]) => n > 1).map(([t, n]) => `${new Date(t).toISOString()} x${n}`);
    const degraded = await degradedLines(start);
    print(
      `elasticsearch node loss: stopped ${victim} (claims primary) for ${Math.round(downMs / 1000)} s; cluster ${degradedHealth.status} with ${degradedHealth.number_of_nodes} nodes meanwhile; green ${Math.round(greenAfterMs / 1000)} s after its start; ${fires.length} fires, ${posted.length} posted, ${missing.length} missing, ${duplicates.length} duplicates; degraded log lines ${degraded.length}`,
    );
    for (const line of degraded) print(`  ${line}`);
    expect(fires.length).toBeGreaterThanOrEqual(12);
    expect(duplicates).toEqual([]);
    expect(missing).toEqual([]);
    expect(degraded).toEqual([]);
  });
});
