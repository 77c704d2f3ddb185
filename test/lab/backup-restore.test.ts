// `chatops backup` and `chatops restore` on the lab, onto a freshly built data layer: reminder
// history, webhook deliveries, a snooze, a "not mine" and personal settings, written through the
// app's own stores, are backed up; then every logging host's Elasticsearch and the monitoring
// host's Prometheus are rebuilt as fresh nodes (stopped, data and snapshot folders emptied,
// started: no index, no repository registration, no TSDB) and the replicas restarted on them, as
// after `lab deploy` of new hosts; `chatops restore` brings every document back and Prometheus
// answers, for a time before the backup, exactly the series it answered before. A wrong --from is
// refused before anything is touched. Runs just before lab-down.test.ts (test/lab/sequencer.ts):
// the rebuilt nodes lose the log indices, the log templates and the metrics of the last minutes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appIndices, type Manifest } from '../../ops/backup/manifest.ts';
import { prometheusTarget } from '../../ops/backup/command.ts';
import type { PrometheusTarget } from '../../ops/backup/prometheus.ts';
import { commonVar, hostsInGroup, readInventory } from '../../ops/inventory.ts';
import { resolveTarget } from '../../ops/logs.ts';
import { LAB_INVENTORY } from '../../ops/paths.ts';
import { ElasticDeliveryLedger } from '../../app/src/store/deliveries.ts';
import { ElasticReminderHistory } from '../../app/src/store/history.ts';
import { indexNames } from '../../app/src/store/indices.ts';
import { ElasticPersonalSettings, personalSettingsIndex } from '../../app/src/store/personal-settings.ts';
import { ElasticReminderChoices } from '../../app/src/store/reminder-choices.ts';
import { chatops, closeLabAgent, ensureLab, labFetch, leaveLab, sshOk, waitFor, type LabHostName, type LabSession } from '../support/lab-access.ts';
import { REPLICAS, waitForReplicasServing } from '../support/lab-replicas.ts';
import { aPullRequest } from '../unit/core/builders.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
/** Every series Prometheus holds at a time (5 min lookback). */
const ALL_SERIES = 'count({__name__=~".+"})';

const run = Date.now().toString(36);
const pr = aPullRequest({
  number: 4242,
  title: 'Backup me',
  url: 'https://github.test/acme/api/pull/4242',
  createdAt: '2026-11-01T00:00:00Z',
  updatedAt: '2026-11-01T00:00:00Z',
});
const channel = { kind: 'channel', id: 'C0BACKUP' } as const;
const settings = {
  slackUserId: `U0BACKUP${run.toUpperCase()}`,
  timeZone: 'Europe/Berlin',
  dmTime: '09:30',
  workingDays: [1, 2, 3, 4, 5],
  quietHours: { start: '12:00', end: '13:00' },
  updatedAt: new Date().toISOString(),
} as const;

let session: LabSession | undefined;
let dir: string;
let client: Client;
let prometheus: PrometheusTarget;
let loggingHosts: LabHostName[];
let monitoringHost: LabHostName;
let index: ReturnType<typeof indexNames> & { settings: string };

/** The documents this test wrote, by index and id. */
const written: { index: string; id: string }[] = [];

async function sources(): Promise<Record<string, unknown>> {
  const found: Record<string, unknown> = {};
  for (const doc of written) {
    const answer = await client.get({ index: doc.index, id: doc.id }, { ignore: [404] });
    found[`${doc.index}/${doc.id}`] = answer.found ? answer._source : 'missing';
  }
  return found;
}

async function prometheusGet(route: string): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (prometheus.auth) headers.authorization = `Basic ${Buffer.from(`${prometheus.auth.username}:${prometheus.auth.password}`).toString('base64')}`;
  const response = await labFetch(`${prometheus.url}${route}`, { headers, timeoutMs: 30_000 });
  return { status: response.status, text: await response.text() };
}

async function query(expr: string, at: Date): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const answer = await prometheusGet(`/api/v1/query?query=${encodeURIComponent(expr)}&time=${at.getTime() / 1000}`);
  expect(answer.status, answer.text).toBe(200);
  return (JSON.parse(answer.text) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
}

/** The value of a one-number query at `at`, 0 when it returns nothing. */
async function queryNumber(expr: string, at: Date): Promise<number> {
  const [first] = await query(expr, at);
  return first ? Number(first.value[1]) : 0;
}

/**
 * Series Prometheus answers for `at`: all of them, and `up`, which Prometheus itself stamps with
 * the scrape's time (exporters may stamp their samples with older times of their own).
 */
async function seriesAt(at: Date): Promise<{ all: number; up: number }> {
  return { all: await queryNumber(ALL_SERIES, at), up: await queryNumber('count(up)', at) };
}

async function flag(name: string): Promise<string> {
  const answer = await prometheusGet('/api/v1/status/flags');
  const value = (JSON.parse(answer.text) as { data: Record<string, string> }).data[name];
  if (!value?.startsWith('/') || value === '/') throw new Error(`Prometheus flag ${name} is not an absolute folder: ${String(value)}`);
  return value;
}

/** Elasticsearch's path.data and path.repo on its nodes (the role's settings), to empty them. */
async function elasticsearchFolders(): Promise<string[]> {
  const info = await client.nodes.info({ metric: 'settings' });
  const folders = Object.values(info.nodes).flatMap((node) => {
    const paths = (node.settings as { path?: { data?: string | string[]; repo?: string | string[] } } | undefined)?.path;
    return [paths?.data, paths?.repo].flat();
  });
  const absolute = [...new Set(folders.filter((f): f is string => typeof f === 'string' && f.startsWith('/') && f !== '/'))];
  expect(absolute.length, JSON.stringify(folders)).toBe(2);
  return absolute;
}

const emptyFolders = (folders: readonly string[]): string => `find ${folders.join(' ')} -mindepth 1 -delete`;

beforeAll(async () => {
  session = await ensureLab(print);
  dir = path.join(mkdtempSync(path.join(tmpdir(), 'chatops-lab-backup-')), 'backup');
  const inventory = await readInventory(LAB_INVENTORY);
  loggingHosts = hostsInGroup(inventory, 'logging').map((h) => h.name as LabHostName);
  monitoringHost = hostsInGroup(inventory, 'monitoring')[0]?.name as LabHostName;
  const prefix = commonVar(inventory, 'chatops_elasticsearch_index_prefix');
  const names = indexNames(typeof prefix === 'string' ? prefix : 'chatops');
  index = { ...names, settings: personalSettingsIndex(typeof prefix === 'string' ? prefix : 'chatops') };
  // The same Elasticsearch and Prometheus the commands pick: the inventory's first logging and monitoring hosts.
  const target = await resolveTarget({});
  client = new Client({ node: target.url, maxRetries: 0, requestTimeout: 30_000, tls: { ca: target.ca ?? '' }, ...(target.auth ? { auth: target.auth } : {}) });
  prometheus = prometheusTarget({}, inventory, true);
  print(`backup: Elasticsearch ${target.url} (logging: ${loggingHosts.join(', ')}), Prometheus ${prometheus.url} (${monitoringHost})`);
}, 1_500_000);

afterAll(async () => {
  rmSync(path.dirname(dir), { recursive: true, force: true });
  try {
    await client?.close();
    await closeLabAgent();
  } finally {
    await leaveLab(session, print);
  }
});

describe('backup and restore on the lab', () => {
  let manifest: Manifest;
  let before: Record<string, unknown>;
  let seriesBefore: { all: number; up: number };
  /** a time shortly before the backup: the restored TSDB must answer for it as before */
  let at: Date;

  it('backs up history, deliveries, a snooze, a "not mine" and personal settings written through the app stores', async () => {
    const history = new ElasticReminderHistory(client, index.history, 'lab-backup-test');
    for (const ts of ['1.1', '1.2']) {
      await history.recordReply({ pr, channel: channel.id, ts: `${run}.${ts}`, threadTs: `${run}.0`, schedule: 'weekday-digest' });
      written.push({ index: index.history, id: `${channel.id}:${run}.${ts}` });
    }
    const deliveries = new ElasticDeliveryLedger(client, index.deliveries, 'lab-backup-test');
    for (const id of ['a', 'b', 'c']) {
      expect(await deliveries.claim(`backup-${run}-${id}`, 'pull_request', 'opened')).toBe(true);
      written.push({ index: index.deliveries, id: `backup-${run}-${id}` });
    }
    const choices = new ElasticReminderChoices(client, index.choices);
    const snooze = await choices.snooze(channel, pr, { untilPush: true }, 'U0ALICE');
    const notMine = await choices.notMine('U0BOB', pr);
    written.push({ index: index.choices, id: snooze.id }, { index: index.choices, id: notMine.id });
    await new ElasticPersonalSettings(client, index.settings).save({ ...settings, workingDays: [...settings.workingDays] });
    written.push({ index: index.settings, id: settings.slackUserId });
    await client.indices.refresh({ index: [index.history, index.deliveries, index.choices, index.settings] });
    before = await sources();
    expect(Object.values(before)).not.toContain('missing');

    at = new Date(Date.now() - 5_000);
    seriesBefore = await seriesAt(at);
    expect(seriesBefore.up).toBeGreaterThan(0);
    const started = Date.now();
    const backup = await chatops('backup', '--out', dir);
    expect(backup.code, `${backup.stdout}\n${backup.stderr}`).toBe(0);
    print(`backup: \`chatops backup\` in ${seconds(started)}`);
    manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    // An fs repository works on a cluster only when every node sees the same folder (the lab binds one into each).
    const verified = await client.snapshot.verifyRepository({ name: manifest.elasticsearch.repository });
    print(
      `backup: repository ${manifest.elasticsearch.repository} verified by ${Object.keys(verified.nodes).length} nodes (logging hosts: ${loggingHosts.length})`,
    );
    expect(Object.keys(verified.nodes)).toHaveLength(loggingHosts.length);
    for (const [name, n] of Object.entries(manifest.elasticsearch.documents)) print(`backup:   ${name.padEnd(28)} ${n} documents`);
    print(`backup: Elasticsearch snapshot ${manifest.elasticsearch.snapshot}: ${manifest.elasticsearch.archive.bytes} bytes archived`);
    print(
      `backup: Prometheus TSDB snapshot ${manifest.prometheus.snapshot}: ${manifest.prometheus.archive.bytes} bytes archived; ${seriesBefore.all} series (${seriesBefore.up} \`up\`) at ${at.toISOString()}`,
    );
    expect(Object.keys(manifest.elasticsearch.documents).every((name) => appIndices(manifest.indexPrefix).includes(name))).toBe(true);
    expect(manifest.elasticsearch.documents[index.history]).toBeGreaterThanOrEqual(2);
    expect(manifest.elasticsearch.documents[index.deliveries]).toBeGreaterThanOrEqual(3);
    expect(manifest.elasticsearch.documents[index.choices]).toBeGreaterThanOrEqual(2);
    expect(manifest.elasticsearch.documents[index.settings]).toBeGreaterThanOrEqual(1);
    expect(manifest.prometheus.archive.bytes).toBeGreaterThan(0);
  }, 300_000);

  it('refuses a --from without a manifest, exit 2, naming the flag, before touching a host', async () => {
    const wrong = await chatops('restore', '--from', path.dirname(dir));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--from .*: no manifest\.json/);
    expect(Object.values(await sources())).not.toContain('missing');
  }, 60_000);

  it('rebuilds Elasticsearch and Prometheus as fresh nodes: no document of the backup, no series of before it', async () => {
    const started = Date.now();
    const folders = await elasticsearchFolders();
    const tsdb = await flag('storage.tsdb.path');
    // Every logging host at once: a node left with data would hand it back to the emptied ones.
    await Promise.all(loggingHosts.map((host) => sshOk(host, 'systemctl stop elasticsearch')));
    // One host after the other: on a cluster path.repo is one folder all of them share (a lab bind mount).
    for (const host of loggingHosts) await sshOk(host, emptyFolders(folders));
    await Promise.all(loggingHosts.map((host) => sshOk(host, 'systemctl start elasticsearch')));
    await sshOk(monitoringHost, `systemctl stop prometheus && ${emptyFolders([tsdb])} && systemctl start prometheus`);
    await waitFor(
      'the fresh Elasticsearch answering',
      async () => ((await client.cluster.health({ wait_for_status: 'yellow', timeout: '5s' })).timed_out ? undefined : true),
      180_000,
      2_000,
    );
    await waitFor('the fresh Prometheus ready', async () => ((await prometheusGet('/-/ready')).status === 200 ? true : undefined), 120_000, 1_000);
    await waitFor('the fresh Prometheus scraping', async () => ((await queryNumber('count(up)', new Date())) > 0 ? true : undefined), 60_000, 2_000);
    // As after a deploy of new hosts: the replicas start on the empty cluster and create their indices.
    await Promise.all([...new Set(REPLICAS.map((r) => r.host))].map((host) => sshOk(host, 'systemctl restart chatops@1 chatops@2')));
    await waitForReplicasServing(REPLICAS, 120_000);
    print(`backup: fresh Elasticsearch (${folders.join(', ')} emptied) and Prometheus (${tsdb} emptied), replicas restarted, in ${seconds(started)}`);

    await waitFor('the replicas created their indices', async () => ((await client.indices.exists({ index: index.history })) ? true : undefined), 60_000);
    expect(Object.values(await sources()).every((s) => s === 'missing')).toBe(true);
    const repositories = await client.snapshot.getRepository({}, { ignore: [404] });
    expect(Object.keys(repositories)).toEqual([]);
    const fresh = await seriesAt(at);
    // What a fresh Prometheus holds for a time before it started: only samples an exporter stamped itself.
    const stamped = (await query('count by (job, __name__) ({__name__=~".+"})', at)).map((r) => `${r.metric.job}/${r.metric.__name__} ${r.value[1]}`);
    print(
      `backup: fresh Prometheus at ${at.toISOString()}: ${fresh.all} series (${fresh.up} \`up\`), before the backup ${seriesBefore.all} (${seriesBefore.up})`,
    );
    if (stamped.length > 0) print(`backup:   stamped by their exporters: ${stamped.join(', ')}`);
    expect(fresh.up).toBe(0);
    expect(fresh.all).toBeLessThan(seriesBefore.all / 10);
  }, 420_000);

  it('restores every document and the series of before the backup onto the fresh nodes', async () => {
    // The samples the fresh Prometheus scraped after the snapshot: the restore replaces them (a gap).
    const snapshotAt = Date.parse(manifest.prometheus.snapshot.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z-.*$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(snapshotAt, manifest.prometheus.snapshot).toBeGreaterThan(0);
    const started = Date.now();
    const gap = `count(count_over_time(up[${Math.floor((started - snapshotAt) / 1000) - 5}s]))`;
    const gapBefore = await queryNumber(gap, new Date(started));
    expect(gapBefore).toBeGreaterThan(0);
    const restore = await chatops('restore', '--from', dir);
    expect(restore.code, `${restore.stdout}\n${restore.stderr}`).toBe(0);
    print(`backup: \`chatops restore\` in ${seconds(started)}`);
    for (const line of restore.stdout.trim().split('\n')) print(`backup:   ${line}`);
    for (const name of [index.history, index.choices, index.settings]) {
      expect(restore.stdout).toMatch(new RegExp(`^${name} +${manifest.elasticsearch.documents[name]} +\\d+ +ok$`, 'm'));
    }

    expect(await sources()).toEqual(before);
    // The app reads them back through its own stores.
    expect((await new ElasticReminderChoices(client, index.choices).list([channel])).map((c) => c.kind)).toEqual(['snooze']);
    expect(await new ElasticPersonalSettings(client, index.settings).get(settings.slackUserId)).toEqual(settings);

    const after = await seriesAt(at);
    print(
      `backup: Prometheus series at ${at.toISOString()}: ${seriesBefore.all} (${seriesBefore.up} \`up\`) before the backup, ${after.all} (${after.up}) after the restore`,
    );
    expect(after).toEqual(seriesBefore);
    const gapAfter = await queryNumber(gap, new Date(started));
    print(
      `backup: \`up\` samples in the ${((started - snapshotAt) / 1000).toFixed(0)} s between the TSDB snapshot and the restore: ${gapBefore} series before the restore, ${gapAfter} after`,
    );
    expect(gapAfter).toBe(0);
    // Scraping goes on after the restore: every target has a fresh sample.
    const restored = new Date();
    const up = await waitFor(
      'targets scraped after the restore',
      async () => {
        const n = await queryNumber(`count(timestamp(up) > ${restored.getTime() / 1000})`, new Date());
        return n > 0 && n === (await queryNumber('count(up)', new Date())) ? n : undefined;
      },
      90_000,
      2_000,
    );
    print(`backup: ${up} targets scraped again ${seconds(restored.getTime())} after the restore`);
  }, 420_000);
});
