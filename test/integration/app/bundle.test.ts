// The production bundle: `npm run build` makes dist/chatops.mjs, which runs on its own
// (no tsx, no test code) the way the Ansible role starts it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { repoRoot, runChatops, serveChatops, writeSettings, type ServingChatops } from './process.ts';
import { sandboxConfig, sandboxSecrets } from './settings.ts';

const bundle = join(repoRoot, 'dist/chatops.mjs');
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

  it('serves, answers /health, and exits 0 on SIGTERM', async () => {
    let url: string;
    ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath], { entry: bundle }));
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    app.child.kill('SIGTERM');
    expect(await app.waitForExit()).toBe(0);
  });
});
