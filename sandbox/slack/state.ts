// What the Slack fake records and knows: calls, posted and ephemeral messages, response_url posts,
// incoming-webhook deliveries and users; and Slack's message timestamps.

export const SLACK_FAKE_TEAM_ID = 'T0SANDBOX';
export const SLACK_FAKE_BOT_USER_ID = 'U0CHATOPS';

export interface RecordedSlackCall {
  method: string;
  args: Record<string, unknown>;
  /** token presented (Authorization: Bearer, or the `token` argument) */
  token: string | undefined;
  at: number;
  /** what the fake answered */
  response: Record<string, unknown>;
  httpStatus: number;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  user: string;
  reactions: string[];
  edited: boolean;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown[];
  message_ts: string;
}

export interface ResponseUrlPost {
  id: string;
  body: unknown;
  at: number;
}

export interface SlackUser {
  id: string;
  name: string;
  real_name?: string;
  tz?: string;
}

/** A user group (Slack's "subteam"): its id (S…), its members, and whether it is disabled. */
export interface SlackUserGroup {
  id: string;
  users: string[];
  disabled?: boolean;
}

export class SlackState {
  readonly calls: RecordedSlackCall[] = [];
  readonly posted: SlackMessage[] = [];
  readonly ephemerals: EphemeralMessage[] = [];
  readonly responses: ResponseUrlPost[] = [];
  readonly webhookReceived: unknown[] = [];
  readonly users = new Map<string, SlackUser>();
  readonly userGroups = new Map<string, SlackUserGroup>();
  /** bot scopes the token lacks: methods needing one answer missing_scope */
  readonly revokedScopes = new Set<string>();
  private lastTsMicros = 0;

  /** Slack ts: seconds with six digits, unique and increasing within a channel. */
  nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 100);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    return `${seconds}.${String(this.lastTsMicros % 1_000_000).padStart(6, '0')}`;
  }

  messages(channel?: string): SlackMessage[] {
    return this.posted.filter((m) => channel === undefined || m.channel === channel);
  }

  findMessage(channel: unknown, ts: unknown): SlackMessage | undefined {
    return this.posted.find((m) => m.channel === channel && m.ts === ts);
  }
}
