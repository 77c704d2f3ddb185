// POST /github/webhook on two real `chatops serve` replicas sharing a real Elasticsearch:
// signatures are checked on the raw body, a delivery sent to both replicas acts once, and a
// merged PR updates its recorded digest reply through the Slack fake.
import { Client } from '@elastic/elasticsearch';
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CHANNEL, startSandbox, type Sandbox } from '../../sandbox/sandbox.ts';
import { startElasticsearch, type ElasticsearchServer } from '../support/elasticsearch.ts';
import { serveChatops, writeSettings, type ServingChatops } from './app/process.ts';
import { sandboxConfig, sandboxSecrets } from './app/settings.ts';

const webhookSecret = 'webhook-secret-for-tests-only';
const prefix = 'webhooks';

let es: ElasticsearchServer;
let sandbox: Sandbox;
const files: ReturnType<typeof writeSettings>[] = [];
const replicas: { app: ServingChatops; url: string }[] = [];
let prNumber = 0;

function sign(body: string, secret = webhookSecret): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function deliver(url: string, event: string, payload: unknown, options: { delivery?: string; signature?: string | null } = {}) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': options.delivery ?? randomUUID(),
    'user-agent': 'GitHub-Hookshot/test',
  };
  const signature = options.signature === undefined ? sign(body) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const response = await fetch(`${url}/github/webhook`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const repository = { full_name: 'acme/api', name: 'api', owner: { login: 'acme' } };
function pullRequest(extra: Record<string, unknown> = {}) {
  return {
    number: prNumber,
    title: 'Coordinate fires',
    html_url: `https://github.test/acme/api/pull/${prNumber}`,
    user: { login: 'alice' },
    merged: false,
    ...extra,
  };
}

function slackCalls(method: string) {
  return sandbox.slack.calls.filter((c) => c.method === method);
}

beforeAll(async () => {
  [es, sandbox] = await Promise.all([startElasticsearch(), startSandbox({ host: '127.0.0.1', seed: 'none' })]);
  sandbox.github.addRepository('acme/api');
  prNumber = sandbox.github.addPullRequest('acme/api', { title: 'Coordinate fires', user: 'alice', requested_reviewers: [] });
  // One digest, 30 s from now (daily cron at that second): after both replicas are up.
  const at = new Date(Date.now() + 30_000);
  const cron = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  for (const [id, primary] of [
    ['w1', true],
    ['w2', false],
  ] as const) {
    const settings = writeSettings(
      sandboxConfig(sandbox, {
        replica: { id, primary },
        github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/api'] },
        elasticsearch: { node: es.url, indexPrefix: prefix },
        schedules: [{ name: 'once', channel: SANDBOX_CHANNEL, cron, timezone: 'UTC', kind: 'digest' }],
      }),
      { ...sandboxSecrets, githubWebhookSecret: webhookSecret },
    );
    files.push(settings);
  }
  replicas.push(...(await Promise.all(files.map((f) => serveChatops(['--config', f.configPath, '--secrets', f.secretsPath])))));
  // Wait for the digest and for its reply to be recorded in the history index.
  const client = new Client({ node: es.url });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const found = await client.search({ index: `${prefix}-reminder-history`, query: { term: { prKey: `acme/api#${prNumber}` } } }).catch(() => undefined);
    if (found && found.hits.hits.length > 0) break;
    if (Date.now() > deadline) throw new Error('the digest reply was never recorded in the history index');
    await new Promise((r) => setTimeout(r, 500));
  }
  await client.close();
}, 300_000);

afterAll(async () => {
  for (const replica of replicas) await replica.app.kill();
  for (const f of files) f.remove();
  await sandbox?.close();
  await es?.destroy();
});

describe('POST /github/webhook', () => {
  it('answers 401 to a forged or missing signature and does nothing', async () => {
    const [first] = replicas;
    const payload = { action: 'closed', pull_request: pullRequest({ merged: true }), repository, sender: { login: 'mallory' } };
    const before = sandbox.slack.calls.length;
    const forged = await deliver(first!.url, 'pull_request', payload, { signature: sign(JSON.stringify(payload), 'not-the-secret') });
    expect(forged.status).toBe(401);
    expect(String(forged.body.error)).toContain('githubWebhookSecret');
    expect((await deliver(first!.url, 'pull_request', payload, { signature: null })).status).toBe(401);
    // Signed, but the body was altered on the way.
    const altered = await fetch(`${first!.url}/github/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': sign(JSON.stringify(payload)),
      },
      body: JSON.stringify({ ...payload, action: 'reopened' }),
    });
    expect(altered.status).toBe(401);
    expect(sandbox.slack.calls.length).toBe(before);
  });

  it('processes a delivery sent to both replicas once: one DM to the requested reviewer', async () => {
    const delivery = randomUUID();
    const payload = { action: 'review_requested', pull_request: pullRequest(), requested_reviewer: { login: 'bob' }, repository, sender: { login: 'alice' } };
    const answers = await Promise.all(replicas.map((r) => deliver(r.url, 'pull_request', payload, { delivery })));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.filter((a) => a.body.duplicate === true)).toHaveLength(1);
    const dms = slackCalls('chat.postMessage').filter((c) => c.args.channel === 'U0BOB');
    expect(dms).toHaveLength(1);
    expect(String(dms[0]?.args.text)).toBe(`Review requested: acme/api#${prNumber}`);
  });

  it('updates the recorded reply when a review is submitted and when the PR is merged, once per delivery', async () => {
    const parent = sandbox.slack.messages(SANDBOX_CHANNEL).find((m) => !m.thread_ts);
    const reply = sandbox.slack.messages(SANDBOX_CHANNEL).find((m) => m.thread_ts === parent?.ts && m.text?.includes(`acme/api#${prNumber}`));
    expect(reply).toBeDefined();

    const review = {
      action: 'submitted',
      review: { state: 'approved', user: { login: 'bob' }, submitted_at: new Date().toISOString() },
      pull_request: pullRequest(),
      repository,
      sender: { login: 'bob' },
    };
    expect((await deliver(replicas[1]!.url, 'pull_request_review', review)).status).toBe(200);
    let updates = slackCalls('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args).toMatchObject({ channel: reply?.channel, ts: reply?.ts });
    expect(JSON.stringify(updates[0]?.args.blocks)).toContain('approved');

    const delivery = randomUUID();
    const merged = { action: 'closed', pull_request: pullRequest({ merged: true }), repository, sender: { login: 'alice' } };
    expect((await deliver(replicas[1]!.url, 'pull_request', merged, { delivery })).status).toBe(200);
    // GitHub redelivers to the other replica: no second update.
    const again = await deliver(replicas[0]!.url, 'pull_request', merged, { delivery });
    expect(again).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    updates = slackCalls('chat.update');
    expect(updates).toHaveLength(2);
    const updated = sandbox.slack.messages(SANDBOX_CHANNEL).find((m) => m.ts === reply?.ts);
    expect(updated?.edited).toBe(true);
    expect(updated?.text).toBe(`[merged] acme/api#${prNumber} Coordinate fires`);
    expect(JSON.stringify(updated?.blocks)).toContain(':white_check_mark: *Merged*');
    // The merged reply keeps the review state learned from the earlier webhook.
    expect(JSON.stringify(updated?.blocks)).toContain('approved');
  });
});
