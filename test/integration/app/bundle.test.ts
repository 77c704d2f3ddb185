// The production bundle: `npm run build` makes dist/chatops.mjs, which runs on its own
// (no tsx, no test code) the way the Ansible role starts it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_FAKE_SIGNING_SECRET, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { repoRoot, runChatops, serveChatops, writeSettings, type ServingChatops } from './process.ts';
import { sandboxConfig, sandboxSecrets } from './settings.ts';

const bundle = join(repoRoot, 'dist/chatops.mjs');
/** The node options the chatops role starts every replica with (its unit's ExecStart). */
const roleNodeOptions = (parse(readFileSync(join(repoRoot, 'ansible/roles/chatops/defaults/main.yml'), 'utf8')) as { chatops_node_options: string[] })
  .chatops_node_options;
let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot });
  sandbox = await startSandbox({ host: '127.0.0.1' });
  settings = writeSettings(sandboxConfig(sandbox), sandboxSecrets);
});
afterAll(async () => {
  await app?.kill();
  settings?.remove();
  await sandbox?.close();
});

describe('dist/chatops.mjs', () => {
  it('carries no test code and no tsx loader', () => {
    const text = readFileSync(bundle, 'utf8');
    expect(text).not.toContain('sandbox/');
    expect(text).not.toContain('startSandbox');
    expect(text).not.toContain('sandbox-signing-secret-local-fake-only');
    expect(text).not.toMatch(/from ["']tsx/);
  });

  it('is ASCII only, so V8 holds its source at one byte a character', () => {
    const bytes = readFileSync(bundle);
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
  });

  it('validates configuration', async () => {
    const result = await runChatops(['check-config', '--config', settings.configPath, '--secrets', settings.secretsPath], { entry: bundle });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(/^configuration OK/);
  });

  // Under the role's node options: they turn V8's optimizing compilers off, and undici's HTTP parser
  // (GitHub's requests, so /ready and /prs) is WebAssembly, which --jitless or --lite-mode would remove.
  it("serves under the role's node options: /health, /ready, a /prs answer, and exit 0 on SIGTERM", async () => {
    let url: string;
    ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath], { entry: bundle, nodeOptions: roleNodeOptions }));
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', checks: { config: 'ok', github: 'ok', slack: 'ok' } }]);
    const sent = await sandbox.slack.sendSlashCommand(`${url}/slack/events`, SLACK_FAKE_SIGNING_SECRET, { command: '/prs', text: 'mine', user_id: 'U0ALICE' });
    expect(sent.status).toBe(200);
    await expect
      .poll(() => sandbox.slack.responses.find((r) => r.id === sent.responseId)?.body, { timeout: 30_000 })
      .toMatchObject({ text: 'Your open pull requests (2)' });
    app.child.kill('SIGTERM');
    expect(await app.waitForExit()).toBe(0);
  });
});
