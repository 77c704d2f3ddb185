// A local Slack server for tests, the sandbox and the lab: the Web API methods the app calls
// (form-encoded as @slack/web-api sends them, or JSON), Bearer token checks, 429 + Retry-After,
// response_url endpoints, an incoming webhook (Alertmanager's Slack receiver) and a client that
// sends slash commands, Events API callbacks (app_home_opened) and interactions with the app's
// views (Home buttons, modal submissions), signed with Slack's v0 HMAC-SHA256 scheme.
// GET /_fake/{calls,messages,ephemerals,responses,webhook,homes} (Bearer bot token) shows the
// records to out-of-process tests. Never used by app code. state.ts holds the records, routes.ts
// the methods, views.ts views.publish/views.open, interactions.ts what is sent, faults.ts the faults.
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, fetch } from 'undici';
import { headerValue, listen, presentedCredential, readBody, sendJson, type ListenOptions } from '../http-server.ts';
import { SlackFaults } from './faults.ts';
import { appHomeOpened, eventCallback, homeButtonClick, viewSubmission, type SignedAnswer, type SignedRequestOptions } from './interactions.ts';
import { fail, webApiMethods, type Result, type WebApiMethod } from './routes.ts';
import {
  SLACK_FAKE_TEAM_ID,
  SlackState,
  type EphemeralMessage,
  type RecordedSlackCall,
  type ResponseUrlPost,
  type SlackMessage,
  type SlackUser,
  type SlackUserGroup,
} from './state.ts';
import { openView, publishView, ViewState, type StoredView } from './views.ts';

export { SLACK_FAKE_BOT_USER_ID, SLACK_FAKE_TEAM_ID } from './state.ts';
export type { EphemeralMessage, RecordedSlackCall, ResponseUrlPost, SlackMessage, SlackUser, SlackUserGroup } from './state.ts';
export type { SignedAnswer, SignedRequestOptions } from './interactions.ts';
export type { StoredView } from './views.ts';

export const SLACK_FAKE_BOT_TOKEN = 'xoxb-0000000000-sandbox-local-fake-only';
export const SLACK_FAKE_SIGNING_SECRET = 'sandbox-signing-secret-local-fake-only';

export interface SlackFakeOptions extends ListenOptions {
  /** The only bot token accepted. */
  botToken?: string;
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
  /** Adds or replaces a user group (usergroups.users.list answers its members). */
  addUserGroup(group: SlackUserGroup): void;
  /** The bot token loses `scope`: methods that need it answer missing_scope. */
  revokeScope(scope: string): void;
  rateLimitNext(method: string, retryAfterSeconds: number, times?: number): void;
  failNext(method: string, error: string, times?: number): void;
  incomingWebhook: { url: string; received: unknown[] };
  sendSlashCommand(targetUrl: string, signingSecret: string, fields: Record<string, string>, options?: SlashCommandOptions): Promise<SlashCommandResult>;
  /** `user`'s published Home view, as views.publish stored it */
  homeView(user: string): StoredView | undefined;
  /** the modal `user` opened last */
  openModal(user: string): StoredView | undefined;
  /** an Events API event_callback around `event`, signed */
  sendEvent(targetUrl: string, signingSecret: string, event: Record<string, unknown>, options?: SignedRequestOptions): Promise<SignedAnswer>;
  /** app_home_opened for `user` (with the Home view published so far), signed */
  openHome(targetUrl: string, signingSecret: string, user: string, options?: SignedRequestOptions): Promise<SignedAnswer>;
  /** `user` clicks a button of their Home tab; throws when the Home has no such button */
  clickHomeButton(
    targetUrl: string,
    signingSecret: string,
    user: string,
    actionId: string,
    value?: string,
    options?: SignedRequestOptions,
  ): Promise<SignedAnswer>;
  /** `user` submits their open modal with `changes` (block_id → element state); throws when there is none */
  submitModal(
    targetUrl: string,
    signingSecret: string,
    user: string,
    changes: Record<string, Record<string, unknown>>,
    options?: SignedRequestOptions,
  ): Promise<SignedAnswer>;
  close(): Promise<void>;
}

// Form fields @slack/web-api JSON-encodes, and the boolean ones, so recorded args read like the call.
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'users', 'view']);
const BOOLEAN_FIELDS = new Set([
  'include_disabled',
  'unfurl_links',
  'unfurl_media',
  'mrkdwn',
  'reply_broadcast',
  'as_user',
  'link_names',
  'include_locale',
  'return_im',
]);

interface Fake {
  botToken: string;
  state: SlackState;
  views: ViewState;
  faults: SlackFaults;
  methods: Record<string, WebApiMethod>;
}

export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const state = new SlackState();
  const views = new ViewState();
  const methods = {
    ...webApiMethods(state),
    'views.publish': (args: Result) => publishView(views, args),
    'views.open': (args: Result) => openView(views, args),
  };
  const fake: Fake = { botToken: options.botToken ?? SLACK_FAKE_BOT_TOKEN, state, views, faults: new SlackFaults(), methods };
  const server = await listen((req, res) => handle(fake, req, res), options);
  let commands = 0;
  return {
    url: server.url,
    apiUrl: `${server.url}/api/`,
    botToken: fake.botToken,
    calls: state.calls,
    messages: (channel) => state.messages(channel),
    ephemerals: state.ephemerals,
    responses: state.responses,
    addUser(user) {
      state.users.set(user.id, user);
    },
    addUserGroup(group) {
      state.userGroups.set(group.id, { ...group, users: [...group.users] });
    },
    revokeScope(scope) {
      state.revokedScopes.add(scope);
    },
    rateLimitNext: (method, retryAfterSeconds, times = 1) => fake.faults.rateLimitNext(method, retryAfterSeconds, times),
    failNext: (method, error, times = 1) => fake.faults.failNext(method, error, times),
    incomingWebhook: { url: `${server.url}/services/${SLACK_FAKE_TEAM_ID}/B0WEBHOOK/sandboxwebhooktoken`, received: state.webhookReceived },
    sendSlashCommand(targetUrl, signingSecret, fields, commandOptions = {}) {
      commands += 1;
      return sendSlashCommand(server.url, commands, targetUrl, signingSecret, fields, commandOptions);
    },
    homeView: (user) => views.homes.get(user),
    openModal: (user) => views.modals.get(user),
    sendEvent: (targetUrl, signingSecret, event, signed = {}) =>
      signedPost(targetUrl, signingSecret, JSON.stringify(eventCallback(event)), 'application/json', signed),
    openHome: (targetUrl, signingSecret, user, signed = {}) =>
      signedPost(targetUrl, signingSecret, JSON.stringify(eventCallback(appHomeOpened(views, user))), 'application/json', signed),
    clickHomeButton(targetUrl, signingSecret, user, actionId, value, signed = {}) {
      const payload = homeButtonClick(views, user, actionId, value);
      if (!payload) throw new Error(`the Home of ${user} has no button ${actionId}${value === undefined ? '' : ` with value ${value}`}`);
      return signedPost(
        targetUrl,
        signingSecret,
        new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
        'application/x-www-form-urlencoded',
        signed,
      );
    },
    submitModal(targetUrl, signingSecret, user, changes, signed = {}) {
      const payload = viewSubmission(views, user, changes);
      if (!payload) throw new Error(`${user} has no open modal with the blocks ${Object.keys(changes).join(', ')}`);
      return signedPost(
        targetUrl,
        signingSecret,
        new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
        'application/x-www-form-urlencoded',
        signed,
      );
    },
    close: () => server.close(),
  };
}

async function handle(fake: Fake, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://slack.test');
  const raw = await readBody(req);
  const { state } = fake;
  if (req.method === 'POST' && url.pathname.startsWith('/services/')) {
    state.webhookReceived.push(parseJson(raw));
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('ok');
    return;
  }
  const responseMatch = /^\/response\/([A-Za-z0-9-]+)$/.exec(url.pathname);
  if (req.method === 'POST' && responseMatch?.[1]) {
    state.responses.push({ id: responseMatch[1], body: parseJson(raw), at: Date.now() });
    sendJson(res, 200, { ok: true });
    return;
  }
  if (req.method === 'GET' && url.pathname.startsWith('/_fake/')) {
    inspect(fake, req, res, url);
    return;
  }
  const method = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname)?.[1];
  if (!method) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
    return;
  }
  callMethod(fake, req, res, method, parseArguments(headerValue(req, 'content-type'), raw, url.searchParams));
}

/** Read-only views for tests that run the sandbox as a separate process (lab, end-to-end). */
function inspect(fake: Fake, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (presentedCredential(req, ['bearer']) !== fake.botToken) return sendJson(res, 401, { ok: false, error: 'invalid_auth' });
  const channel = url.searchParams.get('channel') ?? undefined;
  const views: Record<string, unknown> = {
    '/_fake/calls': fake.state.calls,
    '/_fake/messages': fake.state.messages(channel),
    '/_fake/ephemerals': fake.state.ephemerals,
    '/_fake/responses': fake.state.responses,
    '/_fake/webhook': fake.state.webhookReceived,
    '/_fake/homes': Object.fromEntries(fake.views.homes),
  };
  const view = views[url.pathname];
  sendJson(res, view === undefined ? 404 : 200, view ?? { ok: false, error: 'unknown_view' });
}

/** A Web API call: token check, injected 429 or error, then the method; every call recorded. */
function callMethod(fake: Fake, req: IncomingMessage, res: ServerResponse, method: string, args: Result): void {
  const bearer = presentedCredential(req, ['bearer']);
  const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
  delete args.token;
  const record = (httpStatus: number, response: Result, headers: Record<string, string> = {}): void => {
    fake.state.calls.push({ method, args, token, at: Date.now(), response, httpStatus });
    sendJson(res, httpStatus, response, headers);
  };
  const handler = fake.methods[method];
  if (!handler) return record(200, fail('unknown_method'));
  if (method !== 'api.test') {
    if (!token) return record(200, fail('not_authed'));
    if (token !== fake.botToken) return record(200, fail('invalid_auth'));
  }
  const retryAfter = fake.faults.rateLimited(method);
  if (retryAfter !== undefined) return record(429, fail('ratelimited'), { 'retry-after': String(retryAfter) });
  const error = fake.faults.failure(method);
  if (error !== undefined) return record(200, fail(error));
  return record(200, handler(args));
}

async function sendSlashCommand(
  fakeUrl: string,
  counter: number,
  targetUrl: string,
  signingSecret: string,
  fields: Record<string, string>,
  options: SlashCommandOptions,
): Promise<SlashCommandResult> {
  const responseId = `cmd-${Date.now().toString(36)}-${counter}`;
  const responseUrl = `${fakeUrl}/response/${responseId}`;
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
    trigger_id: `${Date.now()}.${counter}.sandbox`,
    ...fields,
  }).toString();
  const answer = await signedPost(targetUrl, signingSecret, body, 'application/x-www-form-urlencoded', options);
  return { ...answer, responseUrl, responseId };
}

/** POSTs `body` with Slack's v0 signature headers (X-Slack-Request-Timestamp, X-Slack-Signature). */
function signedPost(targetUrl: string, signingSecret: string, body: string, contentType: string, options: SignedRequestOptions): Promise<SignedAnswer> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const secret = options.badSignature ? `${signingSecret}-wrong` : signingSecret;
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return post(
    targetUrl,
    body,
    {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    },
    options.ca,
  );
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function parseArguments(contentType: string | undefined, raw: string, query: URLSearchParams): Result {
  const args: Result = {};
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
    const response = await fetch(target, { method: 'POST', headers, body, dispatcher, signal: AbortSignal.timeout(30_000) });
    return { status: response.status, body: await response.text(), headers: Object.fromEntries(response.headers) };
  } finally {
    await dispatcher.close();
  }
}
