// Generated GitHub webhook deliveries (fast-check) against a real `chatops serve` with its real
// Elasticsearch delivery ledger, beside the hand-written corpus in test/fixtures/hostile/github:
// pull_request and pull_request_review payloads with fields of the wrong type, missing or hostile
// ("__proto__" review states, reviewers that are strings), other events, arbitrary JSON, cut-off
// JSON and text, with missing or odd headers and content types. The signed ones carry a real
// X-Hub-Signature-256; the rest a wrong secret, a tampered body, SHA-1 only, a malformed or no
// signature. Unsigned input must get 401 (415 for a content type the route does not take), signed
// input a 2xx or 4xx, never a 5xx; the process must keep serving and log nothing fatal.
import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.ts';
import { startElasticsearch, type ElasticsearchServer } from '../support/elasticsearch.ts';
import { serveChatops, writeSettings, type ServingChatops } from './app/process.ts';
import { allSecretValues, sandboxConfig, sandboxSecrets } from './app/settings.ts';

const RUNS = 10_000;
const CONCURRENCY = 8;
const webhookSecret = 'fuzz-github-webhook-secret';
// A fixed seed unless one is given: a failure names the seed that reproduces it.
const seed = Number(process.env.CHATOPS_FUZZ_SEED ?? 20261128);
let sandbox: Sandbox;
let es: ElasticsearchServer;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;
let url: string;
const agent = new Agent({ connections: CONCURRENCY });

beforeAll(async () => {
  [sandbox, es] = await Promise.all([startSandbox({ host: '127.0.0.1' }), startElasticsearch()]);
  settings = writeSettings(sandboxConfig(sandbox, { elasticsearch: { node: es.url, indexPrefix: 'fuzz' } }), {
    ...sandboxSecrets,
    githubWebhookSecret: webhookSecret,
  });
  ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
  await app.waitFor((l) => l.message === 'coordination indices ready', 90_000);
}, 240_000);

afterAll(async () => {
  await app?.kill();
  settings?.remove();
  await agent.close();
  await sandbox?.close();
  await es?.destroy();
});

const hostile = fc.constantFrom(
  '',
  ' ',
  'acme/api',
  'acme/web',
  'acme/../etc',
  'other/repo',
  'alice',
  'bob',
  'ghost',
  '__proto__',
  'constructor',
  'toString',
  'approved',
  'APPROVED',
  'changes_requested',
  'commented',
  'dismissed',
  'pending',
  '<script>',
  '\u0000',
  '💥',
  'x'.repeat(3000),
  '2026-11-28T20:00:00Z',
  'not-a-date',
  'https://github.com/acme/api/pull/1',
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
  fc.oneof({ arbitrary: plausible, weight: 6 }, { arbitrary: json, weight: 2 }, { arbitrary: fc.constant(undefined), weight: 1 });
const login = fc.record({ login: field(fc.constantFrom('alice', 'bob', 'carol', 'nobody', '__proto__')) });
const defined = (record: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

const pullRequestPayload = fc
  .record({
    action: field(fc.constantFrom('closed', 'review_requested', 'submitted', 'opened', 'edited', 'synchronize')),
    number: field(fc.integer({ min: 1, max: 200 })),
    pull_request: field(
      fc.record({
        number: field(fc.oneof(fc.integer({ min: 1, max: 200 }), fc.constantFrom(0, -1, 1.5, 2 ** 53))),
        title: field(text),
        html_url: field(text),
        merged: field(fc.boolean()),
        user: field(login),
      }),
    ),
    repository: field(fc.record({ full_name: field(fc.constantFrom('acme/api', 'acme/web', 'acme/infra', 'other/repo', '__proto__')) })),
    sender: field(login),
    requested_reviewer: field(fc.oneof(login, text)),
    requested_team: field(fc.record({ slug: field(text) })),
    review: field(fc.record({ state: field(text), user: field(fc.oneof(login, text)), submitted_at: field(text) })),
  })
  .map((payload) => defined(payload));

const body = fc.oneof(
  { arbitrary: pullRequestPayload.map((p) => JSON.stringify(p)), weight: 6 },
  { arbitrary: json.map((value) => JSON.stringify(value) ?? ''), weight: 2 },
  { arbitrary: pullRequestPayload.chain((p) => fc.nat({ max: JSON.stringify(p).length }).map((cut) => JSON.stringify(p).slice(0, cut))), weight: 1 },
  { arbitrary: text, weight: 1 },
);

type Signature = 'valid' | 'wrong-secret' | 'tampered' | 'sha1-only' | 'malformed' | 'missing';
const delivery = fc.record({
  body,
  event: fc.oneof(
    { arbitrary: fc.constantFrom('pull_request', 'pull_request_review'), weight: 6 },
    { arbitrary: fc.constantFrom('push', 'ping', 'issues', 'check_run', ''), weight: 2 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: text, weight: 1 },
  ),
  delivery: fc.oneof(
    { arbitrary: fc.constant('fresh'), weight: 8 },
    { arbitrary: fc.constantFrom(undefined, '', 'repeated-delivery'), weight: 1 },
    { arbitrary: text, weight: 1 },
  ),
  signature: fc.oneof(
    { arbitrary: fc.constant<Signature>('valid'), weight: 5 },
    { arbitrary: fc.constantFrom<Signature>('wrong-secret', 'tampered', 'sha1-only', 'malformed', 'missing'), weight: 5 },
  ),
  contentType: fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 8 },
    { arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml'), weight: 2 },
  ),
});
type Delivery = typeof delivery extends fc.Arbitrary<infer T> ? T : never;

function headers(d: Delivery): Record<string, string> {
  const hmac = (algorithm: string, secret: string, text: string): string => createHmac(algorithm, secret).update(text).digest('hex');
  const signatures: Record<Signature, Record<string, string>> = {
    valid: { 'x-hub-signature-256': `sha256=${hmac('sha256', webhookSecret, d.body)}` },
    'wrong-secret': { 'x-hub-signature-256': `sha256=${hmac('sha256', 'not-the-webhook-secret', d.body)}` },
    tampered: { 'x-hub-signature-256': `sha256=${hmac('sha256', webhookSecret, `${d.body} `)}` },
    'sha1-only': { 'x-hub-signature': `sha1=${hmac('sha1', webhookSecret, d.body)}` },
    malformed: { 'x-hub-signature-256': `md5=${'0'.repeat(32)}` },
    missing: {},
  };
  // HTTP carries visible ASCII in header values; what else the generator made is dropped.
  const visible = (value: string): string => value.replace(/[^\x21-\x7e ]/g, '').trim();
  const id = d.delivery === 'fresh' ? randomUUID() : d.delivery;
  return {
    'content-type': d.contentType,
    ...(d.event === undefined ? {} : { 'x-github-event': visible(d.event) }),
    ...(id === undefined ? {} : { 'x-github-delivery': visible(id) }),
    ...signatures[d.signature],
  };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index] as T, index);
      }
    }),
  );
}

describe('generated GitHub webhook deliveries against chatops serve', () => {
  it(`answers each of ${RUNS} generated deliveries with 401/415 when unsigned and 2xx/4xx when signed, never 5xx`, async () => {
    // Sampled up front and sent CONCURRENCY at a time: each signed delivery is a write to the ledger.
    const inputs = fc.sample(delivery, { numRuns: RUNS, seed });
    const statuses = new Map<string, number>();
    const failures: string[] = [];
    const started = performance.now();
    await pool(inputs, CONCURRENCY, async (d, index) => {
      const response = await fetch(`${url}/github/webhook`, {
        method: 'POST',
        headers: headers(d),
        body: d.body,
        dispatcher: agent,
        signal: AbortSignal.timeout(30_000),
      });
      const answer = await response.text();
      const signed = d.signature === 'valid';
      const json = d.contentType.startsWith('application/json');
      const kind = d.event === 'pull_request' || d.event === 'pull_request_review' ? d.event : 'other event';
      const key = `${kind} ${signed ? 'signed' : 'unsigned'} ${response.status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      // fastify reads text/plain as a string too; other types the route does not take are a 415 before the signature.
      const ok = signed
        ? response.status >= 200 && response.status < 500 && response.status !== 401
        : response.status === 401 || (!json && response.status === 415) || (d.body === '' && response.status === 400);
      const leaks = /\bat .+\.(ts|js|mjs):\d+/.test(answer) || [...allSecretValues, webhookSecret].some((s) => answer.includes(s));
      if (!ok || leaks) {
        const lastError = app?.lines.findLast((l) => l['log.level'] === 'error');
        failures[response.status >= 500 ? 'unshift' : 'push'](
          `#${index} (seed ${seed}) ${response.status} ${answer.slice(0, 200)}\n  ${JSON.stringify(d).slice(0, 800)}\n  ${JSON.stringify(lastError ?? '').slice(0, 800)}`,
        );
      }
    });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\nfuzz GitHub webhook: ${RUNS} deliveries in ${seconds.toFixed(1)} s (seed ${seed})\n`);
    for (const [key, count] of [...statuses].sort()) process.stdout.write(`  ${key.padEnd(36)} ${count}\n`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    // Deliveries got past the signature into the handlers, and bad ones were refused there with a 400.
    expect(statuses.get('pull_request signed 200') ?? 0).toBeGreaterThan(100);
    expect(statuses.get('pull_request_review signed 200') ?? 0).toBeGreaterThan(100);
    expect(statuses.get('pull_request signed 400') ?? 0).toBeGreaterThan(100);
  }, 300_000);

  it('kept serving and logged nothing fatal or unhandled', async () => {
    if (!app) throw new Error('app not started');
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(app.child.exitCode).toBeNull();
    const bad = app.lines.filter((l) => l['log.level'] === 'fatal' || /unhandled|uncaught|processing failed/i.test(String(l.message)));
    expect(bad.map((l) => `${String(l.message)} ${JSON.stringify(l.error ?? '').slice(0, 600)}`)).toEqual([]);
    expect(app.stderr).not.toMatch(/UnhandledPromiseRejection|TypeError|RangeError/);
    for (const secret of [...allSecretValues, webhookSecret]) expect(app.stdout + app.stderr).not.toContain(secret);
  });
});
