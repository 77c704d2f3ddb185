// The manifest's bot scopes are exactly what the app needs: the real app (`chatops serve` with
// Elasticsearch and an alerts section against a real Alertmanager, `chatops remind`) is driven
// through every path that calls Slack against the sandbox, the Slack fake records each Web API call, and the scopes those methods require
// (Slack's method reference, app/src/slack/scopes.ts) must equal the manifest's, both ways.
import { Client } from '@elastic/elasticsearch';
import { createHmac, randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeActionIds } from '../../../app/src/core/home.ts';
import type { SlackManifest } from '../../../app/src/slack/manifest.ts';
import { appWebApiMethods, webApiMethodScopes } from '../../../app/src/slack/scopes.ts';
import { SANDBOX_CHANNEL, SLACK_FAKE_SIGNING_SECRET, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { alertCommandActions } from '../../../app/src/alerts/actions.ts';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.ts';
import { startElasticsearch, type ElasticsearchServer } from '../../support/elasticsearch.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';
import { runChatops, serveChatops, writeSettings, type ServingChatops } from '../app/process.ts';
import { sandboxConfig, sandboxSecrets } from '../app/settings.ts';

const webhookSecret = 'manifest-scopes-webhook-secret';
const prefix = 'scopes';

let es: ElasticsearchServer;
let sandbox: Sandbox;
let certs: TestCertificates;
let alertmanager: RunningAlertmanager;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;
let url: string;
let manifest: SlackManifest;
const answeredCommands = new Set<string>();
const handledEvents = new Set<string>();

/** What each slash command is sent with; `help` is answered in the ack, the rest through response_url. */
const commandTexts: Record<string, string[]> = {
  '/prs': ['mine', 'reviews', 'all', 'help'],
  '/alerts': ['', 'help'],
  '/silences': ['', 'help'],
  '/chatops': ['status', 'help'],
};

/** A click on a button as Slack sends it: form field `payload`, signed with the v0 scheme. */
async function clickButton(actionId: string, value: string, user: string, responseId: string): Promise<number> {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0SANDBOX', domain: 'chatops-sandbox' },
    user: { id: user, username: 'alice', name: 'alice', team_id: 'T0SANDBOX' },
    api_app_id: 'A0CHATOPS',
    container: { type: 'message', message_ts: '1.000001', channel_id: SANDBOX_CHANNEL, is_ephemeral: true },
    trigger_id: `${Date.now()}.1.sandbox`,
    channel: { id: SANDBOX_CHANNEL, name: 'sandbox' },
    response_url: `${sandbox.describe().slack.url}/response/${responseId}`,
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, text: { type: 'plain_text', text: 'x' }, action_ts: `${Date.now() / 1000}` }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SLACK_FAKE_SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const response = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
    body,
  });
  return response.status;
}

async function deliver(event: string, payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${url}/github/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`,
    },
    body,
  });
  return response.status;
}

async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const pr101 = {
  number: 101,
  title: 'Add pagination to /v1/orders',
  html_url: 'https://github.test/acme/api/pull/101',
  user: { login: 'alice' },
  merged: false,
};
const repository = { full_name: 'acme/api', name: 'api', owner: { login: 'acme' } };

beforeAll(async () => {
  certs = await createTestCertificates();
  [es, sandbox, alertmanager] = await Promise.all([
    startElasticsearch(),
    startSandbox({ host: '127.0.0.1' }),
    startAlertmanager(certs, { route: { receiver: 'nobody' }, receivers: [{ name: 'nobody' }] }),
  ]);
  // Alice is an operator through a user group: acting reads it with usergroups.users.list.
  sandbox.slack.addUserGroup({ id: 'S0ONCALL', users: ['U0ALICE'] });
  // The digest fires once, 25 s from now: after `serve` is up.
  const at = new Date(Date.now() + 25_000);
  const once = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  const never = '0 0 1 1 *';
  settings = writeSettings(
    sandboxConfig(sandbox, {
      elasticsearch: { node: es.url, indexPrefix: prefix },
      alerts: { defaultChannel: 'C0ALERTS', operators: ['S0ONCALL'], alertmanagerUrl: alertmanager.url, caFile: certs.caFile },
      schedules: [
        { name: 'digest', channel: SANDBOX_CHANNEL, cron: once, timezone: 'UTC', kind: 'digest' },
        { name: 'personal', channel: SANDBOX_CHANNEL, cron: never, timezone: 'UTC', kind: 'personal' },
        { name: 'reviews', channel: SANDBOX_CHANNEL, cron: never, timezone: 'UTC', kind: 'reviews' },
      ],
    }),
    { ...sandboxSecrets, githubWebhookSecret: webhookSecret, alertmanager: alertmanager.auth },
  );

  const printed = await runChatops(['slack-manifest', '--domain', 'example.com']);
  expect(printed.code, printed.stderr).toBe(0);
  manifest = parse(printed.stdout) as SlackManifest;

  ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));

  // Readiness checks the bot token (auth.test).
  expect((await fetch(`${url}/ready`)).status).toBe(200);

  // Every slash command of the manifest, with each of its actions, signed as Slack signs them.
  for (const command of manifest.features?.slash_commands ?? []) {
    for (const text of commandTexts[command.command] ?? ['help']) {
      const sent = await sandbox.slack.sendSlashCommand(`${url}/slack/events`, SLACK_FAKE_SIGNING_SECRET, {
        command: command.command,
        text,
        user_id: 'U0ALICE',
      });
      expect(sent.status).toBe(200);
      if (text !== 'help') await until(() => sandbox.slack.responses.some((r) => r.id === sent.responseId), `the answer to ${command.command} ${text}`);
      answeredCommands.add(command.command);
    }
  }

  // An operator's click on a /alerts silence button.
  expect(await clickButton(alertCommandActions.silence1h, '{"alertname":"ScopeTest"}', 'U0ALICE', 'scope-click')).toBe(200);
  await until(() => sandbox.slack.responses.some((r) => r.id === 'scope-click'), 'the answer to the silence click');
  expect((sandbox.slack.responses.find((r) => r.id === 'scope-click')?.body as { text?: string }).text).toMatch(/^Silenced alertname=ScopeTest until /);

  // Every event of the manifest: app_home_opened publishes the Home (views.publish), whose
  // "Edit settings" button opens the settings modal (views.open).
  for (const event of manifest.settings?.event_subscriptions?.bot_events ?? []) {
    expect(event).toBe('app_home_opened');
    const opened = await sandbox.slack.openHome(`${url}/slack/events`, SLACK_FAKE_SIGNING_SECRET, 'U0ALICE');
    expect(opened.status).toBe(200);
    await until(() => sandbox.slack.homeView('U0ALICE') !== undefined, 'the Home of U0ALICE');
    handledEvents.add(event);
  }
  const click = await sandbox.slack.clickHomeButton(`${url}/slack/events`, SLACK_FAKE_SIGNING_SECRET, 'U0ALICE', homeActionIds.openSettings);
  expect(click.status).toBe(200);
  await until(() => sandbox.slack.openModal('U0ALICE') !== undefined, 'the settings modal of U0ALICE');

  // The personal and reviews DMs, one process each.
  for (const schedule of ['personal', 'reviews']) {
    const run = await runChatops(['remind', '--schedule', schedule, '--config', settings.configPath, '--secrets', settings.secretsPath]);
    expect(run.code, run.stderr).toBe(0);
  }

  // The digest (thread replies, reactions on stale PRs), and its replies recorded for the webhooks.
  const client = new Client({ node: es.url });
  try {
    await until(async () => {
      const found = await client.search({ index: `${prefix}-reminder-history`, query: { term: { prKey: 'acme/api#101' } } }).catch(() => undefined);
      return (found?.hits.hits.length ?? 0) > 0;
    }, 'the digest reply of acme/api#101 in the history index');
  } finally {
    await client.close();
  }

  // GitHub webhooks: a review request DMs, a review and a merge update the digest reply.
  expect(
    await deliver('pull_request', {
      action: 'review_requested',
      pull_request: pr101,
      requested_reviewer: { login: 'bob' },
      repository,
      sender: { login: 'alice' },
    }),
  ).toBe(200);
  const review = { state: 'approved', user: { login: 'bob' }, submitted_at: new Date().toISOString() };
  expect(await deliver('pull_request_review', { action: 'submitted', review, pull_request: pr101, repository, sender: { login: 'bob' } })).toBe(200);
  expect(await deliver('pull_request', { action: 'closed', pull_request: { ...pr101, merged: true }, repository, sender: { login: 'alice' } })).toBe(200);
}, 300_000);

afterAll(async () => {
  await app?.kill();
  settings?.remove();
  await sandbox?.close();
  await es?.destroy();
  await alertmanager?.stop();
  await certs?.remove();
});

const calledMethods = (): string[] => [...new Set(sandbox.slack.calls.filter((c) => c.response.ok === true).map((c) => c.method))].sort();
const manifestScopes = (): string[] => [...(manifest.oauth_config?.scopes?.bot ?? [])].sort();

describe('the Slack app manifest against the Web API calls the app makes', () => {
  it('saw every Web API method the app calls, each answered ok', () => {
    expect(calledMethods()).toEqual([...appWebApiMethods].sort());
    expect(sandbox.slack.calls.filter((c) => c.response.ok !== true)).toEqual([]);
  });

  it('grants every scope each called method requires', () => {
    const missing = calledMethods().flatMap((method) =>
      (webApiMethodScopes[method] ?? [`<no table entry for ${method}>`])
        .filter((scope) => !manifestScopes().includes(scope))
        .map((scope) => `${method} needs ${scope}`),
    );
    expect(missing).toEqual([]);
  });

  it('asks for no scope that no call or slash command needed', () => {
    const needed = new Set<string>(calledMethods().flatMap((method) => webApiMethodScopes[method] ?? []));
    if (answeredCommands.size > 0) needed.add('commands');
    expect(manifestScopes()).toEqual([...needed].sort());
  });

  it('declares exactly the slash commands the app answered, on the events URL', () => {
    expect(manifest.features?.slash_commands?.map((c) => [c.command, c.url])).toEqual(
      [...answeredCommands].map((c) => [c, 'https://chatops.example.com/slack/events']),
    );
    expect(answeredCommands).toEqual(new Set(['/prs', '/alerts', '/silences', '/chatops']));
  });

  it('subscribes to exactly the events the app handled, on the events URL, with the Home tab on', () => {
    expect(manifest.settings?.event_subscriptions).toEqual({ request_url: 'https://chatops.example.com/slack/events', bot_events: [...handledEvents] });
    expect(handledEvents).toEqual(new Set(['app_home_opened']));
    expect(manifest.features?.app_home?.home_tab_enabled).toBe(true);
  });
});
