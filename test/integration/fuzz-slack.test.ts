// Generated Slack requests (fast-check) against a real `chatops serve` over HTTP, beside the
// hand-written corpus in test/fixtures/hostile/slack: slash commands and interactivity payloads
// (form-encoded) and Events API bodies (JSON), with hostile field values, wrong content types and
// broken JSON. The signed ones carry a real v0 signature; the rest a wrong secret, a tampered body,
// a malformed, empty or missing signature, or a stale, future or non-numeric timestamp.
// Unsigned input must get 401, signed input a 2xx or 4xx, never a 5xx; the process must keep
// serving and log nothing fatal, and nothing may reach Slack but the sandbox's own response URL.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_FAKE_SIGNING_SECRET, startSandbox, type Sandbox } from '../../sandbox/sandbox.ts';
import { serveChatops, writeSettings, type ServingChatops } from './app/process.ts';
import { allSecretValues, sandboxConfig, sandboxSecrets } from './app/settings.ts';

const RUNS = 10_500;
let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;
let url: string;

beforeAll(async () => {
  sandbox = await startSandbox({ host: '127.0.0.1' });
  settings = writeSettings(sandboxConfig(sandbox), sandboxSecrets);
  ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
}, 120_000);

afterAll(async () => {
  await app?.kill();
  settings?.remove();
  await sandbox?.close();
});

const hostile = fc.constantFrom(
  '',
  ' ',
  'help',
  'mine',
  'stale',
  'all',
  'repo:acme/api',
  'repo:../../etc',
  'stale:-1',
  'stale:1e309',
  'author:@alice',
  '<@U0ALICE>',
  '<!channel>',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '%00',
  '\u0000',
  '\u202e',
  '💥',
  'null',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'x'.repeat(4000),
  'U0ALICE',
  'U0NOBODY',
  'C0PULLREQS',
  'T0SANDBOX',
  '/prs',
  'true',
  '-1',
  'NaN',
);
const text = fc.oneof(hostile, fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(hostile, fc.string({ maxLength: 10 })), tie('json'), { maxKeys: 4 }),
  ),
}));
/** A field Slack sends: usually a plausible value, sometimes anything, sometimes absent. */
const field = (plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: plausible, weight: 6 }, { arbitrary: json, weight: 2 }, { arbitrary: fc.constant(undefined), weight: 1 });
const defined = (record: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
const formValue = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

function responseUrl(): string {
  return `${sandbox.slack.url}/response/fuzz`;
}

const slashCommand = fc
  .record({
    command: field(fc.constantFrom('/prs', '/PRS', '/prs ', '/alerts', '/silences', '/chatops', '/unknown', '')),
    text: field(text),
    user_id: field(fc.constantFrom('U0ALICE', 'U0BOB', 'U0NOBODY', 'W0ENTERPRISE')),
    channel_id: field(fc.constantFrom('C0PULLREQS', 'D0DIRECT', 'G0PRIVATE')),
    team_id: field(fc.constantFrom('T0SANDBOX', 'T0OTHER')),
    trigger_id: field(fc.constant('1.2.fuzz')),
    response_url: fc.oneof({ arbitrary: fc.constant('url'), weight: 5 }, { arbitrary: fc.constant(undefined), weight: 1 }),
    token: field(fc.constant('deprecated-verification-token')),
    extra: fc.dictionary(fc.oneof(hostile, fc.string({ maxLength: 8 })), text, { maxKeys: 2 }),
  })
  .map(({ extra, response_url, ...fields }) => {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(extra)) form.append(k, v);
    for (const [k, v] of Object.entries(defined({ ...fields, response_url: response_url && responseUrl() }))) form.set(k, formValue(v));
    return { kind: 'command', contentType: 'application/x-www-form-urlencoded', body: form.toString() };
  });

const interactivePayload = fc
  .record({
    type: field(
      fc.constantFrom('block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action', 'block_suggestion', 'interactive_message', 'nonsense'),
    ),
    user: field(fc.record({ id: field(fc.constantFrom('U0ALICE', 'U0NOBODY')), team_id: field(fc.constant('T0SANDBOX')) })),
    team: field(fc.record({ id: field(fc.constant('T0SANDBOX')) })),
    actions: field(
      fc.array(fc.record({ action_id: field(text), block_id: field(text), value: field(text), type: field(fc.constantFrom('button', 'static_select')) }), {
        maxLength: 2,
      }),
    ),
    view: field(fc.record({ callback_id: field(text), id: field(text), state: field(json) })),
    callback_id: field(text),
    trigger_id: field(fc.constant('1.2.fuzz')),
    api_app_id: field(fc.constant('A0CHATOPS')),
  })
  .map((payload) => defined(payload));
const interactivity = fc
  .oneof(
    { arbitrary: interactivePayload.map((payload) => JSON.stringify(payload)), weight: 6 },
    { arbitrary: json.map((value) => JSON.stringify(value) ?? 'undefined'), weight: 2 },
    { arbitrary: text, weight: 1 },
  )
  .map((payload) => ({ kind: 'interactivity', contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams({ payload }).toString() }));

const eventBody = fc
  .record({
    type: field(fc.constantFrom('event_callback', 'url_verification', 'app_rate_limited', 'nonsense')),
    challenge: field(text),
    token: field(fc.constant('deprecated-verification-token')),
    team_id: field(fc.constantFrom('T0SANDBOX', 'T0OTHER')),
    api_app_id: field(fc.constant('A0CHATOPS')),
    event_id: field(text),
    event_time: field(fc.integer()),
    ssl_check: field(fc.constantFrom('1', '0')),
    event: field(
      fc.record({
        type: field(fc.constantFrom('app_mention', 'message', 'app_home_opened', 'reaction_added', 'member_joined_channel', 'tokens_revoked', 'nonsense')),
        user: field(fc.constantFrom('U0ALICE', 'U0NOBODY')),
        channel: field(fc.constantFrom('C0PULLREQS', 'D0DIRECT')),
        text: field(text),
        ts: field(fc.constantFrom('1700000000.000100', 'not-a-ts')),
        subtype: field(fc.constantFrom('bot_message', 'message_changed', 'channel_join')),
        bot_id: field(fc.constant('B0BOT')),
      }),
    ),
    authorizations: field(fc.array(fc.record({ user_id: field(text), team_id: field(text), is_bot: field(fc.boolean()) }), { maxLength: 2 })),
  })
  .map((event) => defined(event));
const events = fc
  .oneof(
    { arbitrary: eventBody.map((body) => JSON.stringify(body)), weight: 6 },
    { arbitrary: json.map((value) => JSON.stringify(value) ?? ''), weight: 2 },
    { arbitrary: eventBody.chain((body) => fc.nat({ max: JSON.stringify(body).length }).map((cut) => JSON.stringify(body).slice(0, cut))), weight: 1 },
    { arbitrary: text, weight: 1 },
  )
  .map((body) => ({ kind: 'event', contentType: 'application/json', body }));

type Signature = 'valid' | 'wrong-secret' | 'tampered' | 'malformed' | 'empty' | 'missing' | 'stale' | 'future' | 'not-a-number';
const request = fc.record({
  payload: fc.oneof(slashCommand, interactivity, events),
  signature: fc.oneof(
    { arbitrary: fc.constant<Signature>('valid'), weight: 6 },
    { arbitrary: fc.constantFrom<Signature>('wrong-secret', 'tampered', 'malformed', 'empty', 'missing', 'stale', 'future', 'not-a-number'), weight: 4 },
  ),
  contentType: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 8 },
    {
      arbitrary: fc.constantFrom(
        'application/json',
        'application/x-www-form-urlencoded',
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        '',
      ),
      weight: 2,
    },
  ),
});

function signed(body: string, signature: Signature): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const timestamps: Partial<Record<Signature, string>> = { stale: String(now - 6 * 60), future: String(now + 6 * 60), 'not-a-number': 'yesterday' };
  const timestamp = timestamps[signature] ?? String(now);
  const hmac = (secret: string, text: string, encoding: 'hex' | 'base64' = 'hex'): string =>
    createHmac('sha256', secret).update(`v0:${timestamp}:${text}`).digest(encoding);
  const values: Record<Signature, string | undefined> = {
    valid: `v0=${hmac(SLACK_FAKE_SIGNING_SECRET, body)}`,
    'wrong-secret': `v0=${hmac('another-apps-signing-secret', body)}`,
    tampered: `v0=${hmac(SLACK_FAKE_SIGNING_SECRET, `${body}&tampered=1`)}`,
    malformed: hmac(SLACK_FAKE_SIGNING_SECRET, body, 'base64'),
    empty: '',
    missing: undefined,
    stale: `v0=${hmac(SLACK_FAKE_SIGNING_SECRET, body)}`,
    future: `v0=${hmac(SLACK_FAKE_SIGNING_SECRET, body)}`,
    'not-a-number': `v0=${hmac(SLACK_FAKE_SIGNING_SECRET, body)}`,
  };
  const value = values[signature];
  return { 'x-slack-request-timestamp': timestamp, ...(value === undefined ? {} : { 'x-slack-signature': value }) };
}

describe('generated Slack requests against chatops serve', () => {
  it(`answers each of ${RUNS} generated requests with 401 when unsigned and 2xx/4xx when signed, never 5xx`, async () => {
    const statuses = new Map<string, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(request, async ({ payload, signature, contentType }) => {
        const response = await fetch(`${url}/slack/events`, {
          method: 'POST',
          headers: { 'content-type': contentType ?? payload.contentType, ...signed(payload.body, signature) },
          body: payload.body,
          signal: AbortSignal.timeout(10_000),
        });
        const answer = await response.text();
        const key = `${payload.kind} ${signature === 'valid' ? 'signed' : 'unsigned'} ${response.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        const lastError = app?.lines.findLast((l) => l['log.level'] === 'error');
        const context = `${response.status} ${answer.slice(0, 200)} ${response.status >= 500 ? JSON.stringify(lastError).slice(0, 1500) : ''}`;
        if (signature === 'valid') {
          expect(response.status, context).toBeGreaterThanOrEqual(200);
          expect(response.status, context).toBeLessThan(500);
          expect(response.status === 401, context).toBe(false);
        } else if (contentType === undefined) {
          expect(response.status, context).toBe(401);
        } else {
          // A content type the route does not take may be refused (415) before the signature is read.
          expect([401, 415], context).toContain(response.status);
        }
        expect(answer).not.toMatch(/\bat .+\.(ts|js|mjs):\d+/);
        for (const secret of allSecretValues) expect(answer).not.toContain(secret);
        expect(app?.child.exitCode, 'chatops serve exited').toBeNull();
      }),
      { numRuns: RUNS },
    );
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\nfuzz Slack requests: ${RUNS} in ${seconds.toFixed(1)} s\n`);
    for (const [key, count] of [...statuses].sort()) process.stdout.write(`  ${key.padEnd(32)} ${count}\n`);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(RUNS);
    // Every kind was refused at the signature check and also got past the parser to Bolt (200 acked, 404 no listener).
    for (const kind of ['command', 'interactivity', 'event']) {
      expect(
        [...statuses.keys()].some((k) => k === `${kind} signed 200` || k === `${kind} signed 404`),
        kind,
      ).toBe(true);
      expect(
        [...statuses.keys()].some((k) => k.startsWith(`${kind} unsigned 401`)),
        kind,
      ).toBe(true);
    }
  }, 240_000);

  it('kept serving, logged nothing fatal or unhandled, and wrote to Slack only through the response URL and Home tabs', async () => {
    if (!app) throw new Error('app not started');
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(app.child.exitCode).toBeNull();
    const bad = app.lines.filter((l) => l['log.level'] === 'fatal' || /unhandled|uncaught/i.test(String(l.message)));
    expect(bad.map((l) => `${String(l.message)} ${JSON.stringify(l.error ?? '').slice(0, 600)}`)).toEqual([]);
    expect(app.stderr).not.toMatch(/UnhandledPromiseRejection|TypeError|RangeError/);
    // A signed app_home_opened publishes that person's Home tab, and nothing else.
    const homeTab = (call: (typeof sandbox.slack.calls)[number]): boolean =>
      call.method === 'views.publish' && typeof call.args.user_id === 'string' && (call.args.view as { type?: unknown } | undefined)?.type === 'home';
    const writes = sandbox.slack.calls.filter((call) => !['auth.test', 'api.test', 'users.info', 'conversations.info'].includes(call.method) && !homeTab(call));
    expect(writes.map((w) => w.method)).toEqual([]);
    for (const secret of allSecretValues) expect(app.stdout + app.stderr).not.toContain(secret);
  });
});
