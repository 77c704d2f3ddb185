// Backup and restore against a real Elasticsearch (with path.repo) and a real Prometheus (with its
// admin API) on this machine: documents written through the app's own stores come back after their
// indices are deleted or overwritten, and the TSDB snapshot serves the scraped series to a second
// Prometheus started on the restored data. The host-copy step is the local adapter (tar); the
// Ansible adapter is the same contract on an inventory (test/lab/backup-restore.test.ts).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCopier } from '../../../ops/backup/hosts.ts';
import { appIndices, ELASTICSEARCH_ARCHIVE, MANIFEST_FILE, PROMETHEUS_ARCHIVE, type Manifest } from '../../../ops/backup/manifest.ts';
import { readBackupDir, runBackup, runRestore } from '../../../ops/backup/run.ts';
import { createElasticsearchClient } from '../../../app/src/store/client.ts';
import { ElasticDeliveryLedger } from '../../../app/src/store/deliveries.ts';
import { ElasticReminderHistory } from '../../../app/src/store/history.ts';
import { ensureIndices, indexNames } from '../../../app/src/store/indices.ts';
import { ElasticReminderChoices } from '../../../app/src/store/reminder-choices.ts';
import { startElasticsearch, freePort, type ElasticsearchServer } from '../../support/elasticsearch.ts';
import { repoRoot, runCommand, tlsClient, waitFor } from '../../support/monitoring.ts';
import { startPrometheus, type RunningPrometheus } from '../../support/prometheus.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';
import { aPullRequest } from '../../unit/core/builders.ts';

const PREFIX = 'bk';
const names = indexNames(PREFIX);
const logger = pino({ level: 'silent' });
const pr = aPullRequest({
  number: 7,
  title: 'Fix the flaky test',
  url: 'https://github.test/acme/api/pull/7',
  author: 'dev',
  createdAt: '2026-11-01T00:00:00Z',
  updatedAt: '2026-11-01T00:00:00Z',
});

let certs: TestCertificates;
let es: ElasticsearchServer;
let metrics: Server;
let prometheus: RunningPrometheus;
let work: string;
const client = () => createElasticsearchClient({ node: es.url, indexPrefix: PREFIX, retentionDays: 30, username: 'chatops' }, {});

/** An HTTPS /metrics with one gauge, for Prometheus to scrape and the snapshot to keep. */
async function startMetrics(): Promise<{ server: Server; host: string }> {
  const server = createServer({ cert: certs.cert, key: certs.key }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE backup_test_marker gauge\nbackup_test_marker 42\n');
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, host: `127.0.0.1:${port}` };
}

async function sources(index: string): Promise<Record<string, unknown>> {
  const c = client();
  try {
    await c.indices.refresh({ index });
    const found = await c.search({ index, size: 100, sort: ['_doc'] });
    return Object.fromEntries(found.hits.hits.map((h) => [h._id, h._source]));
  } finally {
    await c.close();
  }
}

beforeAll(async () => {
  certs = await createTestCertificates();
  work = await mkdtemp(path.join(tmpdir(), 'chatops-backup-test-'));
  es = await startElasticsearch({ snapshotRepository: true });
  const served = await startMetrics();
  metrics = served.server;
  prometheus = await startPrometheus(certs, [{ job: 'marker', targets: [served.host] }], { adminApi: true });
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((r) => metrics?.close(r));
  await es?.destroy();
  await rm(work, { recursive: true, force: true });
  await certs?.remove();
});

describe('chatops backup and restore, on this machine', () => {
  let manifest: Manifest;
  const dir = () => path.join(work, 'backup');
  const restoredData = () => path.join(work, 'restored-prometheus');
  const parts = () => ({
    elasticsearch: client(),
    prometheus: { url: prometheus.url, ca: certs.ca, auth: prometheus.auth },
    copier: localCopier({ prometheusDataDir: restoredData(), ...(es.owner ? { owner: es.owner } : {}) }),
    indexPrefix: PREFIX,
    progress: () => undefined,
  });
  let before: Record<string, Record<string, unknown>>;

  it('writes both archives and a manifest with the documents per index', async () => {
    const c = client();
    await ensureIndices(c, names, logger);
    const history = new ElasticReminderHistory(c, names.history, 'app1', () => new Date('2026-11-28T09:00:00Z'));
    await history.recordReply({ pr, channel: 'C0PULLREQS', ts: '100.1', threadTs: '100.0', schedule: 'weekday-digest' });
    await history.recordReply({ pr: { ...pr, number: 8 }, channel: 'C0PULLREQS', ts: '100.2', threadTs: '100.0', schedule: 'weekday-digest' });
    const deliveries = new ElasticDeliveryLedger(c, names.deliveries, 'app1');
    for (const id of ['d-1', 'd-2', 'd-3']) await deliveries.claim(id, 'pull_request', 'opened');
    await new ElasticReminderChoices(c, names.choices).snooze({ kind: 'channel', id: 'C0PULLREQS' }, pr, { untilPush: true }, 'U0ALICE');
    await c.close();
    before = { history: await sources(names.history), deliveries: await sources(names.deliveries), choices: await sources(names.choices) };

    const p = parts();
    manifest = await runBackup(p, dir(), new Date('2026-11-29T01:00:00Z'));
    await p.elasticsearch.close();

    expect(manifest.elasticsearch.snapshot).toBe('chatops-20261129t010000z');
    expect(manifest.elasticsearch.documents).toEqual({ [names.claims]: 0, [names.history]: 2, [names.deliveries]: 3, [names.choices]: 1 });
    expect(JSON.parse(await readFile(path.join(dir(), MANIFEST_FILE), 'utf8'))).toEqual(manifest);
    expect(manifest.elasticsearch.archive.file).toBe(ELASTICSEARCH_ARCHIVE);
    expect(manifest.prometheus.archive.file).toBe(PROMETHEUS_ARCHIVE);
    expect(manifest.elasticsearch.archive.bytes).toBeGreaterThan(0);
    expect(await readBackupDir(dir())).toEqual(manifest);
    // The TSDB snapshot left the Prometheus data folder once copied.
    expect(await readdir(path.join(prometheus.dataDir, 'snapshots'))).toEqual([]);
  }, 120_000);

  it('refuses a directory that already holds something', async () => {
    const p = parts();
    await expect(runBackup(p, dir())).rejects.toThrow(`--out ${dir()}: not empty; a backup goes into a new directory`);
    await p.elasticsearch.close();
  });

  it('restores deleted and overwritten indices to the documents of the backup', async () => {
    const c = client();
    await c.indices.delete({ index: [names.history, names.deliveries] });
    // The choices index lives on with a document the backup does not have: the restore replaces it.
    await new ElasticReminderChoices(c, names.choices).snooze({ kind: 'user', id: 'U0BOB' }, pr, { untilPush: true }, 'U0BOB');
    await c.close();

    const p = parts();
    const rows = await runRestore(p, dir(), await readBackupDir(dir()));
    await p.elasticsearch.close();

    expect(rows).toEqual([
      { index: names.claims, expected: 0, restored: 0 },
      { index: names.choices, expected: 1, restored: 1 },
      { index: names.history, expected: 2, restored: 2 },
      { index: names.deliveries, expected: 3, restored: 3 },
    ]);
    expect({ history: await sources(names.history), deliveries: await sources(names.deliveries), choices: await sources(names.choices) }).toEqual(before);
  }, 120_000);

  it('restores the TSDB: a second Prometheus on the restored data answers the scraped series', async () => {
    const second = await startPrometheus(certs, [], { dataDir: restoredData() });
    const http = tlsClient(certs.ca, second.auth);
    try {
      const at = Math.floor(Date.now() / 1000);
      const value = await waitFor(
        'backup_test_marker in the restored TSDB',
        async () => {
          const answer = await http.get(`${second.url}/api/v1/query?query=${encodeURIComponent('last_over_time(backup_test_marker[1h])')}&time=${at}`);
          const result = (JSON.parse(answer.body) as { data?: { result?: { value: [number, string] }[] } }).data?.result ?? [];
          return result[0]?.value[1];
        },
        30_000,
      );
      expect(value).toBe('42');
    } finally {
      await http.close();
      await second.stop();
    }
  }, 90_000);

  it('names what is missing in a wrong backup directory, before touching Elasticsearch', async () => {
    await expect(readBackupDir(path.join(work, 'nowhere'))).rejects.toThrow(/--from .*nowhere: no manifest\.json/);
    const copy = path.join(work, 'partial');
    await mkdir(copy);
    await writeFile(path.join(copy, MANIFEST_FILE), JSON.stringify(manifest));
    await expect(readBackupDir(copy)).rejects.toThrow(`${ELASTICSEARCH_ARCHIVE} is missing (the manifest lists it)`);
  });

  it('runs as `chatops backup` with an inventory whose logging and monitoring host is this machine', async () => {
    const inventory = path.join(work, 'inventory');
    await mkdir(inventory);
    const host = { ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3' };
    await writeFile(
      path.join(inventory, 'hosts.yml'),
      JSON.stringify({ all: { children: { logging: { hosts: { localhost: host } }, monitoring: { hosts: { localhost: host } } } } }),
    );
    const out = path.join(work, 'cli-backup');
    const flags = ['--inventory', inventory, '--url', es.url, '--prometheus-url', prometheus.url, '--ca', certs.caFile, '--index-prefix', PREFIX, '--out', out];
    const env = { ...process.env, PROMETHEUS_PASSWORD: prometheus.auth.password };

    const result = await runCommand(process.execPath, [path.join(repoRoot, 'bin/chatops.mjs'), 'backup', ...flags], { env });

    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout.split('\n').filter((line) => line.startsWith(`${PREFIX}-`))).toEqual([
      'bk-fire-claims         0',
      'bk-reminder-history    2',
      'bk-webhook-deliveries  3',
      'bk-reminder-choices    1',
    ]);
    const written = await readBackupDir(out);
    expect(written.elasticsearch.documents).toEqual(manifest.elasticsearch.documents);
    // The repository keeps only the newest snapshot; the earlier backup directory holds its own.
    const c = client();
    const snapshots = await c.snapshot.get({ repository: 'chatops-backup', snapshot: '_all' });
    await c.close();
    expect(snapshots.snapshots?.map((x) => x.snapshot)).toEqual([written.elasticsearch.snapshot]);
    const again = await runCommand(process.execPath, [path.join(repoRoot, 'bin/chatops.mjs'), 'backup', ...flags], { env });
    expect([again.code, again.stderr.trim().split('\n').at(-1)]).toEqual([2, `chatops backup: --out ${out}: not empty; a backup goes into a new directory`]);
  }, 180_000);

  it('lists every index the app writes under its prefix', () => {
    expect(appIndices(PREFIX)).toEqual([
      'bk-fire-claims',
      'bk-reminder-history',
      'bk-webhook-deliveries',
      'bk-reminder-choices',
      'bk-personal-settings',
      'bk-alert-notifications',
      'bk-alert-messages',
      'bk-alert-actions',
    ]);
  });
});
