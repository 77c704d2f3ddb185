// `chatops backup` and `chatops restore` on the lab: reminder history and webhook deliveries
// written into the app's indices survive a backup, the loss of both indices and a restore, and
// Prometheus comes back on its snapshot with the series it had before the backup. A wrong --from
// is refused before anything is touched.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../ops/backup/manifest.ts';
import {
  chatops,
  closeLabAgent,
  DOMAIN,
  elasticsearchAuth,
  ensureLab,
  labFetch,
  labSecret,
  leaveLab,
  waitFor,
  type LabSession,
} from '../support/lab-access.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const ES = `https://mon1.${DOMAIN}:9200`;
const HISTORY = 'chatops-reminder-history';
const DELIVERIES = 'chatops-webhook-deliveries';
let session: LabSession | undefined;
let dir: string;

async function es(method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await labFetch(`${ES}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...elasticsearchAuth() },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function count(index: string): Promise<number> {
  await es('POST', `/${index}/_refresh`);
  const answer = await es('GET', `/${index}/_count`);
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return answer.json.count as number;
}

async function prometheusSeries(expr: string, at: Date): Promise<number> {
  const auth = Buffer.from(`prometheus:${labSecret('prometheus_web_password')}`).toString('base64');
  const url = `https://prometheus.${DOMAIN}/api/v1/query?query=${encodeURIComponent(expr)}&time=${at.getTime() / 1000}`;
  const body = (await (await labFetch(url, { headers: { authorization: `Basic ${auth}` } })).json()) as { data?: { result?: unknown[] } };
  return body.data?.result?.length ?? 0;
}

beforeAll(async () => {
  session = await ensureLab(print);
  dir = path.join(mkdtempSync(path.join(tmpdir(), 'chatops-lab-backup-')), 'backup');
}, 1_500_000);

afterAll(async () => {
  rmSync(path.dirname(dir), { recursive: true, force: true });
  try {
    await closeLabAgent();
  } finally {
    await leaveLab(session, print);
  }
});

describe('backup and restore on the lab', () => {
  let manifest: Manifest;

  it('backs up the history and deliveries written into the app indices', async () => {
    const now = new Date().toISOString();
    const pr = { repository: 'acme/api', number: 4242, title: 'Backup me', url: 'https://github.test/acme/api/pull/4242', author: 'alice' };
    const history = await es('PUT', `/${HISTORY}/_doc/C0BACKUP:1.1?refresh=true`, {
      prKey: 'acme/api#4242',
      repository: 'acme/api',
      number: 4242,
      channel: 'C0BACKUP',
      ts: '1.1',
      threadTs: '1.0',
      schedule: 'weekday-digest',
      replica: 'lab-test',
      postedAt: now,
      state: 'open',
      pr,
    });
    expect(history.status, JSON.stringify(history.json)).toBeLessThan(300);
    const delivery = await es('PUT', `/${DELIVERIES}/_doc/lab-backup-delivery?refresh=true`, {
      event: 'pull_request',
      action: 'opened',
      replica: 'lab-test',
      receivedAt: now,
    });
    expect(delivery.status, JSON.stringify(delivery.json)).toBeLessThan(300);

    const backup = await chatops('backup', '--out', dir);
    expect(backup.code, `${backup.stdout}\n${backup.stderr}`).toBe(0);
    manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.elasticsearch.documents[HISTORY]).toBeGreaterThanOrEqual(1);
    expect(manifest.elasticsearch.documents[DELIVERIES]).toBeGreaterThanOrEqual(1);
    expect(manifest.prometheus.archive.bytes).toBeGreaterThan(0);
  }, 600_000);

  it('refuses a --from without a manifest, exit 2, naming the flag', async () => {
    const wrong = await chatops('restore', '--from', path.dirname(dir));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--from .*: no manifest\.json/);
    expect(await count(HISTORY)).toBe(manifest.elasticsearch.documents[HISTORY]);
  }, 120_000);

  it('brings back history and deliveries after both indices are deleted, and Prometheus on its snapshot', async () => {
    for (const index of [HISTORY, DELIVERIES]) expect((await es('DELETE', `/${index}`)).status).toBe(200);

    const restore = await chatops('restore', '--from', dir);
    expect(restore.code, `${restore.stdout}\n${restore.stderr}`).toBe(0);
    expect(restore.stdout).toMatch(new RegExp(`^${HISTORY} +${manifest.elasticsearch.documents[HISTORY]} +\\d+ +ok$`, 'm'));

    expect(await count(HISTORY)).toBe(manifest.elasticsearch.documents[HISTORY]);
    // Deliveries keep arriving from the sandbox's webhooks meanwhile: at least the backup's.
    expect(await count(DELIVERIES)).toBeGreaterThanOrEqual(manifest.elasticsearch.documents[DELIVERIES] ?? 1);
    expect((await es('GET', `/${HISTORY}/_doc/C0BACKUP:1.1`)).json.found).toBe(true);
    expect((await es('GET', `/${DELIVERIES}/_doc/lab-backup-delivery`)).json.found).toBe(true);

    // Prometheus answers again, from data that reaches back before the backup.
    const before = new Date(Date.parse(manifest.createdAt) - 30_000);
    const series = await waitFor(
      'Prometheus back with the series of before the backup',
      async () => ((await prometheusSeries('up', before)) > 0 ? true : undefined),
      120_000,
      2_000,
    );
    expect(series).toBe(true);
  }, 900_000);
});
