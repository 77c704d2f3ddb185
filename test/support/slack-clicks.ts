// A Block Kit button click as Slack sends it to the request URL: a block_actions payload in the
// form field `payload`, signed with the v0 scheme (https://docs.slack.dev/authentication/verifying-requests-from-slack).
import { createHmac } from 'node:crypto';

export interface ButtonClick {
  actionId: string;
  value: string;
  user: string;
  /** the channel (or DM) the message is in */
  channel: string;
  /** the clicked message as Slack includes it: its ts, text and blocks */
  message: { ts: string; text: string; blocks: unknown[] };
  responseUrl: string;
  blockId?: string;
}

/** The form body of a click on a message's button. */
export function buttonClickBody(click: ButtonClick): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0SANDBOX', domain: 'chatops-sandbox' },
    user: { id: click.user, username: click.user.toLowerCase(), name: click.user.toLowerCase(), team_id: 'T0SANDBOX' },
    api_app_id: 'A0CHATOPS',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: click.message.ts, channel_id: click.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.1.sandbox`,
    channel: { id: click.channel, name: click.channel.toLowerCase() },
    message: { type: 'message', ts: click.message.ts, text: click.message.text, blocks: click.message.blocks },
    response_url: click.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: click.blockId ?? 'reminder',
        value: click.value,
        text: { type: 'plain_text', text: click.actionId },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The headers Slack signs a request with; `timestamp` (seconds) lets a test send a stale one. */
export function slackSignatureHeaders(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}

/** The value of the first button with `actionId` in `blocks` under the line of `prKey` ("acme/api#12"). */
export function buttonValue(blocks: unknown, actionId: string, prKey: string): string | undefined {
  const list = Array.isArray(blocks) ? (blocks as { type?: string; block_id?: string; elements?: { action_id?: string; value?: string }[] }[]) : [];
  const block = list.find((b) => b.type === 'actions' && b.block_id === `reminder:${prKey}`);
  return block?.elements?.find((e) => e.action_id === actionId)?.value;
}
