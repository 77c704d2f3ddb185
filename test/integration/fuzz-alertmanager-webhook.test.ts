// Generated Alertmanager webhook notifications (fast-check), beside the hand-written corpus in
// test/fixtures/hostile/alertmanager: payloads of the version "4" shape with fields of the wrong
// type, missing or hostile (`__proto__` labels, 3,000-character annotations, times that are not
// RFC 3339), arbitrary JSON, cut-off JSON and text. 10,000 go through the parser (never throws; a
// rejection names each field), then a batch goes over HTTP to the real route (the webhook plugin on
// fastify, the real notifier posting to the Slack fake) with good, wrong and missing bearer tokens,
// odd content types and channels: a 2xx or a 4xx naming the field, never a 5xx, no unhandled rejection.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import pino from 'pino';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAlertLedger } from '../../app/src/alerts/ledger.ts';
import { AlertNotifier } from '../../app/src/alerts/notifier.ts';
import { formatPayloadProblems, parseWebhookPayload } from '../../app/src/alerts/payload.ts';
import { alertmanagerWebhookPath, alertmanagerWebhookPlugin } from '../../app/src/alerts/webhook-route.ts';
import { createMetrics } from '../../app/src/metrics.ts';
import { SlackWebApi } from '../../app/src/slack/web-api.ts';
import { startSlackFake, type SlackFake } from '../../sandbox/slack.ts';
import { repoRoot } from './app/process.ts';

const PARSER_RUNS = 10_000;
const ROUTE_RUNS = 1_500;
const CONCURRENCY = 8;
const token = 'fuzz-alertmanager-webhook-token';
// A fixed seed unless one is given: a failure names the seed that reproduces it.
const seed = Number(process.env.CHATOPS_FUZZ_SEED ?? 20261129);
const corpus = join(repoRoot, 'test/fixtures/hostile/alertmanager');
const logger = pino({ level: 'silent' });
const agent = new Agent({ connections: CONCURRENCY });
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
let slack: SlackFake;
let server: FastifyInstance;
let url: string;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  slack = await startSlackFake({ host: '127.0.0.1' });
  const metrics = createMetrics({ defaultMetrics: false });
  const poster = new SlackWebApi({ token: slack.botToken, apiUrl: slack.apiUrl, logger, metrics, retries: 0 });
  const notifier = new AlertNotifier({
    ledger: new MemoryAlertLedger(),
    slack: poster,
    links: { runbookBaseUrl: 'https://runbooks.example.test/' },
    replica: 'r1',
    logger,
  });
  server = Fastify();
  await server.register(alertmanagerWebhookPlugin({ token, defaultChannel: 'C0ALERTS', notifier, metrics, logger }));
  url = await server.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server?.close();
  await agent.close();
  await slack?.close();
});

const hostile = fc.constantFrom(
  '',
  ' ',
  'firing',
  'resolved',
  'FIRING',
  '4',
  'ChatOpsReplicaDown',
  '__proto__',
  'constructor',
  'toString',
  '<!channel>',
  '<script>',
  '*bold* _it_ `code`',
  '\u0000',
  '💥',
  'x'.repeat(3000),
  '2026-11-28T08:00:00Z',
  '2026-11-28T08:00:00.123+02:00',
  '0001-01-01T00:00:00Z',
  '2026-13-45T99:00:00Z',
  'not-a-date',
  'https://prometheus.example.org/graph?g0.expr=up',
  'javascript:alert(1)',
);
const text = fc.oneof(hostile, fc.string({ maxLength: 40 }));
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(text, tie('json'), { maxKeys: 3 }),
  ),
}));
const field = (plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: plausible, weight: 60 }, { arbitrary: json, weight: 1 }, { arbitrary: fc.constant(undefined), weight: 1 });
const defined = (record: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
const labels = fc.dictionary(text, text, { maxKeys: 4 });
const time = fc.oneof(
  { arbitrary: fc.constantFrom('2026-11-28T08:00:00Z', '2026-11-28T08:00:00.123Z', '0001-01-01T00:00:00Z', '2026-11-28T10:00:00+02:00'), weight: 30 },
  { arbitrary: text, weight: 1 },
);
const status = fc.oneof({ arbitrary: fc.constantFrom('firing', 'resolved'), weight: 30 }, { arbitrary: text, weight: 1 });

const alert = fc
  .record({
    status: field(status),
    labels: field(labels),
    annotations: field(labels),
    startsAt: field(time),
    endsAt: field(time),
    generatorURL: field(text),
    fingerprint: field(fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), text)),
  })
  .map(defined);

const payload = fc
  .record({
    version: field(fc.oneof({ arbitrary: fc.constant('4'), weight: 8 }, { arbitrary: fc.constantFrom('3', 4, ''), weight: 1 })),
    groupKey: field(fc.oneof(fc.constantFrom('{}:{alertname="DiskFull"}', '{}/{severity="critical"}:{alertname="ChatOpsReplicaDown"}'), text)),
    truncatedAlerts: field(fc.oneof(fc.nat({ max: 5 }), fc.constantFrom(-1, 1.5))),
    status: field(status),
    receiver: field(fc.oneof(fc.constant('chatops'), text)),
    groupLabels: field(labels),
    commonLabels: field(labels),
    commonAnnotations: field(labels),
    externalURL: field(text),
    alerts: field(fc.array(alert, { maxLength: 4 })),
  })
  .map(defined);

/** A JSON value as the route sees it after JSON.parse: `__proto__` keys are own properties. */
const bodyValue = fc
  .oneof({ arbitrary: payload, weight: 8 }, { arbitrary: json, weight: 2 })
  .map((value) => JSON.parse(JSON.stringify(value) ?? 'null') as unknown);

const bodyText = fc.oneof(
  { arbitrary: payload.map((p) => JSON.stringify(p)), weight: 7 },
  { arbitrary: json.map((value) => JSON.stringify(value) ?? ''), weight: 1 },
  { arbitrary: payload.chain((p) => fc.nat({ max: JSON.stringify(p).length }).map((cut) => JSON.stringify(p).slice(0, cut))), weight: 1 },
  { arbitrary: text, weight: 1 },
);

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

describe('the Alertmanager payload parser on generated input', () => {
  it(`accepts or rejects each of ${PARSER_RUNS} generated bodies without throwing, naming the field of every problem`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(bodyValue, (body) => {
        const result = parseWebhookPayload(body);
        if (result.ok) {
          accepted += 1;
          expect(result.payload.version).toBe('4');
          expect(result.payload.alerts.length).toBeGreaterThan(0);
          return;
        }
        expect(result.problems.length).toBeGreaterThan(0);
        expect(formatPayloadProblems(result.problems).length).toBeGreaterThan(0);
        // An object is rejected field by field: each problem names a key of the payload.
        if (isPlainObject(body)) {
          for (const problem of result.problems) {
            expect(problem.field).toMatch(/^[A-Za-z]+(\[\d+\])?(\.|\[|$)/);
            expect(problem.message).not.toBe('');
          }
        }
      }),
      { numRuns: PARSER_RUNS, seed },
    );
    // The generator must reach the accepting path too, or it tests only rejections.
    expect(accepted).toBeGreaterThan(PARSER_RUNS / 50);
  });
});

type Auth = 'valid' | 'wrong' | 'missing' | 'basic';
const request = fc.record({
  body: bodyText,
  auth: fc.oneof({ arbitrary: fc.constant<Auth>('valid'), weight: 8 }, { arbitrary: fc.constantFrom<Auth>('wrong', 'missing', 'basic'), weight: 2 }),
  contentType: fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 8 },
    { arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'), weight: 2 },
  ),
  query: fc.oneof(
    { arbitrary: fc.constant(''), weight: 6 },
    { arbitrary: fc.constantFrom('?channel=C0OPS', '?channel=c0lower', '?channel=C0A&channel=C0B', '?channel=%00', '?channel=__proto__'), weight: 2 },
  ),
});
type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

function authorization(auth: Auth): Record<string, string> {
  if (auth === 'valid') return { authorization: `Bearer ${token}` };
  if (auth === 'wrong') return { authorization: `Bearer ${token}x` };
  if (auth === 'basic') return { authorization: `Basic ${Buffer.from(`chatops:${token}`).toString('base64')}` };
  return {};
}

/** What the route must answer, and what its error must say, worked out from the request alone. */
function expected(r: Request): { status: number; error?: string | RegExp } {
  if (r.auth !== 'valid') return { status: 401, error: /bearer token/ };
  if (!r.contentType.startsWith('application/json')) return { status: 415, error: /Content-Type/ };
  if (r.query.includes('&channel=')) return { status: 400, error: /^channel: give the query parameter once/ };
  if (r.query !== '' && r.query !== '?channel=C0OPS') return { status: 400, error: /^channel: expected a Slack channel id/ };
  let body: unknown;
  try {
    body = JSON.parse(r.body);
  } catch {
    return { status: 400, error: 'body is not valid JSON' };
  }
  const parsed = parseWebhookPayload(body);
  return parsed.ok ? { status: 200 } : { status: 400, error: formatPayloadProblems(parsed.problems) };
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function send(r: Request): Promise<{ status: number; error: string | undefined }> {
  const response = await fetch(`${url}${alertmanagerWebhookPath}${r.query}`, {
    method: 'POST',
    headers: { 'content-type': r.contentType, ...authorization(r.auth) },
    body: r.body,
    dispatcher: agent,
    signal: AbortSignal.timeout(30_000),
  });
  const answer = (await response.json()) as { error?: string };
  return { status: response.status, error: answer.error };
}

describe('generated notifications against the real webhook route over HTTP', () => {
  it(`answers each of ${ROUTE_RUNS} generated requests with the status and error worked out for it, never a 5xx`, async () => {
    const inputs = fc.sample(request, { numRuns: ROUTE_RUNS, seed });
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    await pool(inputs, CONCURRENCY, async (r) => {
      const { status, error } = await send(r);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const want = expected(r);
      const errorMatches = want.error === undefined || (typeof want.error === 'string' ? error === want.error : want.error.test(error ?? ''));
      if (status !== want.status || !errorMatches) {
        failures.push(
          `${status} ${JSON.stringify(error)?.slice(0, 200)} for ${JSON.stringify({ ...r, body: r.body.slice(0, 300) })}; expected ${want.status} ${String(want.error)}`,
        );
      }
    });
    process.stdout.write(
      `\nalertmanager webhook fuzz (seed ${seed}): ${[...statuses]
        .sort()
        .map(([s, n]) => `${s}×${n}`)
        .join(', ')}\n`,
    );
    expect(failures.slice(0, 5)).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    // Every kind of answer was reached: accepted, malformed, unauthenticated, wrong media type.
    expect([...statuses.keys()].sort()).toEqual([200, 400, 401, 415]);
    expect(unhandled).toEqual([]);
  }, 300_000);

  const cases = readdirSync(corpus)
    .sort()
    .map(
      (name) =>
        [
          name,
          JSON.parse(readFileSync(join(corpus, name), 'utf8')) as { description: string; request: Request; expectStatus: number; expectError?: string },
        ] as const,
    );
  it.each(cases)('hostile corpus alertmanager/%s', async (_name, c) => {
    const { status, error } = await send(c.request);
    expect(status, c.description).toBe(c.expectStatus);
    if (c.expectError !== undefined) expect(error).toContain(c.expectError);
    expect(unhandled).toEqual([]);
  });
});
