// A corpus of malformed and hostile input (test/fixtures/hostile/): config and secrets files go
// through the real `chatops check-config`, slash commands and GitHub webhook deliveries go to a
// real `chatops serve` (with its real Elasticsearch ledger) over HTTP. Each must get a clear
// error or a 4xx; the process must keep running and nothing may reach Slack.
import { createHmac, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_FAKE_SIGNING_SECRET, startSandbox, type Sandbox } from '../../sandbox/sandbox.ts';
import { startElasticsearch, type ElasticsearchServer } from '../support/elasticsearch.ts';
import { repoRoot, runChatops, serveChatops, writeSettings, type ServingChatops } from './app/process.ts';
import { allSecretValues, sandboxConfig, sandboxSecrets } from './app/settings.ts';

const corpus = join(repoRoot, 'test/fixtures/hostile');
const webhookSecret = 'hostile-input-webhook-secret';

interface FileCase {
  name: string;
  path: string;
  expect: RegExp;
  exit: number;
  mode: number;
  /** values in the file that must never be printed */
  secrets: string[];
}

function fileCases(folder: 'config' | 'secrets'): FileCase[] {
  return readdirSync(join(corpus, folder))
    .sort()
    .map((name) => {
      const path = join(corpus, folder, name);
      const text = readFileSync(path, 'latin1');
      const header = (key: string): string | undefined => new RegExp(`^# ${key}: (.+)$`, 'm').exec(text)?.[1]?.trim();
      const expected = header('expect');
      if (!expected) throw new Error(`${path}: first line must be "# expect: <regex>"`);
      return {
        name: `${folder}/${name}`,
        path,
        expect: new RegExp(expected),
        exit: Number(header('exit') ?? 1),
        mode: parseInt(header('mode') ?? '600', 8),
        secrets: [...text.matchAll(/^# secret: (.+)$/gm)].map((m) => (m[1] ?? '').trim()),
      };
    });
}

interface SlackCase {
  description: string;
  fields?: Record<string, string>;
  body?: string;
  contentType?: string;
  signature: 'valid' | 'wrong-secret' | 'missing' | 'tampered' | 'malformed' | 'empty';
  timestamp?: number | string;
  oversizeBytes?: number;
  repeatText?: number;
  expectStatus?: number;
  expectStatusRange?: [number, number];
  expectBody?: string;
}

interface GitHubCase {
  description: string;
  event?: string | null;
  delivery?: string | null;
  signature: 'valid' | 'wrong-secret' | 'missing' | 'sha1-only' | 'malformed' | 'tampered';
  contentType?: string;
  body: unknown;
  oversizeBytes?: number;
  sendTwice?: boolean;
  expectStatus?: number;
  expectStatusRange?: [number, number];
  expectSecondBody?: string;
}

function jsonCases<T>(folder: 'slack' | 'github'): [string, T][] {
  return readdirSync(join(corpus, folder))
    .sort()
    .map((name) => [`${folder}/${name}`, JSON.parse(readFileSync(join(corpus, folder, name), 'utf8')) as T]);
}

const configCases = fileCases('config');
const secretsCases = fileCases('secrets');
const slackCases = jsonCases<SlackCase>('slack');
const githubCases = jsonCases<GitHubCase>('github');

let sandbox: Sandbox;
let es: ElasticsearchServer;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;
let url: string;
let scratch: string;
const figures: { case: string; status: number | string; detail: string }[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'chatops-hostile-'));
  [sandbox, es] = await Promise.all([startSandbox({ host: '127.0.0.1' }), startElasticsearch()]);
  settings = writeSettings(sandboxConfig(sandbox, { elasticsearch: { node: es.url, indexPrefix: 'hostile' } }), {
    ...sandboxSecrets,
    githubWebhookSecret: webhookSecret,
  });
  ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
});

afterAll(async () => {
  await app?.kill();
  settings?.remove();
  await sandbox?.close();
  await es?.destroy();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (figures.length > 0) {
    process.stdout.write(`\nhostile input: ${figures.length} cases\n`);
    for (const f of figures) process.stdout.write(`  ${f.case.padEnd(44)} ${String(f.status).padEnd(5)} ${f.detail}\n`);
  }
});

/** Runs the real check-config on a copy of the fixture with the mode it asks for (git does not keep modes). */
async function checkConfig(configPath: string, secretsPath: string): Promise<{ code: number | null; output: string }> {
  const result = await runChatops(['check-config', '--config', configPath, '--secrets', secretsPath], { timeoutMs: 90_000 });
  return { code: result.code, output: `${result.stdout}${result.stderr}` };
}

function placed(fixture: string, mode: number): string {
  const target = join(scratch, `${randomUUID()}-${basename(fixture)}`);
  copyFileSync(fixture, target);
  chmodSync(target, mode);
  return target;
}

/** At most `limit` check-config processes at once: each is a full Node start. */
async function inBatches<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += limit) results.push(...(await Promise.all(items.slice(i, i + limit).map(run))));
  return results;
}

function assertClearError(c: FileCase, result: { code: number | null; output: string }): void {
  figures.push({
    case: c.name,
    status: `exit ${result.code}`,
    detail:
      result.output
        .split('\n')
        .find((l) => c.expect.test(l))
        ?.trim()
        .slice(0, 110) ?? '(no match)',
  });
  expect(result.code, `${c.name}\n${result.output}`).toBe(c.exit);
  expect(result.output, c.name).toMatch(c.expect);
  // A clear error, not a crash: no stack trace, no internal error class names.
  expect(result.output, c.name).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(result.output, c.name).not.toMatch(/TypeError|ReferenceError|RangeError|SyntaxError: /);
  for (const secret of [...c.secrets, ...allSecretValues]) expect(result.output, `${c.name} printed a secret`).not.toContain(secret);
}

describe('hostile config and secrets files', () => {
  it('has at least 40 cases in the corpus', () => {
    expect(configCases.length + secretsCases.length + slackCases.length + githubCases.length).toBeGreaterThanOrEqual(40);
  });

  it('accepts the valid pair the fixtures are checked against (so a failure below is the fixture, not the pair)', async () => {
    const result = await checkConfig(join(corpus, 'valid-config.yml'), placed(join(corpus, 'valid-secrets.yml'), 0o600));
    expect(result.code, result.output).toBe(0);
  });

  it(`names the field and the fix for each of ${configCases.length} bad config files`, async () => {
    const secrets = placed(join(corpus, 'valid-secrets.yml'), 0o600);
    const results = await inBatches(configCases, 3, (c) => checkConfig(placed(c.path, 0o644), secrets));
    configCases.forEach((c, i) => assertClearError(c, results[i] as { code: number | null; output: string }));
  });

  it(`names the field and the fix for each of ${secretsCases.length} bad secrets files, and never echoes a secret`, async () => {
    const results = await inBatches(secretsCases, 3, (c) => checkConfig(join(corpus, 'valid-config.yml'), placed(c.path, c.mode)));
    secretsCases.forEach((c, i) => assertClearError(c, results[i] as { code: number | null; output: string }));
  });
});

function slackRequest(c: SlackCase): { body: string; headers: Record<string, string> } {
  const fields: Record<string, string> = {
    token: 'deprecated-verification-token',
    team_id: 'T0SANDBOX',
    channel_id: 'C0HOSTILE',
    user_id: 'U0ALICE',
    command: '/prs',
    text: '',
    response_url: `${sandbox.slack.url}/response/hostile-${randomUUID()}`,
    trigger_id: '1.2.hostile',
    ...c.fields,
  };
  if (c.repeatText) fields.text = 'x'.repeat(c.repeatText);
  if (c.oversizeBytes) fields.padding = 'a'.repeat(c.oversizeBytes);
  const body = c.body ?? new URLSearchParams(fields).toString();
  const now = Math.floor(Date.now() / 1000);
  const timestamp = typeof c.timestamp === 'number' ? String(now + c.timestamp) : (c.timestamp ?? String(now));
  const sign = (secret: string, signed: string): string => `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${signed}`).digest('hex')}`;
  const signatures: Record<SlackCase['signature'], string | undefined> = {
    valid: sign(SLACK_FAKE_SIGNING_SECRET, body),
    'wrong-secret': sign('another-apps-signing-secret', body),
    missing: undefined,
    tampered: sign(SLACK_FAKE_SIGNING_SECRET, body.replace(/text=[^&]*/, 'text=help')),
    malformed: createHmac('sha256', SLACK_FAKE_SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('base64'),
    empty: '',
  };
  const signature = signatures[c.signature];
  return {
    body,
    headers: {
      'content-type': c.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      ...(signature === undefined ? {} : { 'x-slack-signature': signature }),
    },
  };
}

function githubRequest(c: GitHubCase): { body: string; headers: Record<string, string> } {
  let body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  if (c.oversizeBytes) body = JSON.stringify({ ...(c.body as object), padding: 'a'.repeat(c.oversizeBytes) });
  const hmac = (algorithm: string, secret: string, text: string): string => createHmac(algorithm, secret).update(text).digest('hex');
  const signatures: Record<GitHubCase['signature'], Record<string, string>> = {
    valid: { 'x-hub-signature-256': `sha256=${hmac('sha256', webhookSecret, body)}` },
    'wrong-secret': { 'x-hub-signature-256': `sha256=${hmac('sha256', 'not-the-webhook-secret', body)}` },
    missing: {},
    'sha1-only': { 'x-hub-signature': `sha1=${hmac('sha1', webhookSecret, body)}` },
    malformed: { 'x-hub-signature-256': `md5=${'0'.repeat(32)}` },
    tampered: { 'x-hub-signature-256': `sha256=${hmac('sha256', webhookSecret, `${body} `)}` },
  };
  return {
    body,
    headers: {
      'content-type': c.contentType ?? 'application/json',
      ...(c.event === null ? {} : { 'x-github-event': c.event ?? 'pull_request' }),
      ...(c.delivery === null ? {} : { 'x-github-delivery': c.delivery ?? randomUUID() }),
      ...signatures[c.signature],
    },
  };
}

/**
 * POSTs the headers, then the body in chunks, and resolves with the answer, also when the server
 * answers before reading the body (an oversized body's 413) and closes the connection: writing
 * stops at the answer, so the close cannot turn into a failed request.
 */
function send(path: string, request: { body: string; headers: Record<string, string> }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const body = Buffer.from(request.body);
    const open = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = open(target, { method: 'POST', headers: { ...request.headers, 'content-length': String(body.length) }, timeout: 60_000 });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        req.destroy();
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer within 60 s`)));
    void (async () => {
      // Headers first: a server that refuses by Content-Length answers before any body is sent.
      req.flushHeaders();
      await new Promise((wait) => setTimeout(wait, 100));
      for (let offset = 0; offset < body.length && !answered && !req.destroyed; offset += 65_536) {
        if (!req.write(body.subarray(offset, offset + 65_536))) await new Promise((drained) => req.once('drain', drained).once('close', drained));
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
}

function expectStatus(name: string, status: number, body: string, c: { expectStatus?: number; expectStatusRange?: [number, number] }): void {
  if (c.expectStatus !== undefined) expect(status, `${name}: ${body.slice(0, 300)}`).toBe(c.expectStatus);
  if (c.expectStatusRange) {
    expect(status, `${name}: ${body.slice(0, 300)}`).toBeGreaterThanOrEqual(c.expectStatusRange[0]);
    expect(status, `${name}: ${body.slice(0, 300)}`).toBeLessThanOrEqual(c.expectStatusRange[1]);
  }
  // Never a server error on bad input, and never a stack or a secret in the answer.
  expect(status, `${name}: ${body.slice(0, 300)}`).toBeLessThan(500);
  expect(body).not.toMatch(/\bat .+\.(ts|js|mjs):\d+/);
  for (const secret of [...allSecretValues, webhookSecret]) expect(body).not.toContain(secret);
}

async function stillHealthy(): Promise<void> {
  if (!app) throw new Error('app not started');
  expect(app.child.exitCode, 'chatops serve exited').toBeNull();
  const health = await fetch(`${url}/health`);
  expect(health.status).toBe(200);
}

describe('hostile slash commands and webhook deliveries against chatops serve', () => {
  it.each(slackCases)('%s', async (name, c) => {
    const { status, body } = await send('/slack/events', slackRequest(c));
    figures.push({ case: name, status, detail: c.description });
    expectStatus(name, status, body, c);
    if (c.expectBody) expect(body).toContain(c.expectBody);
    await stillHealthy();
  });

  it.each(githubCases)('%s', async (name, c) => {
    const request = githubRequest(c);
    const first = await send('/github/webhook', request);
    figures.push({ case: name, status: first.status, detail: c.description });
    expectStatus(name, first.status, first.body, c);
    if (c.sendTwice) {
      const second = await send('/github/webhook', request);
      expect(second.status).toBe(200);
      if (c.expectSecondBody) expect(second.body).toContain(c.expectSecondBody);
    }
    await stillHealthy();
  });

  it('posted nothing to Slack, answered no response_url, and logged no fatal error', async () => {
    // Give any work a hostile request might have started time to reach the fake.
    await new Promise((r) => setTimeout(r, 2_000));
    const writes = sandbox.slack.calls.filter((call) => !['auth.test', 'api.test', 'users.info'].includes(call.method));
    expect(writes.map((w) => `${w.method} ${JSON.stringify(w.args).slice(0, 120)}`)).toEqual([]);
    expect(sandbox.slack.responses).toEqual([]);
    expect(sandbox.slack.messages()).toEqual([]);
    if (!app) throw new Error('app not started');
    expect(app.lines.filter((l) => l['log.level'] === 'fatal')).toEqual([]);
    expect(app.stdout + app.stderr).not.toContain(webhookSecret);
    for (const secret of allSecretValues) expect(app.stdout + app.stderr).not.toContain(secret);
    await stillHealthy();
  });
});
