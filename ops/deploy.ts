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
import { finishPlaybook, initialPlaybookState, playbookArgs, reduceLine, type DeployResult, type PlaybookOptions } from './playbook.ts';

export interface DeployOptions extends Omit<PlaybookOptions, 'playbook'> {
  /** default ansible/site.yml */
  playbook?: string;
}

export type { DeployResult, Failure, HostRecap } from './playbook.ts';

const CALLBACK_DIR = path.join(REPO_ROOT, 'ops', 'ansible', 'callback_plugins');
const ANSIBLE_CFG = path.join(REPO_ROOT, 'ansible', 'ansible.cfg');

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
    // stdout carries only our JSON lines; aggregate callbacks that print (profile_tasks) would
    // interleave text. chatops_preload prints nothing: it loads the Jinja2 plugins once before workers fork.
    ANSIBLE_CALLBACKS_ENABLED: 'chatops_preload',
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

function checkInputs(opts: PlaybookOptions): void {
  if (!existsSync(opts.playbook)) throw new UsageError(`--playbook: ${opts.playbook} does not exist`);
  if (!existsSync(opts.inventoryDir)) {
    throw new UsageError(`--inventory: ${opts.inventoryDir} does not exist; pass an inventory directory such as ansible/inventories/lab`);
  }
  if (opts.vaultPasswordFile && !existsSync(opts.vaultPasswordFile)) {
    throw new UsageError(`--vault-password-file: ${opts.vaultPasswordFile} does not exist`);
  }
}

/** Ansible's own warnings go to stderr: shown as they come; the rest stays for a failure report. */
function printWarnings(stderr: NodeJS.ReadableStream, print: (line: string) => void): void {
  let pending = '';
  stderr.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('[WARNING]')) print(`  ${l}`);
  });
}

async function runPlaybook(deploy: DeployOptions, lab: boolean, print: (line: string) => void): Promise<DeployResult> {
  const started = Date.now();
  const opts: PlaybookOptions = { ...deploy, playbook: deploy.playbook ?? SITE_PLAYBOOK };
  checkInputs(opts);
  const args = playbookArgs(opts, lab ? { sshKey: SSH_KEY, knownHosts: KNOWN_HOSTS } : undefined);
  const env = ansibleEnv(lab);
  print(env['ANSIBLE_STRATEGY'] === 'mitogen_linear' ? "strategy mitogen_linear (Mitogen; CHATOPS_MITOGEN=0 for Ansible's linear)" : 'strategy linear');
  const proc = $({ quiet: true, nothrow: true, cwd: REPO_ROOT, env })`ansible-playbook ${args}`;
  printWarnings(proc.stderr, print);
  let state = initialPlaybookState;
  for await (const line of proc) {
    const step = reduceLine(state, line, Date.now());
    state = step.state;
    for (const l of step.lines) print(l);
  }
  const done = await proc;
  return finishPlaybook(state, { code: done.exitCode ?? 1, stderr: done.stderr, seconds: (Date.now() - started) / 1000 });
}

export function totalChanged(result: DeployResult): number {
  return Object.values(result.recap).reduce((n, r) => n + r.changed, 0);
}

export function formatRecap(result: DeployResult): string {
  const rows = Object.entries(result.recap).map(([host, r]) => [
    host,
    String(r.ok),
    String(r.changed),
    String(r.failures),
    String(r.unreachable),
    String(r.skipped),
  ]);
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
    bundle: { type: 'string' },
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
  if (values.bundle !== undefined) {
    const bundle = path.resolve(values.bundle);
    if (!existsSync(bundle)) throw new UsageError(`--bundle: ${bundle} does not exist; build one with \`npm run build\` (dist/chatops.mjs)`);
    opts.extraVars = { chatops_bundle_src: bundle };
  }
  log(
    `deploy: ${path.relative(REPO_ROOT, opts.playbook ?? SITE_PLAYBOOK)} on ${path.relative(REPO_ROOT, opts.inventoryDir) || opts.inventoryDir}${opts.check ? ' (check mode)' : ''}`,
  );
  return reportDeploy(await runDeploy(opts));
}
