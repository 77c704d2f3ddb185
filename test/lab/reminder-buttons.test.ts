// The reminder buttons on the deployed lab: a signed click on a digest reply's "Snooze until next
// push", sent through HAProxy to whichever replica it picks, snoozes the PR in Elasticsearch; the
// next digests of that channel leave it out, whichever of the four replicas posts them; a push
// (pull_request.synchronize, through HAProxy too) ends the snooze. A forged click gets 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderActions } from '../../app/src/core/reminder-buttons.ts';
import { closeLabAgent, ensureLab, leaveLab, sandboxView, waitFor, type LabSession, type SandboxCall } from '../support/lab-access.ts';
import { installSchedules, restoreSchedules, sendButtonClick, sendWebhook } from '../support/lab-replicas.ts';
import { buttonValue } from '../support/slack-clicks.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const channel = `C0BTN${Date.now().toString(36).toUpperCase()}`;
const pr = 'acme/api#102';
let session: LabSession | undefined;

interface Digest {
  fireTime: number;
  announced: number;
  replies: SandboxCall[];
}

/** The channel's scheduled digests at the sandbox, each with its replies. */
async function digests(): Promise<Digest[]> {
  const posts = (await sandboxView<SandboxCall[]>('calls')).filter(
    (c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.response.ok === true,
  );
  return posts.flatMap((parent) => {
    const metadata = parent.args.metadata as { event_payload?: { fire_time?: string } } | undefined;
    if (parent.args.thread_ts !== undefined || !metadata?.event_payload?.fire_time) return [];
    const announced = Number(/^(\d+) open pull request/.exec(String(parent.args.text))?.[1] ?? 0);
    return [{ fireTime: Date.parse(metadata.event_payload.fire_time), announced, replies: posts.filter((c) => c.args.thread_ts === parent.response.ts) }];
  });
}

/** The first complete digest of a fire after `after` (ms). */
function nextDigest(after: number): Promise<Digest> {
  return waitFor(
    `a complete digest in ${channel} fired after ${new Date(after).toISOString()}`,
    async () => (await digests()).find((d) => d.fireTime > after && d.replies.length === d.announced),
    60_000,
    500,
  );
}

const lists = (digest: Digest): boolean => digest.replies.some((r) => String(r.args.text).includes(`${pr} `));

beforeAll(async () => {
  session = await ensureLab(print);
  await installSchedules([{ name: 'e2e-buttons', channel, cron: '*/10 * * * * *', timezone: 'UTC', kind: 'digest' }], { repositories: ['acme/api'] });
}, 600_000);

afterAll(async () => {
  try {
    await restoreSchedules();
  } finally {
    await closeLabAgent();
    await leaveLab(session, print);
  }
}, 300_000);

describe('reminder buttons through HAProxy', () => {
  it('snoozes a PR with a signed click; the next digests of the channel leave it out; a push ends the snooze', async () => {
    const first = await nextDigest(Date.now() - 60_000);
    expect(lists(first), `the digest lists ${pr}`).toBe(true);
    const reply = first.replies.find((r) => String(r.args.text).includes(`${pr} `))!;
    const value = buttonValue(reply.args.blocks, reminderActions.snoozePush, pr);
    expect(value).toBe(`r1|c|${channel}|acme/api|102`);
    const message = { ts: String(reply.response.ts), text: String(reply.args.text), blocks: reply.args.blocks as unknown[] };
    const click = { actionId: reminderActions.snoozePush, value: value!, user: 'U0BOB', channel, message };

    const forged = await sendButtonClick(click, { secret: 'not-the-signing-secret' });
    expect(forged.status).toBe(401);

    const sent = await sendButtonClick(click);
    expect(sent.status, sent.body).toBe(200);
    const answer = await waitFor(
      'the ephemeral confirmation',
      async () => (await sandboxView<{ id: string; body: { text?: string } }[]>('responses')).find((r) => r.id === sent.responseId),
      30_000,
      250,
    );
    expect(answer.body.text).toBe(`${pr} is snoozed in <#${channel}>'s digest until the next push.`);
    const confirmed = Date.now();
    const updates = (await sandboxView<SandboxCall[]>('calls')).filter((c) => c.method === 'chat.update' && c.args.ts === message.ts);
    expect(updates.map((u) => JSON.stringify(u.args.blocks).includes('Snoozed until the next push by <@U0BOB>'))).toEqual([true]);
    const forgedAnswers = (await sandboxView<{ id: string }[]>('responses')).filter((r) => r.id === forged.responseId);
    expect(forgedAnswers).toEqual([]);

    const after: Digest[] = [];
    for (let fire = confirmed; after.length < 3; fire = after.at(-1)!.fireTime) after.push(await nextDigest(fire));
    print(
      `\nreminder buttons: click ${sent.status}, forged ${forged.status}; digests after the snooze: ${after.map((d) => `${new Date(d.fireTime).toISOString().slice(11, 19)} ${d.replies.length} replies`).join(', ')}`,
    );
    expect(after.map(lists)).toEqual([false, false, false]);
    expect(after.every((d) => d.replies.length === first.replies.length - 1)).toBe(true);

    const pushed = await sendWebhook('pull_request', {
      action: 'synchronize',
      number: 102,
      before: 'a'.repeat(40),
      after: 'b'.repeat(40),
      pull_request: {
        number: 102,
        title: 'Pushed again',
        html_url: 'https://github.test/acme/api/pull/102',
        user: { login: 'bob' },
        updated_at: new Date().toISOString(),
      },
      repository: { full_name: 'acme/api', name: 'api', owner: { login: 'acme' } },
      sender: { login: 'bob' },
    });
    expect(pushed.status, pushed.body).toBe(200);
    const again = await nextDigest(Date.now());
    print(`reminder buttons: after the push, the digest lists ${pr} again: ${lists(again)}`);
    expect(lists(again)).toBe(true);
  }, 300_000);
});
