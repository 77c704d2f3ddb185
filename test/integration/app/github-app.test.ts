// check-config and remind as real processes on GitHub App authentication: the app trades its
// JWT for installation tokens from the sandbox's GitHub fake and renews them before they expire.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateAppKeyPair } from '../../../sandbox/github.ts';
import { SANDBOX_CHANNEL, SANDBOX_GITHUB_APP, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { runChatops, writeSettings } from './process.ts';
import { sandboxConfig, sandboxSecrets, seededOrder } from './settings.ts';

// 4 s tokens, served in whole seconds: each lives 3-4 s and is renewed with half its life left
// (1.5-2 s), so a request 600 ms slow still arrives in time, and a cycle of 5 or more requests
// in a row outlives the first token.
const TOKEN_LIFETIME_SECONDS = 4;
const LATENCY_MS = 600;

const { privateKey } = generateAppKeyPair();
const { githubToken: _token, ...slackSecrets } = sandboxSecrets;
const appSecrets = { ...slackSecrets, githubApp: { ...SANDBOX_GITHUB_APP, privateKey } };
const pemLines = privateKey.split('\n').filter((line) => line.length > 16 && !line.startsWith('-----'));

let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
const flags = (): string[] => ['--config', settings.configPath, '--secrets', settings.secretsPath];
const tokensIssued = () => sandbox.github.requests.filter((r) => r.path === `/app/installations/${SANDBOX_GITHUB_APP.installationId}/access_tokens`);

beforeAll(async () => {
  sandbox = await startSandbox({ host: '127.0.0.1', githubAppPrivateKey: privateKey, installationTokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS });
  // one request at a time, so the cycle is a row of requests that spans a token's renewal
  settings = writeSettings(
    sandboxConfig(sandbox, { github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/*'], concurrency: 1 } }),
    appSecrets,
  );
});
afterAll(async () => {
  settings?.remove();
  await sandbox?.close();
});
beforeEach(() => {
  sandbox.slack.calls.length = 0;
  sandbox.github.requests.length = 0;
  sandbox.github.setLatency(0);
});

describe('chatops on GitHub App authentication', () => {
  it('check-config accepts githubApp with the PEM inline or as privateKeyFile, calling no network', async () => {
    const keyFile = join(settings.dir, 'app.pem');
    writeFileSync(keyFile, privateKey, { mode: 0o600 });
    const fromFile = writeSettings(sandboxConfig(sandbox), {
      ...slackSecrets,
      githubApp: { appId: String(SANDBOX_GITHUB_APP.appId), installationId: SANDBOX_GITHUB_APP.installationId, privateKeyFile: keyFile },
    });
    try {
      for (const args of [flags(), ['--config', fromFile.configPath, '--secrets', fromFile.secretsPath]]) {
        const result = await runChatops(['check-config', ...args]);
        expect(result.code, result.stderr).toBe(0);
        for (const line of pemLines) expect(result.stdout + result.stderr).not.toContain(line);
      }
    } finally {
      fromFile.remove();
    }
    expect(sandbox.github.requests).toEqual([]);
  });

  it('remind posts the whole digest, renewing the installation token mid-run without a single 401', async () => {
    sandbox.github.setLatency(LATENCY_MS);
    const result = await runChatops(['remind', '--schedule', 'digest', ...flags()]);
    expect(result.code, result.stderr).toBe(0);
    const messages = sandbox.slack.messages(SANDBOX_CHANNEL);
    const parent = messages.find((m) => !m.thread_ts);
    expect(parent?.text).toBe('10 open pull requests in 3 repositories (2 stale)');
    expect(messages.filter((m) => m.thread_ts === parent?.ts)).toHaveLength(seededOrder.length);

    expect(
      tokensIssued()
        .map((r) => [r.method, r.status])
        .slice(0, 2),
    ).toEqual([
      ['POST', 201],
      ['POST', 201],
    ]);
    const reads = sandbox.github.requests.filter((r) => !r.path.endsWith('/access_tokens'));
    expect(reads.length).toBeGreaterThan(4);
    expect(sandbox.github.requests.filter((r) => r.status === 401)).toEqual([]);
    for (const line of pemLines) expect(result.stdout + result.stderr).not.toContain(line);
  });

  it('remind names githubApp when the installation is gone, and exits 1', async () => {
    const gone = writeSettings(sandboxConfig(sandbox), { ...appSecrets, githubApp: { ...appSecrets.githubApp, installationId: 999 } });
    try {
      const result = await runChatops(['remind', '--schedule', 'digest', '--dry-run', '--config', gone.configPath, '--secrets', gone.secretsPath]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toContain(
        '• acme/*: HTTP 404: Not Found (the GitHub App got no token for installation 999: check githubApp in secrets.yml and that the app is installed)',
      );
      for (const line of pemLines) expect(result.stdout + result.stderr).not.toContain(line);
    } finally {
      gone.remove();
    }
  });
});
