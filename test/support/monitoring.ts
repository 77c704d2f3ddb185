// Helpers for the monitoring content tests: render the Jinja templates through Ansible itself,
// lay out a TLS folder the way roles do on hosts, and run Prometheus-family daemons by PID.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent, fetch } from 'undici';
import type { TestCertificates } from './test-certificates.ts';

const run = promisify(execFile);

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and returns its exit code and output; never throws on exit code. */
export async function runCommand(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

export interface TemplateToRender {
  /** Path of the .j2 file, relative to the repository. */
  src: string;
  /** Absolute output path. */
  dest: string;
  /** Variables for this template only (e.g. web_config_service). */
  vars?: Record<string, unknown>;
  /** Extra options of the template module (e.g. the rules' [[ ]] delimiters). */
  options?: Record<string, string>;
}

/** The template options the prometheus role renders rule files with (Prometheus keeps its braces). */
export const ruleTemplateOptions = {
  variable_start_string: '[[',
  variable_end_string: ']]',
  block_start_string: '[%',
  block_end_string: '%]',
  comment_start_string: '[#',
  comment_end_string: '#]',
};

/**
 * Renders templates with ansible-playbook against `inventory` (YAML text), the same way the roles
 * do. Variables go through a 0600 file, never argv.
 */
/** Prometheus and Alertmanager configs with their web configs, as the monitoring roles render them into `work`. */
export function prometheusPairTemplates(work: string): TemplateToRender[] {
  return [
    { src: 'prometheus/prometheus.yml.j2', dest: join(work, 'prometheus.yml') },
    { src: 'prometheus/web-config.yml.j2', dest: join(work, 'prometheus-web.yml'), vars: { web_config_service: 'prometheus' } },
    { src: 'prometheus/web-config.yml.j2', dest: join(work, 'alertmanager-web.yml'), vars: { web_config_service: 'alertmanager' } },
    { src: 'prometheus/alertmanager.yml.j2', dest: join(work, 'alertmanager.yml') },
  ];
}

export async function renderTemplates(inventory: string, vars: Record<string, unknown>, templates: TemplateToRender[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'chatops-render-'));
  try {
    await writeFile(join(dir, 'inventory.yml'), inventory);
    await writeFile(join(dir, 'vars.json'), JSON.stringify(vars), { mode: 0o600 });
    // One task per template, per-template variables under `vars:` as a role's task would set them.
    const tasks = templates.map((t) => ({
      name: `Render ${t.src}`,
      'ansible.builtin.template': { src: resolve(repoRoot, t.src), dest: t.dest, mode: '0600', ...t.options },
      vars: t.vars ?? {},
    }));
    const playbook = [{ name: 'Render monitoring content', hosts: 'localhost', gather_facts: false, tasks }];
    // JSON is YAML; the file may hold per-template secrets, so 0600 like the variables.
    await writeFile(join(dir, 'render.yml'), JSON.stringify(playbook, null, 2), { mode: 0o600 });
    const result = await runCommand('ansible-playbook', ['-i', join(dir, 'inventory.yml'), join(dir, 'render.yml'), '-e', `@${join(dir, 'vars.json')}`], {
      cwd: dir,
      env: {
        ...process.env,
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_LOCALHOST_WARNING: 'false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
        ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
        ANSIBLE_RETRY_FILES_ENABLED: 'false',
      },
    });
    if (result.code !== 0) throw new Error(`ansible-playbook failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A folder laid out like `chatops_tls_dir` on a host: ca.crt plus `<service>.crt|.key` for each
 * service, all the test leaf (SANs 127.0.0.1 and localhost).
 */
export async function makeTlsDir(certificates: TestCertificates, services: string[]): Promise<string> {
  const dir = join(certificates.dir, 'hosts-tls');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await copyFile(certificates.caFile, join(dir, 'ca.crt'));
  for (const service of services) {
    await copyFile(certificates.certFile, join(dir, `${service}.crt`));
    await copyFile(certificates.keyFile, join(dir, `${service}.key`));
  }
  return dir;
}

export { freePort } from './elasticsearch.ts';

/** Fresh credentials for every web config the monitoring templates render (a test's own). */
export function monitoringCredentials(bcryptSalt: string) {
  const secret = (): string => randomBytes(12).toString('base64url');
  return {
    prometheus_web_username: 'prometheus',
    prometheus_web_password: secret(),
    alertmanager_web_username: 'alertmanager',
    alertmanager_web_password: secret(),
    chatops_metrics_username: 'metrics',
    chatops_metrics_password: secret(),
    chatops_exporter_username: 'exporter',
    chatops_exporter_password: secret(),
    chatops_bcrypt_salt: bcryptSalt,
  };
}

export interface Daemon {
  readonly pid: number | undefined;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a long-running process; its output is kept (last 64 KiB) for failure messages. */
export function startDaemon(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Daemon {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return {
    get pid() {
      return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** An HTTPS client that trusts only our CA and sends basic auth. */
export function tlsClient(caPem: string, auth?: { username: string; password: string }) {
  const dispatcher = new Agent({ connect: { ca: caPem } });
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
  return {
    async get(url: string): Promise<{ status: number; body: string }> {
      const response = await fetch(url, { dispatcher, headers });
      return { status: response.status, body: await response.text() };
    },
    close: () => dispatcher.close(),
  };
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const reason = lastError instanceof Error ? `: last error ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
