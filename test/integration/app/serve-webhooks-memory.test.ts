// GitHub webhooks in `chatops serve` without Elasticsearch: one replica remembers deliveries and
// the digest's replies in memory, and every pull_request / review event it handles re-renders
// the PR's reply with the one digest renderer, keeping the age and stale flag of the first post.
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CHANNEL, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { serveChatops, writeSettings, type ServingChatops } from './process.ts';
import { allSecretValues, sandboxConfig, sandboxSecrets, seededOrder } from './settings.ts';

const webhookSecret = 'memory-webhook-secret-for-tests';
let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;
let url: string;

beforeAll(async () => {
  sandbox = await startSandbox({ host: '127.0.0.1' });
  settings = writeSettings(
    // once a minute at second 0: one digest to update
    sandboxConfig(sandbox, { schedules: [{ name: 'minutely', channel: SANDBOX_CHANNEL, cron: '0 * * * * *', timezone: 'UTC', kind: 'digest' }] }),
    { ...sandboxSecrets, githubWebhookSecret: webhookSecret },
  );
  ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
  await app.waitFor((l) => l.message === 'reminder cycle finished', 90_000);
}, 120_000);

afterAll(async () => {
  await app?.kill();
  settings?.remove();
  await sandbox?.close();
});

async function deliver(event: string, payload: Record<string, unknown>, delivery = randomUUID()): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({ repository: { full_name: 'acme/web' }, sender: { login: 'bob' }, ...payload });
  const answer = await fetch(`${url}/github/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`,
    },
    body,
  });
  return { status: answer.status, body: await answer.text() };
}

const web53 = (overrides: Record<string, unknown> = {}) => ({
  number: 53,
  title: 'Migrate charts to the new library',
  html_url: 'https://github.test/acme/web/pull/53',
  user: { login: 'bob' },
  draft: false,
  updated_at: '2026-11-28T09:00:00Z',
  ...overrides,
});

/** The text of the last chat.update of web#53's reply. */
function lastUpdate(): string {
  const updates = sandbox.slack.calls.filter((c) => c.method === 'chat.update' && JSON.stringify(c.args).includes('acme/web#53'));
  const blocks = updates.at(-1)?.args.blocks as { text?: { text: string } }[] | undefined;
  return blocks?.[0]?.text?.text ?? '';
}

describe('GitHub webhooks in serve without Elasticsearch', () => {
  it('serves /github/webhook, warning that deliveries are kept in this one replica', () => {
    if (!app) throw new Error('app not started');
    expect(app.lines.find((l) => l['log.level'] === 'warn' && /kept in memory, so run a single replica only/.test(String(l.message)))).toBeDefined();
    expect(
      app.lines.find((l) => l['log.level'] === 'warn' && /^no elasticsearch in config\.yml: personal reminder settings/.test(String(l.message))),
    ).toBeDefined();
    const replies = sandbox.slack.messages(SANDBOX_CHANNEL).filter((m) => m.thread_ts);
    expect(replies.length).toBeGreaterThanOrEqual(seededOrder.length);
  });

  it('keeps the age and stale flag of the first post when a PR turns draft, and is ready again', async () => {
    const first = sandbox.slack.messages(SANDBOX_CHANNEL).find((m) => m.thread_ts && m.text?.startsWith('acme/web#53'));
    const firstText = (first?.blocks as { text?: { text: string } }[] | undefined)?.[0]?.text?.text ?? '';
    expect(firstText).toContain('open 21 days');
    expect(firstText).toContain(':hourglass_flowing_sand: stale (open over 14 days)');

    expect((await deliver('pull_request', { action: 'converted_to_draft', pull_request: web53({ draft: true }) })).status).toBe(200);
    expect(lastUpdate()).toBe(`${firstText.replace(' · :hourglass_flowing_sand:', ' · :construction: draft · :hourglass_flowing_sand:')}`);
    expect((await deliver('pull_request', { action: 'ready_for_review', pull_request: web53() })).status).toBe(200);
    expect(lastUpdate()).toBe(firstText);
  });

  it('drops a withdrawn review request and a dismissed review, and reopens a closed PR', async () => {
    expect((await deliver('pull_request', { action: 'review_request_removed', pull_request: web53(), requested_reviewer: { login: 'carol' } })).status).toBe(
      200,
    );
    expect(lastUpdate()).not.toContain('waiting for');
    expect(lastUpdate()).toContain(':speech_balloon: commented by <@U0DAVE>, not yet approved');
    const dismissal = { action: 'dismissed', pull_request: web53(), review: { state: 'dismissed', user: { login: 'dave' } } };
    expect((await deliver('pull_request_review', dismissal)).status).toBe(200);
    expect(lastUpdate()).toContain(':grey_question: no reviewer requested');
    expect((await deliver('pull_request', { action: 'closed', pull_request: web53({ merged: false }) })).status).toBe(200);
    expect(lastUpdate()).toMatch(/^:no_entry_sign: \*Closed without merging\* · /);
    expect((await deliver('pull_request', { action: 'reopened', pull_request: web53() })).status).toBe(200);
    expect(lastUpdate()).toMatch(/^<https:[^|]+\/acme\/web\/pull\/53\|/);
    expect(lastUpdate()).toContain('open 21 days');
  });

  it('acts once on a redelivery, remembered in memory', async () => {
    const delivery = randomUUID();
    const push = { action: 'synchronize', pull_request: web53({ updated_at: '2026-11-28T10:00:00Z' }) };
    const before = sandbox.slack.calls.filter((c) => c.method === 'chat.update').length;
    expect(await deliver('pull_request', push, delivery)).toEqual({ status: 200, body: '{"ok":true}' });
    expect(await deliver('pull_request', push, delivery)).toEqual({ status: 200, body: '{"ok":true,"duplicate":true}' });
    expect(sandbox.slack.calls.filter((c) => c.method === 'chat.update').length).toBe(before + 1);
    if (!app) throw new Error('app not started');
    for (const secret of [...allSecretValues, webhookSecret]) expect(app.stdout + app.stderr).not.toContain(secret);
  });
});
