// What the reminder-button tests read back from the in-process Slack fake: each digest with its
// fire time and replies, and the answer a click got through response_url.
import { randomUUID } from 'node:crypto';
import type { Sandbox } from '../../../sandbox/sandbox.ts';
import { SLACK_FAKE_SIGNING_SECRET } from '../../../sandbox/sandbox.ts';
import { buttonClickBody, slackSignatureHeaders, type ButtonClick } from '../../support/slack-clicks.ts';
import { waitFor } from '../../support/monitoring.ts';

export interface PostedReply {
  ts: string;
  channel: string;
  text: string;
  blocks: unknown[];
  /** when the fake received it (ms) */
  at: number;
}

export interface PostedDigest {
  fireTime: number;
  ts: string;
  /** how many PRs the parent announces */
  announced: number;
  replies: PostedReply[];
}

/** Scheduled digests in `channel`, oldest first. */
export function digests(sandbox: Sandbox, channel: string): PostedDigest[] {
  const posts = sandbox.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.response.ok === true);
  return posts.flatMap((parent) => {
    const metadata = parent.args.metadata as { event_payload?: { fire_time?: string } } | undefined;
    if (parent.args.thread_ts !== undefined || !metadata?.event_payload?.fire_time) return [];
    const ts = String(parent.response.ts);
    const announced = Number(/^(\d+) open pull request/.exec(String(parent.args.text))?.[1] ?? 0);
    const replies = posts
      .filter((c) => c.args.thread_ts === ts)
      .map((c) => ({
        ts: String(c.response.ts),
        channel: String(c.response.channel),
        text: String(c.args.text),
        blocks: c.args.blocks as unknown[],
        at: c.at,
      }));
    return [{ fireTime: Date.parse(metadata.event_payload.fire_time), ts, announced, replies }];
  });
}

/** The first complete digest (every announced reply posted) of a fire after `after` (ms). */
export function nextDigest(sandbox: Sandbox, channel: string, after: number, timeoutMs = 45_000): Promise<PostedDigest> {
  return waitFor(
    `a complete digest fired after ${new Date(after).toISOString()}`,
    async () => digests(sandbox, channel).find((d) => d.fireTime > after && d.replies.length === d.announced),
    timeoutMs,
  );
}

/** DMs to `user`, oldest first. */
export function directMessages(sandbox: Sandbox, user: string): PostedReply[] {
  return sandbox.slack.calls
    .filter((c) => c.method === 'chat.postMessage' && c.args.channel === user && c.response.ok === true)
    .map((c) => ({ ts: String(c.response.ts), channel: String(c.response.channel), text: String(c.args.text), blocks: c.args.blocks as unknown[], at: c.at }));
}

export interface SentClick {
  status: number;
  responseId: string;
}

/** Sends a signed click to a replica; `secret` and `timestamp` let a test forge or age it. */
export async function sendClick(
  sandbox: Sandbox,
  url: string,
  click: Omit<ButtonClick, 'responseUrl'>,
  options: { secret?: string; timestamp?: number } = {},
): Promise<SentClick> {
  const responseId = randomUUID();
  const body = buttonClickBody({ ...click, responseUrl: `${sandbox.describe().slack.url}/response/${responseId}` });
  const response = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: slackSignatureHeaders(body, options.secret ?? SLACK_FAKE_SIGNING_SECRET, options.timestamp),
    body,
  });
  await response.arrayBuffer();
  return { status: response.status, responseId };
}

/** The ephemeral text a click was answered with. */
export async function clickAnswer(sandbox: Sandbox, sent: SentClick): Promise<string> {
  const found = await waitFor(
    `response_url answer ${sent.responseId}`,
    async () => sandbox.slack.responses.find((r) => r.id === sent.responseId)?.body as { text?: string; response_type?: string } | undefined,
    15_000,
  );
  if (found.response_type !== 'ephemeral') throw new Error(`the answer is not ephemeral: ${JSON.stringify(found)}`);
  return String(found.text);
}
