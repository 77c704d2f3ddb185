// `npx chatops deploy`: runs ansible-playbook ansible/site.yml with our JSON-lines callback
// (ops/ansible/callback_plugins) and turns its events into progress per play and role, a recap,
// and, on failure, the failing host and task.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { parseFlags, UsageError } from '../app/src/cli/flags.ts';
import { err, log, out, table } from './log.ts';
import { KNOWN_HOSTS, SSH_KEY } from './lab/topology.ts';
import { LAB_DIR, LAB_INVENTORY, REPO_ROOT, SITE_PLAYBOOK } from './paths.ts';

export interface DeployOptions {
  inventoryDir: string;
  playbook?: string;
  check?: boolean;
  diff?: boolean;
  tags?: string;
  skipTags?: string;
  limit?: string;
  vaultPasswordFile?: string;
  /** extra variables as a JSON object (never secrets: they would reach argv) */
  extraVars?: Record<string, unknown>;
}

export interface HostRecap {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface Failure {
  host: string;
  task: string;
  role: string | null;
  status: 'failed' | 'unreachable';
  message: string;
}

export interface DeployResult {
  exitCode: number;
  recap: Record<string, HostRecap>;
  failures: Failure[];
  changedTasks: { host: string; task: string }[];
  /** wall time of each task across all hosts (the linear strategy runs one task at a time) */
  taskSeconds: { task: string; seconds: number }[];
  seconds: number;
}

type AnsibleEvent =
  | { event: 'play'; name: string }
  | { event: 'task'; task: string; role: string | null; handler: boolean }
  | {
      event: 'result';
      host: string;
      status: 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';
      task: string;
      role: string | null;
      msg?: string | null;
      stderr?: string | null;
      stdout?: string | null;
      rc?: number | null;
      ignored?: boolean;
    }
  | { event: 'retry'; host: string; task: string; attempt: number; retries: number }
  | { event: 'diff'; host: string; task: string; text: string }
  | { event: 'warning'; msg: string }
  | { event: 'stats'; hosts: Record<string, HostRecap> };

const CALLBACK_DIR = path.join(REPO_ROOT, 'ops', 'ansible', 'callback_plugins');
const ANSIBLE_CFG = path.join(REPO_ROOT, 'ansible', 'ansible.cfg');

function taskLabel(role: string | null, task: string): string {
  return role && !task.startsWith(`${role} : `) ? `${role} : ${task}` : task;
}

/**
 * Mitogen for Ansible, when scripts/install-deps.d/mitogen.sh unpacked it into .cache/: its
 * mitogen_linear strategy keeps one Python interpreter per host for the whole run instead of
 * uploading and starting every module anew, which halves a rerun of site.yml. CHATOPS_MITOGEN=0
 * runs Ansible's own linear strategy.
 */
export function mitogenDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env['CHATOPS_MITOGEN'] === '0') return undefined;
  const cache = path.join(REPO_ROOT, '.cache');
  if (!existsSync(cache)) return undefined;
  const found = readdirSync(cache)
    .filter((name) => /^mitogen-\d/.test(name))
    .sort()
    .reverse()
    .find((name) => existsSync(path.join(cache, name, 'ansible_mitogen', 'plugins', 'strategy', 'mitogen_linear.py')));
  return found ? path.join(cache, found) : undefined;
}

function ansibleEnv(lab: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_STDOUT_CALLBACK: 'chatops_events',
    ANSIBLE_CALLBACK_PLUGINS: CALLBACK_DIR,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    // stdout carries only our JSON lines; aggregate callbacks (profile_tasks) would interleave text.
    ANSIBLE_CALLBACKS_ENABLED: '',
    PYTHONUNBUFFERED: '1',
  };
  if (existsSync(ANSIBLE_CFG)) {
    env['ANSIBLE_CONFIG'] = ANSIBLE_CFG;
    if (!/^\s*pipelining\s*=/m.test(readFileSync(ANSIBLE_CFG, 'utf8'))) env['ANSIBLE_PIPELINING'] = 'True';
  } else {
    env['ANSIBLE_PIPELINING'] = 'True';
  }
  const mitogen = mitogenDir();
  if (mitogen) {
    env['ANSIBLE_STRATEGY_PLUGINS'] = path.join(mitogen, 'ansible_mitogen', 'plugins', 'strategy');
    env['ANSIBLE_STRATEGY'] = 'mitogen_linear';
    env['PYTHONPATH'] = [mitogen, process.env['PYTHONPATH']].filter(Boolean).join(path.delimiter);
  }
  if (lab) {
    // `lab down` closes these ssh masters, so no ssh process outlives the lab.
    const cp = path.join(LAB_DIR, 'cp');
    mkdirSync(cp, { recursive: true, mode: 0o700 });
    env['ANSIBLE_SSH_CONTROL_PATH_DIR'] = cp;
  }
  return env;
}

export async function runDeploy(opts: DeployOptions, print: (line: string) => void = log): Promise<DeployResult> {
  if (path.resolve(opts.inventoryDir) !== LAB_INVENTORY) return runPlaybook(opts, false, print);
  const { withLabLock } = await import('./lab/lock.ts');
  return withLabLock('deploy', () => runPlaybook(opts, true, print));
}

async function runPlaybook(opts: DeployOptions, lab: boolean, print: (line: string) => void): Promise<DeployResult> {
  const started = Date.now();
  const playbook = opts.playbook ?? SITE_PLAYBOOK;
  if (!existsSync(playbook)) throw new UsageError(`--playbook: ${playbook} does not exist`);
  if (!existsSync(opts.inventoryDir)) {
    throw new UsageError(`--inventory: ${opts.inventoryDir} does not exist; pass an inventory directory such as ansible/inventories/lab`);
  }
  if (opts.vaultPasswordFile && !existsSync(opts.vaultPasswordFile)) {
    throw new UsageError(`--vault-password-file: ${opts.vaultPasswordFile} does not exist`);
  }
  const args = ['-i', opts.inventoryDir, playbook];
  if (opts.check) args.push('--check');
  if (opts.diff) args.push('--diff');
  if (opts.tags) args.push('--tags', opts.tags);
  if (opts.skipTags) args.push('--skip-tags', opts.skipTags);
  if (opts.limit) args.push('--limit', opts.limit);
  if (opts.vaultPasswordFile) args.push('--vault-password-file', opts.vaultPasswordFile);
  if (opts.extraVars) args.push('--extra-vars', JSON.stringify(opts.extraVars));
  if (lab) {
    // The lab inventory derives these paths with templates, which Mitogen's connection does not
    // expand; the same values, resolved (paths, no secrets).
    args.push('--extra-vars', JSON.stringify({
      ansible_ssh_private_key_file: SSH_KEY,
      ansible_ssh_common_args: `-o UserKnownHostsFile=${KNOWN_HOSTS} -o StrictHostKeyChecking=yes`,
    }));
  }

  const env = ansibleEnv(lab);
  print(env['ANSIBLE_STRATEGY'] === 'mitogen_linear' ? 'strategy mitogen_linear (Mitogen; CHATOPS_MITOGEN=0 for Ansible\'s linear)' : 'strategy linear');
  const proc = $({ quiet: true, nothrow: true, cwd: REPO_ROOT, env })`ansible-playbook ${args}`;
  const result: DeployResult = { exitCode: 0, recap: {}, failures: [], changedTasks: [], taskSeconds: [], seconds: 0 };
  let current: { task: string; since: number } | undefined;
  const closeTask = (): void => {
    if (current) result.taskSeconds.push({ task: current.task, seconds: (Date.now() - current.since) / 1000 });
    current = undefined;
  };
  let role: string | null = null;
  const stray: string[] = [];
  // Ansible's own warnings go to stderr; show them as they come, the rest stays for a failure report.
  let pending = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('[WARNING]')) print(`  ${l}`);
  });
  for await (const line of proc) {
    let ev: AnsibleEvent;
    try {
      ev = JSON.parse(line) as AnsibleEvent;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      stray.push(line);
      continue;
    }
    switch (ev.event) {
      case 'play':
        closeTask();
        role = null;
        print(`PLAY ${ev.name}`);
        break;
      case 'task':
        closeTask();
        current = { task: taskLabel(ev.role, ev.task), since: Date.now() };
        if (ev.role !== role && ev.role) print(`  role ${ev.role}${ev.handler ? ' (handlers)' : ''}`);
        role = ev.role;
        break;
      case 'result': {
        const label = taskLabel(ev.role, ev.task);
        if (ev.status === 'changed') {
          result.changedTasks.push({ host: ev.host, task: label });
          print(`    changed ${ev.host}: ${ev.task}`);
        } else if (ev.status === 'failed' && ev.ignored) {
          print(`    failed (ignored) ${ev.host}: ${ev.task}`);
        } else if (ev.status === 'failed' || ev.status === 'unreachable') {
          const message = [ev.msg, ev.stderr, ev.stdout].filter(Boolean).join('\n').trim() || '(no message)';
          result.failures.push({ host: ev.host, task: label, role: ev.role, status: ev.status, message });
          print(`    ${ev.status.toUpperCase()} ${ev.host}: ${ev.task}`);
        }
        break;
      }
      case 'retry':
        print(`    retry ${ev.attempt}/${ev.retries} ${ev.host}: ${ev.task}`);
        break;
      case 'diff':
        print(`    diff ${ev.host}: ${ev.task}\n${ev.text.replace(/^/gm, '      ')}`);
        break;
      case 'warning':
        print(`  warning: ${ev.msg}`);
        break;
      case 'stats':
        closeTask();
        result.recap = ev.hosts;
        break;
    }
  }
  const done = await proc;
  result.exitCode = done.exitCode ?? 1;
  result.seconds = (Date.now() - started) / 1000;
  if (result.exitCode !== 0 && result.failures.length === 0) {
    // ansible-playbook stopped before running tasks (syntax error, bad inventory, vault...).
    const why = [done.stderr.trim(), ...stray].filter(Boolean).join('\n').slice(-4000);
    result.failures.push({ host: '-', task: '-', role: null, status: 'failed', message: why || `ansible-playbook exited ${result.exitCode}` });
  }
  return result;
}

export function totalChanged(result: DeployResult): number {
  return Object.values(result.recap).reduce((n, r) => n + r.changed, 0);
}

export function formatRecap(result: DeployResult): string {
  const rows = Object.entries(result.recap).map(([host, r]) => [host, String(r.ok), String(r.changed), String(r.failures), String(r.unreachable), String(r.skipped)]);
  return table(['host', 'ok', 'changed', 'failed', 'unreachable', 'skipped'], rows);
}

export function reportDeploy(result: DeployResult): number {
  if (Object.keys(result.recap).length) out(formatRecap(result));
  if (result.exitCode === 0) {
    log(`deploy: done in ${result.seconds.toFixed(1)} s, changed=${totalChanged(result)}`);
    return 0;
  }
  for (const f of result.failures) {
    err(f.host === '-' ? `deploy failed before any task ran:\n${f.message}` : `deploy failed on host ${f.host}, task "${f.task}" (${f.status}):\n${f.message}`);
  }
  return result.exitCode;
}

export async function deployCommand(argv: string[]): Promise<number> {
  const values = parseFlags(argv, {
    inventory: { type: 'string' },
    check: { type: 'boolean' },
    diff: { type: 'boolean' },
    tags: { type: 'string' },
    'skip-tags': { type: 'string' },
    limit: { type: 'string' },
    playbook: { type: 'string' },
    'vault-password-file': { type: 'string' },
  });
  for (const flag of ['tags', 'skip-tags', 'limit'] as const) {
    if (values[flag] !== undefined && !/^[A-Za-z0-9_.,:*!&\-[\]]+$/.test(values[flag])) {
      throw new UsageError(`--${flag}: "${values[flag]}" has characters Ansible patterns do not use`);
    }
  }
  const opts: DeployOptions = {
    inventoryDir: path.resolve(values.inventory ?? LAB_INVENTORY),
    check: values.check ?? false,
    diff: values.diff ?? false,
  };
  if (values.playbook) opts.playbook = path.resolve(values.playbook);
  if (values.tags) opts.tags = values.tags;
  if (values['skip-tags']) opts.skipTags = values['skip-tags'];
  if (values.limit) opts.limit = values.limit;
  if (values['vault-password-file']) opts.vaultPasswordFile = path.resolve(values['vault-password-file']);
  log(`deploy: ${path.relative(REPO_ROOT, opts.playbook ?? SITE_PLAYBOOK)} on ${path.relative(REPO_ROOT, opts.inventoryDir) || opts.inventoryDir}${opts.check ? ' (check mode)' : ''}`);
  return reportDeploy(await runDeploy(opts));
}
