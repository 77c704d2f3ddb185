// `chatops serve` as a real process against the sandbox: HTTPS, health, readiness, metrics,
// signed /prs commands, and graceful shutdown on SIGTERM.
import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_FAKE_SIGNING_SECRET, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';
import { serveChatops, writeSettings, type ServingChatops } from './process.ts';
import { allSecretValues, sandboxConfig, sandboxSecrets } from './settings.ts';

let sandbox: Sandbox;
let certs: TestCertificates;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;
let url: string;
let agent: Agent;

beforeAll(async () => {
  // TLS on every hop: the app, and both fakes it calls (response_url included), from one test CA.
  certs = await createTestCertificates();
  sandbox = await startSandbox({ host: '127.0.0.1', tls: { cert: certs.cert, key: certs.key } });
  agent = new Agent({ connect: { ca: readFileSync(certs.caFile) } });
  settings = writeSettings(
    sandboxConfig(sandbox, {
      server: { host: '127.0.0.1', port: 0, tls: { cert: certs.certFile, key: certs.keyFile }, shutdownTimeoutMs: 20_000 },
      github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/*'], caFile: certs.caFile },
      // every /prs reads GitHub, so the SIGTERM test has a read in flight
      slack: { apiUrl: sandbox.describe().slack.apiUrl, caFile: certs.caFile, commandCacheSeconds: 0 },
    }),
    { ...sandboxSecrets, metrics: { username: 'prometheus', password: 'scrape-password' } },
  );
  ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
});

afterAll(async () => {
  await app?.kill();
  await agent?.close();
  settings?.remove();
  await certs?.remove();
  await sandbox?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { dispatcher: agent, headers });

/** Slash commands as Slack sends them: form-encoded, signed with the v0 scheme. */
function prs(text: string, user: string, options: { badSignature?: boolean; timestamp?: number } = {}) {
  return sandbox.slack.sendSlashCommand(
    `${url}/slack/events`,
    SLACK_FAKE_SIGNING_SECRET,
    { command: '/prs', text, user_id: user },
    { ca: certs.ca, ...options },
  );
}

async function responsesFor(responseId: string, count: number, timeoutMs = 30_000): Promise<unknown[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = sandbox.slack.responses.filter((r) => r.id === responseId).map((r) => r.body);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('chatops serve', () => {
  it('serves HTTPS with the configured certificate, and calls the fakes over HTTPS', () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.describe().github.url).toMatch(/^https:/);
    expect(sandbox.describe().slack.apiUrl).toMatch(/^https:/);
  });

  it('answers /health and /ready once GitHub and Slack are reachable', async () => {
    expect(await (await get('/health')).json()).toEqual({ status: 'ok' });
    const ready = await get('/ready');
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', checks: { config: 'ok', github: 'ok', slack: 'ok' } }]);
  });

  it('serves metrics behind basic auth', async () => {
    expect((await get('/metrics')).status).toBe(401);
    const response = await get('/metrics', { authorization: `Basic ${Buffer.from('prometheus:scrape-password').toString('base64')}` });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toMatch(/chatops_build_info\{version="\d+\.\d+\.\d+",replica="[^"]+"\} 1/);
    expect(text).toContain('chatops_process_resident_memory_bytes');
    expect(text).toMatch(/chatops_slack_api_calls_total\{method="auth.test"\} \d+/);
  });

  it('rejects a slash command with a bad signature (401) or a stale timestamp (401)', async () => {
    expect((await prs('mine', 'U0ALICE', { badSignature: true })).status).toBe(401);
    expect((await prs('mine', 'U0ALICE', { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
  });

  it('acks /prs mine within 3 s and answers ephemerally through response_url', async () => {
    const started = Date.now();
    const result = await prs('mine', 'U0ALICE');
    expect(result.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    const [answer] = (await responsesFor(result.responseId, 1)) as { response_type: string; text: string; blocks: { text?: { text: string } }[] }[];
    expect(answer?.response_type).toBe('ephemeral');
    expect(answer?.text).toBe('Your open pull requests (2)');
    const list = answer?.blocks[1]?.text?.text ?? '';
    expect(list.split('\n').map((line) => /\|(acme\/\w+#\d+) /.exec(line)?.[1])).toEqual(['acme/api#101', 'acme/web#52']);
  });

  it('answers /prs help and unknown arguments straight in the ack', async () => {
    const help = await prs('help', 'U0BOB');
    expect(help.status).toBe(200);
    expect((JSON.parse(help.body) as { response_type: string }).response_type).toBe('ephemeral');
    const bad = JSON.parse((await prs('everything', 'U0BOB')).body) as { blocks: { text?: { text: string } }[] };
    expect(bad.blocks[1]?.text?.text).toContain('Unknown option "everything"');
  });

  it('tells an unmapped user how to get mapped', async () => {
    const result = await prs('reviews', 'U0STRANGER');
    expect((JSON.parse(result.body) as { text: string }).text).toBe('I do not know your GitHub login');
  });

  it('finishes an in-flight /prs answer on SIGTERM, then exits 0', async () => {
    if (!app) throw new Error('app not started');
    sandbox.github.setLatency(300);
    const result = await prs('all', 'U0CAROL');
    expect(result.status).toBe(200);
    app.child.kill('SIGTERM');
    expect(await app.waitForExit(30_000)).toBe(0);
    sandbox.github.setLatency(0);
    const [answer] = (await responsesFor(result.responseId, 1, 5_000)) as { text: string }[];
    expect(answer?.text).toBe('Open pull requests (10)');
    const messages = app.lines.map((l) => l.message);
    expect(messages).toContain('shutting down: finishing in-flight work');
    expect(messages.at(-1)).toBe('shutdown complete');
  });

  it('kept every token and secret out of its output', () => {
    if (!app) throw new Error('app not started');
    for (const secret of [...allSecretValues, 'scrape-password']) expect(app.stdout + app.stderr).not.toContain(secret);
    expect(app.lines.filter((l) => typeof l['@timestamp'] !== 'string' || typeof l['ecs.version'] !== 'string')).toEqual([]);
  });
});
