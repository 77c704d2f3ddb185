// The reminder buttons on one `chatops serve` without Elasticsearch: it warns at start that the
// choices live in memory, a digest's Snooze 1 day leaves the PR out of the next digest, Not mine
// on a review DM leaves it out of that person's next DM only, and nobody can click someone else's DM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderActions } from '../../../app/src/core/reminder-buttons.ts';
import { SANDBOX_CHANNEL, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { waitFor } from '../../support/monitoring.ts';
import { buttonValue } from '../../support/slack-clicks.ts';
import { serveChatops, writeSettings, type ServingChatops } from '../app/process.ts';
import { sandboxConfig, sandboxSecrets } from '../app/settings.ts';
import { clickAnswer, directMessages, nextDigest, sendClick, type PostedReply } from './digest-clicks.ts';

let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops;
let url: string;
let first = 0;
let second = 0;

const numbers = (text: string) => [...text.matchAll(/acme\/api#(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
const dmText = (dm: PostedReply) => JSON.stringify(dm.blocks);

beforeAll(async () => {
  sandbox = await startSandbox({ host: '127.0.0.1', seed: 'none' });
  sandbox.github.addRepository('acme/api');
  first = sandbox.github.addPullRequest('acme/api', { title: 'First', user: 'alice', requested_reviewers: ['bob'] });
  second = sandbox.github.addPullRequest('acme/api', { title: 'Second', user: 'alice', requested_reviewers: ['bob'] });
  settings = writeSettings(
    sandboxConfig(sandbox, {
      github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/api'] },
      schedules: [
        { name: 'digest-10s', channel: SANDBOX_CHANNEL, cron: '*/10 * * * * *', timezone: 'UTC', kind: 'digest' },
        { name: 'reviews-10s', channel: SANDBOX_CHANNEL, cron: '*/10 * * * * *', timezone: 'UTC', kind: 'reviews' },
      ],
    }),
    sandboxSecrets,
  );
  ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
}, 120_000);

afterAll(async () => {
  await app?.kill();
  settings?.remove();
  await sandbox?.close();
});

describe('reminder buttons on a single replica without Elasticsearch', () => {
  it('warns at start that the choices are kept in memory', () => {
    const warning = app.lines.find((l) => String(l.message).includes('"not mine" choices are kept in memory'));
    expect(warning?.['log.level']).toBe('warn');
  });

  it("snoozes a digest's PR for a day: the next digest leaves it out", async () => {
    const digest = await nextDigest(sandbox, SANDBOX_CHANNEL, Date.now() - 60_000, 60_000);
    const reply = digest.replies.find((r) => r.text.includes(`acme/api#${second} `))!;
    const value = buttonValue(reply.blocks, reminderActions.snoozeDay, `acme/api#${second}`)!;
    const sent = await sendClick(sandbox, url, { actionId: reminderActions.snoozeDay, value, user: 'U0CAROL', channel: SANDBOX_CHANNEL, message: reply });
    expect(await clickAnswer(sandbox, sent)).toMatch(
      new RegExp(`^acme/api#${second} is snoozed in <#${SANDBOX_CHANNEL}>'s digest until \\d{4}-\\d\\d-\\d\\dT`),
    );
    const next = await nextDigest(sandbox, SANDBOX_CHANNEL, Date.now());
    expect(next.replies.map((r) => numbers(r.text)[0])).toEqual([first]);
  }, 90_000);

  it("refuses a click on someone else's DM, and Not mine hides the PR from that person's next DM only", async () => {
    const dm = await waitFor('a review DM to bob', async () => directMessages(sandbox, 'U0BOB').at(-1), 30_000);
    // The channel snooze is not bob's: his DM still lists both.
    expect(new Set(numbers(dmText(dm)))).toEqual(new Set([first, second]));
    const value = buttonValue(dm.blocks, reminderActions.notMine, `acme/api#${first}`)!;
    expect(value).toBe(`r1|u|U0BOB|acme/api|${first}`);
    const message = dm;

    const alice = await sendClick(sandbox, url, { actionId: reminderActions.notMine, value, user: 'U0ALICE', channel: dm.channel, message });
    expect(await clickAnswer(sandbox, alice)).toBe('This reminder was sent to <@U0BOB>: only they can change it.');
    expect(sandbox.slack.calls.some((c) => c.method === 'chat.update' && c.args.ts === dm.ts)).toBe(false);

    const bob = await sendClick(sandbox, url, { actionId: reminderActions.notMine, value, user: 'U0BOB', channel: dm.channel, message });
    expect(await clickAnswer(sandbox, bob)).toBe(`acme/api#${first} is hidden from your personal and review reminders.`);
    const update = sandbox.slack.calls.find((c) => c.method === 'chat.update' && c.args.ts === dm.ts);
    expect(JSON.stringify(update?.args.blocks)).toContain('<@U0BOB> marked this as not theirs.');
    // The other line keeps its buttons.
    expect(buttonValue(update?.args.blocks, reminderActions.notMine, `acme/api#${second}`)).toBe(`r1|u|U0BOB|acme/api|${second}`);

    // The first fire that started after the click (fires are on 10 s boundaries).
    const nextFire = Math.ceil(Date.now() / 10_000) * 10_000;
    const later = await waitFor("bob's next review DM", async () => directMessages(sandbox, 'U0BOB').find((m) => m.at >= nextFire), 30_000);
    expect(later.text).toBe('Pull requests waiting for your review, Bob Builder (1)');
    expect(new Set(numbers(dmText(later)))).toEqual(new Set([second]));
    // Not mine is bob's: the channel's digest still lists the PR.
    const digest = await nextDigest(sandbox, SANDBOX_CHANNEL, Date.now());
    expect(digest.replies.map((r) => numbers(r.text)[0])).toEqual([first]);
  }, 90_000);
});
