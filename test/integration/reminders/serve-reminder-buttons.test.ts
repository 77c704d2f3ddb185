// The reminder buttons through real `chatops serve` processes, the Slack fake and a real
// Elasticsearch: two replicas share a snooze (clicked on one, respected by whichever posts the
// next digest), a push ends an "until next push" snooze, forged or stale clicks get 401 and
// change nothing, a button value ChatOps did not make is refused, and a click while
// Elasticsearch is down says that nothing was changed.
import { Client } from '@elastic/elasticsearch';
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderActions } from '../../../app/src/core/reminder-buttons.ts';
import { SANDBOX_CHANNEL, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { startElasticsearch, type ElasticsearchServer } from '../../support/elasticsearch.ts';
import { waitFor } from '../../support/monitoring.ts';
import { buttonValue } from '../../support/slack-clicks.ts';
import { serveChatops, writeSettings, type ServingChatops } from '../app/process.ts';
import { sandboxConfig, sandboxSecrets } from '../app/settings.ts';
import { clickAnswer, nextDigest, sendClick, type PostedReply } from './digest-clicks.ts';

const webhookSecret = 'reminder-buttons-webhook-secret';
const prefix = 'buttons';
let es: ElasticsearchServer;
let sandbox: Sandbox;
let client: Client;
const files: ReturnType<typeof writeSettings>[] = [];
const replicas: { app: ServingChatops; url: string }[] = [];
let snoozed = 0;
let kept = 0;

const replyFor = (replies: readonly PostedReply[], number: number) => replies.find((r) => r.text.includes(`acme/api#${number} `));
const listed = (replies: readonly PostedReply[]) => replies.map((r) => Number(/acme\/api#(\d+)/.exec(r.text)?.[1])).sort((a, b) => a - b);

async function storedChoices(): Promise<number> {
  await client.indices.refresh({ index: `${prefix}-reminder-choices` });
  return (await client.count({ index: `${prefix}-reminder-choices` })).count;
}

/** How many digests each replica has posted so far. */
function posters(): string[] {
  return replicas.map((r, i) => `w${i + 1}: ${r.app.lines.filter((l) => l.message === 'reminder cycle finished').length} digests`);
}

beforeAll(async () => {
  [es, sandbox] = await Promise.all([startElasticsearch(), startSandbox({ host: '127.0.0.1', seed: 'none' })]);
  client = new Client({ node: es.url });
  sandbox.github.addRepository('acme/api');
  snoozed = sandbox.github.addPullRequest('acme/api', { title: 'Snooze me', user: 'alice', requested_reviewers: ['bob'] });
  kept = sandbox.github.addPullRequest('acme/api', { title: 'Keep me', user: 'carol', requested_reviewers: ['bob'] });
  for (const [id, primary] of [
    ['w1', true],
    ['w2', false],
  ] as const) {
    files.push(
      writeSettings(
        sandboxConfig(sandbox, {
          replica: { id, primary },
          github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/api'] },
          elasticsearch: { node: es.url, indexPrefix: prefix },
          schedules: [{ name: 'every-10s', channel: SANDBOX_CHANNEL, cron: '*/10 * * * * *', timezone: 'UTC', kind: 'digest' }],
        }),
        { ...sandboxSecrets, githubWebhookSecret: webhookSecret },
      ),
    );
  }
  replicas.push(...(await Promise.all(files.map((f) => serveChatops(['--config', f.configPath, '--secrets', f.secretsPath])))));
  // On a busy machine index setup may finish after the replica serves (it retries in the background).
  await Promise.all(replicas.map((r) => r.app.waitFor((l) => l.message === 'coordination indices ready', 120_000)));
}, 300_000);

afterAll(async () => {
  for (const replica of replicas) await replica.app.kill();
  for (const f of files) f.remove();
  await client?.close();
  await sandbox?.close();
  await es?.destroy();
});

describe('reminder buttons on two replicas sharing Elasticsearch', () => {
  let reply: PostedReply;

  it('puts the buttons on every digest reply', async () => {
    const digest = await nextDigest(sandbox, SANDBOX_CHANNEL, Date.now() - 60_000, 90_000);
    expect(listed(digest.replies)).toEqual([snoozed, kept]);
    reply = replyFor(digest.replies, snoozed)!;
    expect(buttonValue(reply.blocks, reminderActions.snoozePush, `acme/api#${snoozed}`)).toBe(`r1|c|${SANDBOX_CHANNEL}|acme/api|${snoozed}`);
  }, 120_000);

  it('answers 401 to a forged or stale click and stores nothing', async () => {
    const value = buttonValue(reply.blocks, reminderActions.snoozePush, `acme/api#${snoozed}`)!;
    const click = { actionId: reminderActions.snoozePush, value, user: 'U0BOB', channel: SANDBOX_CHANNEL, message: reply };
    const updates = () => sandbox.slack.calls.filter((c) => c.method === 'chat.update').length;
    const before = { updates: updates(), responses: sandbox.slack.responses.length };
    const forged = await sendClick(sandbox, replicas[0]!.url, click, { secret: 'not-the-signing-secret' });
    const stale = await sendClick(sandbox, replicas[1]!.url, click, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect([forged.status, stale.status]).toEqual([401, 401]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect({ updates: updates(), responses: sandbox.slack.responses.length }).toEqual(before);
    expect(await storedChoices()).toBe(0);
  });

  it('refuses a button value ChatOps did not make, and a digest button sent from another channel', async () => {
    const bad = await sendClick(sandbox, replicas[0]!.url, {
      actionId: reminderActions.snoozeDay,
      value: `r1|c|${SANDBOX_CHANNEL}|acme/api|0`,
      user: 'U0BOB',
      channel: SANDBOX_CHANNEL,
      message: reply,
    });
    expect(bad.status).toBe(200);
    expect(await clickAnswer(sandbox, bad)).toBe('This button is not one ChatOps made (value must end with a pull request number); nothing was changed.');
    const elsewhere = await sendClick(sandbox, replicas[0]!.url, {
      actionId: reminderActions.snoozeDay,
      value: `r1|c|${SANDBOX_CHANNEL}|acme/api|${snoozed}`,
      user: 'U0BOB',
      channel: 'C0ELSEWHERE',
      message: reply,
    });
    expect(await clickAnswer(sandbox, elsewhere)).toBe('This button belongs to a digest in another channel; nothing was changed.');
    expect(await storedChoices()).toBe(0);
  });

  it('snoozes until the next push on one replica; the next digests leave the PR out, whichever replica posts', async () => {
    const value = buttonValue(reply.blocks, reminderActions.snoozePush, `acme/api#${snoozed}`)!;
    const sent = await sendClick(sandbox, replicas[1]!.url, {
      actionId: reminderActions.snoozePush,
      value,
      user: 'U0BOB',
      channel: SANDBOX_CHANNEL,
      message: reply,
    });
    expect(sent.status).toBe(200);
    expect(await clickAnswer(sandbox, sent)).toBe(`acme/api#${snoozed} is snoozed in <#${SANDBOX_CHANNEL}>'s digest until the next push.`);
    const confirmed = Date.now();
    const update = sandbox.slack.calls.find((c) => c.method === 'chat.update' && c.args.ts === reply.ts);
    expect(JSON.stringify(update?.args.blocks)).toContain('Snoozed until the next push by <@U0BOB>');
    expect(JSON.stringify(update?.args.blocks)).not.toContain(reminderActions.snoozeDay);
    expect(await storedChoices()).toBe(1);

    const first = await nextDigest(sandbox, SANDBOX_CHANNEL, confirmed);
    const second = await nextDigest(sandbox, SANDBOX_CHANNEL, first.fireTime);
    expect([listed(first.replies), listed(second.replies)]).toEqual([[kept], [kept]]);
    console.log(`digests after the snooze: ${posters().join(', ')}`);
  }, 120_000);

  it('ends the snooze with a push (pull_request.synchronize): the next digest lists the PR again', async () => {
    const payload = {
      action: 'synchronize',
      number: snoozed,
      before: 'a'.repeat(40),
      after: 'b'.repeat(40),
      pull_request: {
        number: snoozed,
        title: 'Snooze me',
        html_url: `https://github.test/acme/api/pull/${snoozed}`,
        user: { login: 'alice' },
        updated_at: new Date().toISOString(),
      },
      repository: { full_name: 'acme/api', name: 'api', owner: { login: 'acme' } },
      sender: { login: 'alice' },
    };
    const body = JSON.stringify(payload);
    const response = await fetch(`${replicas[0]!.url}/github/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`,
      },
      body,
    });
    expect(response.status, await response.text()).toBe(200);
    const pushed = Date.now();
    expect(await storedChoices()).toBe(0);
    await waitFor('the until-push snooze ended', async () => replicas[0]!.app.lines.find((l) => l.message === 'until-push snoozes ended by a push'), 5_000);
    const digest = await nextDigest(sandbox, SANDBOX_CHANNEL, pushed);
    expect(listed(digest.replies)).toEqual([snoozed, kept]);
    reply = replyFor(digest.replies, kept)!;
  }, 90_000);

  it('says nothing was changed while Elasticsearch is down, and leaves the message as it was', async () => {
    const value = buttonValue(reply.blocks, reminderActions.snoozeDay, `acme/api#${kept}`)!;
    await es.stop();
    try {
      const before = Date.now();
      const sent = await sendClick(sandbox, replicas[0]!.url, {
        actionId: reminderActions.snoozeDay,
        value,
        user: 'U0BOB',
        channel: SANDBOX_CHANNEL,
        message: reply,
      });
      expect(sent.status).toBe(200);
      expect(await clickAnswer(sandbox, sent)).toBe(
        'That did not work: nothing was changed and the error is in the ChatOps log. Please try again in a minute.',
      );
      expect(sandbox.slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === reply.ts && c.at >= before)).toEqual([]);
      expect(replicas[0]!.app.lines.some((l) => l.message === 'reminder choice not stored' && l['log.level'] === 'error')).toBe(true);
    } finally {
      await es.start();
    }
    expect(await storedChoices()).toBe(0);
  }, 120_000);
});
