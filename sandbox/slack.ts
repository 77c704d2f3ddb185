// A local Slack server for tests, the sandbox and the lab: the Web API methods the app calls
// (form-encoded as @slack/web-api sends them, or JSON), Bearer token checks, 429 + Retry-After,
// response_url endpoints, an incoming webhook (Alertmanager's Slack receiver) and a client that
// sends slash commands signed with Slack's v0 HMAC-SHA256 scheme. GET /_fake/{calls,messages,
// ephemerals,responses,webhook} (Bearer bot token) shows the records to out-of-process tests.
// Never used by app code.
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, fetch } from 'undici';
import { listen, readBody, sendJson, type ListenOptions } from './http-server.ts';

export const SLACK_FAKE_BOT_TOKEN = 'xoxb-0000000000-sandbox-local-fake-only';
export const SLACK_FAKE_SIGNING_SECRET = 'sandbox-signing-secret-local-fake-only';
export const SLACK_FAKE_TEAM_ID = 'T0SANDBOX';
export const SLACK_FAKE_BOT_USER_ID = 'U0CHATOPS';

export interface SlackFakeOptions extends ListenOptions {
  /** The only bot token accepted. */
  botToken?: string;
}

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

export interface SlashCommandOptions {
  /** Unix seconds; defaults to now (a stale one must be rejected by the app). */
  timestamp?: number;
  /** Sign with the wrong secret. */
  badSignature?: boolean;
  /** PEM CA to trust when `targetUrl` is https. */
  ca?: string;
}

export interface SlashCommandResult {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** the response_url the fake handed to the app for this command */
  responseUrl: string;
  responseId: string;
}

export interface SlackFake {
  url: string;
  /** `${url}/api/`, for WebClient's slackApiUrl */
  apiUrl: string;
  botToken: string;
  calls: RecordedSlackCall[];
  /** Messages posted with chat.postMessage, oldest first; `channel` filters. */
  messages(channel?: string): SlackMessage[];
  ephemerals: EphemeralMessage[];
  responses: ResponseUrlPost[];
  addUser(user: SlackUser): void;
  rateLimitNext(method: string, retryAfterSeconds: number, times?: number): void;
  failNext(method: string, error: string, times?: number): void;
  incomingWebhook: { url: string; received: unknown[] };
  sendSlashCommand(
    targetUrl: string,
    signingSecret: string,
    fields: Record<string, string>,
    options?: SlashCommandOptions,
  ): Promise<SlashCommandResult>;
  close(): Promise<void>;
}

// Form fields @slack/web-api JSON-encodes, and the boolean ones, so recorded args read like the call.
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'users']);
const BOOLEAN_FIELDS = new Set(['unfurl_links', 'unfurl_media', 'mrkdwn', 'reply_broadcast', 'as_user', 'link_names', 'include_locale', 'return_im']);

export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const botToken = options.botToken ?? SLACK_FAKE_BOT_TOKEN;
  const calls: RecordedSlackCall[] = [];
  const posted: SlackMessage[] = [];
  const ephemerals: EphemeralMessage[] = [];
  const responses: ResponseUrlPost[] = [];
  const webhookReceived: unknown[] = [];
  const users = new Map<string, SlackUser>();
  const rateLimits = new Map<string, { retryAfter: number; remaining: number }>();
  const failures = new Map<string, { error: string; remaining: number }>();
  let lastTsMicros = 0;
  let responseCounter = 0;

  function nextTs(): string {
    // Slack ts: seconds with six digits, unique and increasing within a channel.
    lastTsMicros = Math.max(Date.now() * 1000, lastTsMicros + 100);
    const seconds = Math.floor(lastTsMicros / 1_000_000);
    return `${seconds}.${String(lastTsMicros % 1_000_000).padStart(6, '0')}`;
  }

  function take<T extends { remaining: number }>(map: Map<string, T>, method: string): T | undefined {
    const entry = map.get(method);
    if (!entry || entry.remaining === 0) return undefined;
    entry.remaining -= 1;
    return entry;
  }

  type Result = Record<string, unknown>;
  const ok = (extra: Result = {}): Result => ({ ok: true, ...extra });
  const fail = (error: string, extra: Result = {}): Result => ({ ok: false, error, ...extra });

  function findMessage(channel: unknown, ts: unknown): SlackMessage | undefined {
    return posted.find((m) => m.channel === channel && m.ts === ts);
  }

  function hasContent(args: Result): boolean {
    return (
      (typeof args.text === 'string' && args.text.length > 0) ||
      (Array.isArray(args.blocks) && args.blocks.length > 0) ||
      (Array.isArray(args.attachments) && args.attachments.length > 0)
    );
  }

  const methods: Record<string, (args: Result) => Result> = {
    'api.test': (args) => ok({ args }),
    'auth.test': () =>
      ok({
        url: 'https://sandbox.slack.test/',
        team: 'ChatOps Sandbox',
        user: 'chatops',
        team_id: SLACK_FAKE_TEAM_ID,
        user_id: SLACK_FAKE_BOT_USER_ID,
        bot_id: 'B0CHATOPS',
        is_enterprise_install: false,
      }),
    'chat.postMessage': (args) => {
      if (typeof args.channel !== 'string' || args.channel === '') return fail('channel_not_found');
      if (!hasContent(args)) return fail('no_text');
      if (args.thread_ts !== undefined && !findMessage(args.channel, args.thread_ts)) {
        return fail('thread_not_found');
      }
      const message: SlackMessage = {
        channel: args.channel,
        ts: nextTs(),
        ...(typeof args.thread_ts === 'string' ? { thread_ts: args.thread_ts } : {}),
        ...(typeof args.text === 'string' ? { text: args.text } : {}),
        ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
        ...(Array.isArray(args.attachments) ? { attachments: args.attachments } : {}),
        user: SLACK_FAKE_BOT_USER_ID,
        reactions: [],
        edited: false,
      };
      posted.push(message);
      return ok({
        channel: message.channel,
        ts: message.ts,
        message: {
          type: 'message',
          user: message.user,
          bot_id: 'B0CHATOPS',
          ts: message.ts,
          ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
          text: message.text ?? '',
          ...(message.blocks ? { blocks: message.blocks } : {}),
        },
      });
    },
    'chat.postEphemeral': (args) => {
      if (typeof args.channel !== 'string' || args.channel === '') return fail('channel_not_found');
      if (typeof args.user !== 'string' || args.user === '') return fail('user_not_found');
      if (!hasContent(args)) return fail('no_text');
      const messageTs = nextTs();
      ephemerals.push({
        channel: args.channel,
        user: args.user,
        ...(typeof args.text === 'string' ? { text: args.text } : {}),
        ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
        message_ts: messageTs,
      });
      return ok({ message_ts: messageTs });
    },
    'chat.update': (args) => {
      const message = findMessage(args.channel, args.ts);
      if (!message) return fail('message_not_found');
      if (!hasContent(args)) return fail('no_text');
      if (typeof args.text === 'string') message.text = args.text;
      if (Array.isArray(args.blocks)) message.blocks = args.blocks;
      message.edited = true;
      return ok({ channel: message.channel, ts: message.ts, text: message.text ?? '' });
    },
    'reactions.add': (args) => {
      if (typeof args.name !== 'string' || args.name === '') return fail('invalid_name');
      const message = findMessage(args.channel, args.timestamp);
      if (!message) return fail('message_not_found');
      if (message.reactions.includes(args.name)) return fail('already_reacted');
      message.reactions.push(args.name);
      return ok();
    },
    'conversations.open': (args) => {
      const ids = typeof args.users === 'string' ? args.users.split(',') : Array.isArray(args.users) ? args.users : [];
      if (ids.length === 0 && typeof args.channel !== 'string') return fail('users_list_not_supplied');
      if (ids.some((id) => typeof id !== 'string' || !/^[UW][A-Z0-9]+$/.test(id))) return fail('user_not_found');
      // One stable DM channel per user set, as Slack reuses an existing conversation.
      const id = ids.length === 1 ? `D${String(ids[0]).slice(1)}` : `G${ids.map((u) => String(u).slice(1)).join('')}`.slice(0, 20);
      return ok({ channel: { id }, already_open: false, no_op: false });
    },
    'users.info': (args) => {
      const user = typeof args.user === 'string' ? users.get(args.user) : undefined;
      if (!user) return fail('user_not_found');
      return ok({
        user: {
          id: user.id,
          team_id: SLACK_FAKE_TEAM_ID,
          name: user.name,
          real_name: user.real_name ?? user.name,
          tz: user.tz ?? 'UTC',
          is_bot: false,
          deleted: false,
          profile: { real_name: user.real_name ?? user.name, display_name: user.name },
        },
      });
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://slack.test');
    const raw = await readBody(req);
    if (req.method === 'POST' && url.pathname.startsWith('/services/')) {
      webhookReceived.push(parseJson(raw));
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('ok');
      return;
    }
    const responseMatch = /^\/response\/([A-Za-z0-9-]+)$/.exec(url.pathname);
    if (req.method === 'POST' && responseMatch?.[1]) {
      responses.push({ id: responseMatch[1], body: parseJson(raw), at: Date.now() });
      sendJson(res, 200, { ok: true });
      return;
    }
    // Read-only inspection for tests that run the sandbox as a separate process (lab, end-to-end).
    if (req.method === 'GET' && url.pathname.startsWith('/_fake/')) {
      if (req.headers.authorization !== `Bearer ${botToken}`) return sendJson(res, 401, { ok: false, error: 'invalid_auth' });
      const channel = url.searchParams.get('channel') ?? undefined;
      const views: Record<string, unknown> = {
        '/_fake/calls': calls,
        '/_fake/messages': posted.filter((m) => channel === undefined || m.channel === channel),
        '/_fake/ephemerals': ephemerals,
        '/_fake/responses': responses,
        '/_fake/webhook': webhookReceived,
      };
      const view = views[url.pathname];
      return view === undefined ? sendJson(res, 404, { ok: false, error: 'unknown_view' }) : sendJson(res, 200, view);
    }
    const apiMatch = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    if (!apiMatch?.[1]) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const method = apiMatch[1];
    const args = parseArguments(req.headers['content-type'], raw, url.searchParams);
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    const record = (httpStatus: number, response: Result, headers: Record<string, string> = {}): void => {
      calls.push({ method, args, token, at: Date.now(), response, httpStatus });
      sendJson(res, httpStatus, response, headers);
    };

    const handler = methods[method];
    if (!handler) return record(200, fail('unknown_method'));
    if (method !== 'api.test') {
      if (!token) return record(200, fail('not_authed'));
      if (token !== botToken) return record(200, fail('invalid_auth'));
    }
    const limited = take(rateLimits, method);
    if (limited) return record(429, fail('ratelimited'), { 'retry-after': String(limited.retryAfter) });
    const failure = take(failures, method);
    if (failure) return record(200, fail(failure.error));
    return record(200, handler(args));
  }

  const server = await listen(handle, options);
  const webhookUrl = `${server.url}/services/${SLACK_FAKE_TEAM_ID}/B0WEBHOOK/sandboxwebhooktoken`;

  return {
    url: server.url,
    apiUrl: `${server.url}/api/`,
    botToken,
    calls,
    messages: (channel) => posted.filter((m) => channel === undefined || m.channel === channel),
    ephemerals,
    responses,
    addUser(user) {
      users.set(user.id, user);
    },
    rateLimitNext(method, retryAfterSeconds, times = 1) {
      rateLimits.set(method, { retryAfter: retryAfterSeconds, remaining: times });
    },
    failNext(method, error, times = 1) {
      failures.set(method, { error, remaining: times });
    },
    incomingWebhook: { url: webhookUrl, received: webhookReceived },
    async sendSlashCommand(targetUrl, signingSecret, fields, commandOptions = {}) {
      responseCounter += 1;
      const responseId = `cmd-${Date.now().toString(36)}-${responseCounter}`;
      const responseUrl = `${server.url}/response/${responseId}`;
      const body = new URLSearchParams({
        token: 'deprecated-verification-token',
        team_id: SLACK_FAKE_TEAM_ID,
        team_domain: 'chatops-sandbox',
        channel_id: 'C0SANDBOX',
        channel_name: 'sandbox',
        user_id: 'U0SANDBOX',
        user_name: 'sandbox-user',
        command: '/prs',
        text: '',
        api_app_id: 'A0CHATOPS',
        is_enterprise_install: 'false',
        response_url: responseUrl,
        trigger_id: `${Date.now()}.${responseCounter}.sandbox`,
        ...fields,
      }).toString();
      const timestamp = commandOptions.timestamp ?? Math.floor(Date.now() / 1000);
      const secret = commandOptions.badSignature ? `${signingSecret}-wrong` : signingSecret;
      const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
      const answer = await post(targetUrl, body, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signature,
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      }, commandOptions.ca);
      return { ...answer, responseUrl, responseId };
    },
    close: () => server.close(),
  };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function parseArguments(contentType: string | undefined, raw: string, query: URLSearchParams): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of query) args[key] = value;
  if (contentType?.startsWith('application/json')) {
    const parsed = parseJson(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(args, parsed);
    return args;
  }
  for (const [key, value] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(key) && /^[[{]/.test(value)) args[key] = parseJson(value);
    else if (BOOLEAN_FIELDS.has(key) && (value === 'true' || value === 'false')) args[key] = value === 'true';
    else args[key] = value;
  }
  return args;
}

async function post(
  target: string,
  body: string,
  headers: Record<string, string>,
  ca: string | undefined,
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  const dispatcher = new Agent({ connect: { ...(ca ? { ca } : {}) } });
  try {
    const response = await fetch(target, {
      method: 'POST',
      headers,
      body,
      dispatcher,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: await response.text(), headers: Object.fromEntries(response.headers) };
  } finally {
    await dispatcher.close();
  }
}
