// Runs the real `node bin/chatops.mjs` in a child process: one-shot commands, and `serve`
// with its JSON log lines collected so tests can wait for events.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const chatopsBin = join(repoRoot, 'bin/chatops.mjs');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runChatops(args: string[], options: { entry?: string; timeoutMs?: number } = {}): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [options.entry ?? chatopsBin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chatops ${args[0]} did not finish in ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface LogLine {
  message?: string;
  'log.level'?: string;
  [key: string]: unknown;
}

export class ServingChatops {
  readonly lines: LogLine[] = [];
  stdout = '';
  stderr = '';
  private readonly exited: Promise<number | null>;
  private waiters: { test: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];

  constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.stdout += text;
      partial += text;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const raw of parts) {
        if (!raw.trim()) continue;
        let line: LogLine;
        try {
          line = JSON.parse(raw) as LogLine;
        } catch {
          line = { message: raw };
        }
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolvePromise) => child.on('exit', (code) => resolvePromise(code)));
  }

  waitFor(test: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching log line within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)),
        timeoutMs,
      );
      this.waiters.push({ test, resolve: (line) => (clearTimeout(timer), resolvePromise(line)) });
    });
  }

  waitForExit(timeoutMs = 30_000): Promise<number | null> {
    return Promise.race([
      this.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`chatops did not exit within ${timeoutMs} ms`)), timeoutMs)),
    ]);
  }

  /** Always safe to call from afterAll. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Starts `chatops serve` (node with `nodeOptions` first) and resolves with its URL once it logs "chatops serving". */
export async function serveChatops(args: string[], options: { entry?: string; nodeOptions?: string[] } = {}): Promise<{ app: ServingChatops; url: string }> {
  const argv = [...(options.nodeOptions ?? []), options.entry ?? chatopsBin, 'serve', ...args];
  const child = spawn(process.execPath, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const app = new ServingChatops(child);
  try {
    const line = await app.waitFor((l) => l.message === 'chatops serving', 90_000);
    return { app, url: String(line.url) };
  } catch (error) {
    await app.kill();
    throw error;
  }
}

/** A temp folder with config.yml and secrets.yml (0600). */
export function writeSettings(
  config: Record<string, unknown>,
  secrets: Record<string, unknown>,
): { dir: string; configPath: string; secretsPath: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'chatops-it-'));
  const configPath = join(dir, 'config.yml');
  const secretsPath = join(dir, 'secrets.yml');
  writeFileSync(configPath, stringify(config));
  writeFileSync(secretsPath, stringify(secrets), { mode: 0o600 });
  chmodSync(secretsPath, 0o600);
  return { dir, configPath, secretsPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
