// The App Home through a real `chatops serve` with a real Elasticsearch and the Slack fake:
// signed app_home_opened → views.publish with the person's PRs and reviews (team reviews
// included) and snoozes; Unsnooze; the settings modal (views.open) refusing bad input by field;
// saved settings surviving a replica restart; a paused person getting no `reviews` DM; a
// person's own DM time sending their DM in that minute.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeActionIds, settingsBlocks, unsnoozeValue } from '../../../app/src/core/home.ts';
import { createElasticsearchClient } from '../../../app/src/store/client.ts';
import { ensureIndices, indexNames } from '../../../app/src/store/indices.ts';
import { ElasticReminderChoices } from '../../../app/src/store/reminder-choices.ts';
import { SANDBOX_CHANNEL, SLACK_FAKE_SIGNING_SECRET, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { startElasticsearch, type ElasticsearchServer } from '../../support/elasticsearch.ts';
import { runChatops, serveChatops, writeSettings, type ServingChatops } from '../app/process.ts';
import { sandboxConfig, sandboxSecrets } from '../app/settings.ts';
import pino from 'pino';

const prefix = 'home';
let es: ElasticsearchServer;
let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;
let url: string;
let choicesClient: ReturnType<typeof createElasticsearchClient>;

async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const events = (): string => `${url}/slack/events`;
const homeText = (user: string): string => JSON.stringify(sandbox.slack.homeView(user)?.blocks ?? []);
const publishesFor = (user: string): number =>
  sandbox.slack.calls.filter((c) => c.method === 'views.publish' && c.args.user_id === user && c.response.ok).length;

/** Opens `user`'s Home and waits for the publish it causes. */
async function openHome(user: string): Promise<string> {
  const before = publishesFor(user);
  const sent = await sandbox.slack.openHome(events(), SLACK_FAKE_SIGNING_SECRET, user);
  expect(sent.status).toBe(200);
  await until(() => publishesFor(user) > before, `the Home of ${user}`, 90_000).catch((error: unknown) => {
    const recent = app?.lines
      .slice(-15)
      .map((l) => JSON.stringify(l))
      .join('\n');
    const calls = sandbox.slack.calls.filter((c) => c.method.startsWith('views.')).map((c) => JSON.stringify(c.response).slice(0, 300));
    throw new Error(`${(error as Error).message}\nrecent log:\n${recent}\nviews calls:\n${calls.join('\n')}`);
  });
  return homeText(user);
}

async function openSettings(user: string): Promise<void> {
  const opened = sandbox.slack.calls.filter((c) => c.method === 'views.open').length;
  const click = await sandbox.slack.clickHomeButton(events(), SLACK_FAKE_SIGNING_SECRET, user, homeActionIds.openSettings);
  expect(click.status).toBe(200);
  await until(() => sandbox.slack.calls.filter((c) => c.method === 'views.open' && c.response.ok).length > opened, 'the settings modal');
}

async function startServe(): Promise<void> {
  ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
}

beforeAll(async () => {
  [es, sandbox] = await Promise.all([startElasticsearch(), startSandbox({ host: '127.0.0.1' })]);
  // Review asked of team acme/backend only (alice, bob): Bob sees it through his team.
  sandbox.github.addPullRequest('acme/api', {
    number: 105,
    title: 'Cache the tenant lookups',
    user: 'alice',
    created_at: new Date(Date.now() - 5 * 3_600_000).toISOString(),
    requested_teams: ['backend'],
  });
  settings = writeSettings(
    sandboxConfig(sandbox, {
      elasticsearch: { node: es.url, indexPrefix: prefix },
      // Every minute at second 30: the reviews DMs, which settings hold back or move.
      schedules: [{ name: 'reviews', channel: SANDBOX_CHANNEL, cron: '30 * * * * *', timezone: 'UTC', kind: 'reviews' }],
      slack: { apiUrl: sandbox.slack.apiUrl, commandCacheSeconds: 0 },
    }),
    sandboxSecrets,
  );
  await startServe();
  choicesClient = createElasticsearchClient({ node: es.url, indexPrefix: prefix, retentionDays: 30, username: 'chatops' }, {}, { requestTimeoutMs: 5_000 });
  await ensureIndices(choicesClient, indexNames(prefix), pino({ level: 'silent' }));
}, 180_000);

afterAll(async () => {
  await app?.kill();
  await choicesClient?.close();
  settings?.remove();
  await sandbox?.close();
  await es?.destroy();
});

describe('the App Home', () => {
  it('refuses app_home_opened with a bad signature or a stale timestamp, publishing nothing', async () => {
    const bad = await sandbox.slack.openHome(events(), SLACK_FAKE_SIGNING_SECRET, 'U0CAROL', { badSignature: true });
    const stale = await sandbox.slack.openHome(events(), SLACK_FAKE_SIGNING_SECRET, 'U0CAROL', { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect([bad.status, stale.status]).toEqual([401, 401]);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(publishesFor('U0CAROL')).toBe(0);
  });

  it('answers the Events API url_verification challenge', async () => {
    const body = JSON.stringify({ token: 'deprecated-verification-token', challenge: 'c-3po', type: 'url_verification' });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', SLACK_FAKE_SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const response = await fetch(events(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: 'c-3po' });
  });

  it("publishes the person's open PRs and the reviews asked of them or their teams", async () => {
    const text = await openHome('U0BOB');
    expect(sandbox.slack.homeView('U0BOB')?.type).toBe('home');
    expect(text).toContain('Your open pull requests (3)');
    for (const pr of ['acme/api#102', 'acme/web#53', 'acme/infra#9']) expect(text).toContain(pr);
    expect(text).toContain('Waiting for your review (3)');
    for (const pr of ['acme/api#101', 'acme/infra#7', 'acme/api#105']) expect(text).toContain(pr);
    expect(text).toContain('Includes reviews asked of your teams: @acme/backend');
    expect(text).toContain('Your snoozes (0)');
    expect(text).toContain('*Paused:* no');
  });

  it('shows someone without a GitHub mapping how to get mapped', async () => {
    const text = await openHome('U0NOBODY');
    expect(text).toContain(
      '*To get mapped*, ask an operator to add you under `users` in config.yml: `{ slack: U0NOBODY, github: <your-login>, name: <your name> }`',
    );
    expect(text).not.toContain('Edit settings');
  });

  it("lists the person's snoozes and ends one with Unsnooze", async () => {
    const choices = new ElasticReminderChoices(choicesClient, indexNames(prefix).choices);
    const snooze = await choices.snooze(
      { kind: 'user', id: 'U0BOB' },
      { repository: 'acme/api', number: 101 },
      { until: new Date(Date.now() + 86_400_000) },
      'U0BOB',
    );
    expect(await openHome('U0BOB')).toContain('Your snoozes (1)');
    const before = publishesFor('U0BOB');
    const click = await sandbox.slack.clickHomeButton(events(), SLACK_FAKE_SIGNING_SECRET, 'U0BOB', homeActionIds.unsnooze, unsnoozeValue(snooze));
    expect(click.status).toBe(200);
    await until(() => publishesFor('U0BOB') > before, 'the Home republished after Unsnooze');
    expect(homeText('U0BOB')).toContain('Your snoozes (0)');
    expect((await choices.list([{ kind: 'user', id: 'U0BOB' }])).filter((c) => c.kind === 'snooze')).toEqual([]);
  });

  it('refuses invalid settings naming each field, and saves nothing', async () => {
    await openSettings('U0BOB');
    expect(sandbox.slack.openModal('U0BOB')?.type).toBe('modal');
    const answer = await sandbox.slack.submitModal(events(), SLACK_FAKE_SIGNING_SECRET, 'U0BOB', {
      [settingsBlocks.timeZone.blockId]: { value: 'Mars/Olympus' },
      [settingsBlocks.dmTime.blockId]: { selected_time: '23:30' },
      [settingsBlocks.quietStart.blockId]: { selected_time: '22:00' },
      [settingsBlocks.quietEnd.blockId]: { selected_time: '07:00' },
      [settingsBlocks.pausedUntil.blockId]: { selected_date: '2020-01-01' },
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      response_action: 'errors',
      errors: {
        [settingsBlocks.timeZone.blockId]: '"Mars/Olympus" is not a time zone: use an IANA name such as Europe/Berlin',
        [settingsBlocks.dmTime.blockId]: '23:30 is inside your quiet hours (22:00–07:00): pick a DM time outside them',
        [settingsBlocks.pausedUntil.blockId]: '2020-01-01 is not in the future: pick a later day, or leave it empty',
      },
    });
    const bad = await sandbox.slack.submitModal(events(), SLACK_FAKE_SIGNING_SECRET, 'U0BOB', { [settingsBlocks.dmTime.blockId]: { selected_time: '9am' } });
    expect(JSON.parse(bad.body)).toEqual({
      response_action: 'errors',
      errors: { [settingsBlocks.dmTime.blockId]: '"9am" is not a time: use HH:MM on a 24-hour clock, e.g. 09:30' },
    });
    expect(await openHome('U0BOB')).toContain('*Paused:* no');
  });

  it('keeps a paused person out of the reviews DMs while the others get theirs', async () => {
    await openSettings('U0BOB');
    const pauseUntil = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const before = publishesFor('U0BOB');
    const saved = await sandbox.slack.submitModal(events(), SLACK_FAKE_SIGNING_SECRET, 'U0BOB', {
      [settingsBlocks.timeZone.blockId]: { value: 'Europe/Berlin' },
      [settingsBlocks.pausedUntil.blockId]: { selected_date: pauseUntil },
    });
    expect([saved.status, saved.body]).toEqual([200, '']);
    await until(() => publishesFor('U0BOB') > before, 'the Home republished after saving');
    expect(homeText('U0BOB')).toContain(`*Paused:* until ${pauseUntil}`);

    const savedAt = Date.now();
    const finished = await app!.waitFor(
      (l) => l.message === 'reminder cycle finished' && l.schedule === 'reviews' && Date.parse(String(l['@timestamp'] ?? l.time ?? 0)) > savedAt,
      75_000,
    );
    expect(finished.outcome).toBe('success');
    const dmsAfter = sandbox.slack.messages().filter((m) => Number(m.ts) * 1000 > savedAt && m.channel.startsWith('U0'));
    expect(dmsAfter.map((m) => m.channel)).toContain('U0ALICE');
    expect(dmsAfter.map((m) => m.channel)).not.toContain('U0BOB');
  }, 120_000);

  it('keeps the paused person out of `chatops remind` of the reviews schedule too', async () => {
    const startedAt = Date.now();
    const run = await runChatops(['remind', '--schedule', 'reviews', '--config', settings.configPath, '--secrets', settings.secretsPath]);
    expect(run.code, run.stderr).toBe(0);
    const dms = sandbox.slack.messages().filter((m) => Number(m.ts) * 1000 >= startedAt && m.channel.startsWith('U0'));
    expect(dms.map((m) => m.channel)).toContain('U0ALICE');
    expect(dms.map((m) => m.channel)).not.toContain('U0BOB');
  }, 60_000);

  it('keeps the settings across a replica restart (Elasticsearch)', async () => {
    await app?.kill();
    await startServe();
    const text = await openHome('U0BOB');
    expect(text).toMatch(/\*Paused:\* until \d{4}-\d{2}-\d{2}/);
    expect(text).toContain('*Time zone:* Europe/Berlin');
    await openSettings('U0BOB');
    const timeZone = sandbox.slack.openModal('U0BOB')?.blocks.find((b) => b.block_id === settingsBlocks.timeZone.blockId);
    expect((timeZone?.element as { initial_value?: string }).initial_value).toBe('Europe/Berlin');
  }, 120_000);

  it("sends a person's reviews DM at their own DM time instead of the schedule's fires", async () => {
    await openHome('U0CAROL');
    await openSettings('U0CAROL');
    // The next whole minute at least 20 s away, in UTC.
    const due = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
    const dmTime = due.toISOString().slice(11, 16);
    const saved = await sandbox.slack.submitModal(events(), SLACK_FAKE_SIGNING_SECRET, 'U0CAROL', {
      [settingsBlocks.timeZone.blockId]: { value: 'UTC' },
      [settingsBlocks.dmTime.blockId]: { selected_time: dmTime },
    });
    expect([saved.status, saved.body]).toEqual([200, '']);
    const savedAt = Date.now();
    const dm = await until(() => sandbox.slack.messages('U0CAROL').find((m) => Number(m.ts) * 1000 > savedAt), `Carol's DM at ${dmTime}`, 120_000);
    expect(Number(dm.ts) * 1000).toBeGreaterThanOrEqual(due.getTime());
    expect(Number(dm.ts) * 1000).toBeLessThan(due.getTime() + 30_000);
    expect(dm.text).toContain('waiting for your review');
    await app!.waitFor((l) => l.message === 'DM time due' && l.schedule === 'reviews', 5_000);
  }, 180_000);
});
