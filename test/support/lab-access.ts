// Reaching the nspawn lab from end-to-end tests: bring it up and deploy it when it is not (and
// say whether we did, so the test leaves the lab as it found it), commands on hosts over SSH
// with the lab key, HTTPS through HAProxy trusting only our CA, and the sandbox's records.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Agent, fetch, type Response } from 'undici';
import { SLACK_FAKE_BOT_TOKEN } from '../../sandbox/slack.ts';
import { KNOWN_HOSTS, SSH_KEY } from '../../ops/lab/topology.ts';
import { DEFAULT_CERTS_DIR, LAB_DIR, REPO_ROOT } from '../../ops/paths.ts';

export const DOMAIN = 'lab.chatops.test';
/** The front's floating address (keepalived on lb1/lb2): every front name resolves here. */
export const LB_IP = '10.77.0.10';
export const CONTROLLER_IP = '10.77.0.1';
export const CA_FILE = path.join(DEFAULT_CERTS_DIR, 'ca.crt');
export { KNOWN_HOSTS, SSH_KEY } from '../../ops/lab/topology.ts';
export const SECRETS_DIR = path.join(LAB_DIR, 'secrets');
export const SLACK_SANDBOX = `https://${CONTROLLER_IP}:9444`;
export const GITHUB_SANDBOX = `https://${CONTROLLER_IP}:9443`;

export const LAB_HOSTS = [
  { name: 'lb1', ip: '10.77.0.11', groups: ['lb'] },
  { name: 'lb2', ip: '10.77.0.12', groups: ['lb'] },
  { name: 'app1', ip: '10.77.0.21', groups: ['app'] },
  { name: 'app2', ip: '10.77.0.22', groups: ['app'] },
  { name: 'mon1', ip: '10.77.0.31', groups: ['monitoring', 'logging'] },
  { name: 'mon2', ip: '10.77.0.32', groups: ['monitoring', 'logging'] },
  { name: 'log1', ip: '10.77.0.33', groups: ['logging'] },
] as const;
/** The Elasticsearch cluster's nodes (the inventory's logging group). */
export const LOGGING_HOSTS = LAB_HOSTS.filter((h) => (h.groups as readonly string[]).includes('logging')).map((h) => h.name);
export type LabHostName = (typeof LAB_HOSTS)[number]['name'];
export const APP_HOSTS = ['app1', 'app2'] as const;

const run = promisify(execFile);

export function ipOf(host: LabHostName): string {
  const found = LAB_HOSTS.find((h) => h.name === host);
  if (!found) throw new Error(`unknown lab host ${host}`);
  return found.ip;
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without blocking the event loop; a non-zero exit or a kill is a result, not a throw. */
async function runCollected(file: string, args: string[], options: { timeoutMs: number; cwd?: string }): Promise<SshResult> {
  try {
    const { stdout, stderr } = await run(file, args, {
      timeout: options.timeoutMs,
      maxBuffer: 256 * 1024 * 1024,
      encoding: 'utf8',
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

/**
 * Runs the operator CLI as a child process. Asynchronous on purpose: `lab up` and `lab deploy` take
 * minutes, and a worker blocked that long in spawnSync misses vitest's RPC deadline (60 s), which
 * vitest then reports as an unhandled "Timeout calling onTaskUpdate" and fails the run.
 */
export function chatops(...args: string[]): Promise<SshResult> {
  return runCollected(process.execPath, [path.join(REPO_ROOT, 'bin/chatops.mjs'), ...args], { cwd: REPO_ROOT, timeoutMs: 1_500_000 });
}

/** ssh's arguments for running `command` as root on `host` (strict host keys, the lab key, no agent, no password). */
function sshArgs(host: LabHostName, command: string): string[] {
  return [
    '-i',
    SSH_KEY,
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-o',
    `UserKnownHostsFile=${KNOWN_HOSTS}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'LogLevel=ERROR',
    `root@${ipOf(host)}`,
    command,
  ];
}

/** Runs `command` as root on `host`. */
export function ssh(host: LabHostName, command: string, timeoutMs = 120_000): Promise<SshResult> {
  return runCollected('ssh', sshArgs(host, command), { timeoutMs });
}

/** Like ssh(), but throws with the output when the command fails. */
export async function sshOk(host: LabHostName, command: string, timeoutMs?: number): Promise<string> {
  const r = await ssh(host, command, timeoutMs);
  if (r.code !== 0) throw new Error(`${host}: \`${command}\` exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export const BALANCERS = LAB_HOSTS.filter((h) => (h.groups as readonly string[]).includes('lb')).map((h) => h.name);

/** The balancers that have the front's floating address on an interface right now (an unreachable one does not). */
export async function frontHolders(): Promise<LabHostName[]> {
  const found = await Promise.all(
    BALANCERS.map(async (lb) => {
      const r = await ssh(lb, `ip -4 -o addr show to ${LB_IP}/32`, 5_000);
      return r.code === 0 && r.stdout.includes(LB_IP) ? lb : undefined;
    }),
  );
  return found.filter((lb): lb is LabHostName => lb !== undefined);
}

/** The balancer that takes the front's traffic: keepalived gives the address to whichever came up first, and keeps it there. */
export async function frontBalancer(): Promise<LabHostName> {
  const holders = await frontHolders();
  if (holders.length !== 1) throw new Error(`expected one balancer to hold ${LB_IP}, found ${holders.join(', ') || 'none'}`);
  return holders[0] as LabHostName;
}

let agent: Agent | undefined;
/** An HTTP agent that trusts only our CA and sends every lab name to its address (no DNS in the lab). */
export function labAgent(): Agent {
  agent ??= new Agent({
    connect: {
      ca: readFileSync(CA_FILE),
      lookup: (hostname, _options, callback) => {
        const host = LAB_HOSTS.find((h) => hostname === h.name || hostname === `${h.name}.${DOMAIN}`);
        const address = host ? host.ip : hostname.endsWith(`.${DOMAIN}`) || hostname === DOMAIN ? LB_IP : undefined;
        if (!address) {
          callback(new Error(`not a lab name: ${hostname}`), '', 4);
          return;
        }
        callback(null, [{ address, family: 4 }] as unknown as string, 4);
      },
    },
  });
  return agent;
}

export async function closeLabAgent(): Promise<void> {
  await agent?.close();
  agent = undefined;
}

export function labFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<Response> {
  return fetch(url, {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body }),
    dispatcher: labAgent(),
    signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
  });
}

/** A generated lab secret (`.lab/secrets/<name>`, written by the deploy's password lookup). */
export function labSecret(name: string): string {
  return readFileSync(path.join(SECRETS_DIR, name), 'utf8').split(' salt=')[0]?.trim() ?? '';
}

/** The Elasticsearch TLS proxy's basic auth (the lab's generated elasticsearch_password). */
export function elasticsearchAuth(): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`chatops:${labSecret('elasticsearch_password')}`).toString('base64')}` };
}

/** One of the sandbox Slack fake's records (`/_fake/calls`, `/_fake/webhook`, `/_fake/responses`, ...). */
export async function sandboxView<T>(view: 'calls' | 'messages' | 'ephemerals' | 'responses' | 'webhook', query = ''): Promise<T> {
  const response = await labFetch(`${SLACK_SANDBOX}/_fake/${view}${query}`, {
    headers: { authorization: `Bearer ${SLACK_FAKE_BOT_TOKEN}` },
    timeoutMs: 30_000,
  });
  if (response.status !== 200) throw new Error(`sandbox /_fake/${view}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export interface SandboxCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  httpStatus: number;
  response: Record<string, unknown>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

/** The chatops front answers /ready through HAProxy with our CA. */
async function deployed(): Promise<boolean> {
  try {
    const response = await labFetch(`https://chatops.${DOMAIN}/ready`, { timeoutMs: 10_000 });
    return response.status === 200;
  } catch {
    return false;
  }
}

export interface LabSession {
  /** true when this test brought the lab up (then it takes it down again) */
  broughtUp: boolean;
  deployedHere: boolean;
}

/** One end-to-end run at a time: two would rewrite each other's schedules and stop each other's replicas. */
const LOCK = path.join(LAB_DIR, 'run', 'e2e.lock');
/**
 * Written by the lab project's global setup (test/lab/global-setup.ts) once it has deployed the lab:
 * while its process lives, every lab test file uses that lab as it is and never deploys or downs it.
 */
const PROJECT_MARKER = path.join(LAB_DIR, 'run', 'lab-project.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function takeLock(): void {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(LOCK, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (holder && holder !== process.pid && alive(holder)) {
    throw new Error(`another end-to-end run (pid ${holder}) is using the lab; wait for it (lock ${LOCK})`);
  }
  writeFileSync(LOCK, String(process.pid));
}

/** The pid of the live lab-project run that deployed the lab, if there is one. */
function projectOwner(): number | undefined {
  try {
    const { pid } = JSON.parse(readFileSync(PROJECT_MARKER, 'utf8')) as { pid: number };
    return alive(pid) ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Every lab host and the sandbox run (`chatops lab status`). */
async function labIsUp(): Promise<boolean> {
  const status = await chatops('lab', 'status');
  return (
    status.code === 0 &&
    /sandbox: running/.test(status.stdout + status.stderr) &&
    !/\bno\b/.test(
      status.stdout
        .split('\n')
        .filter((l) => new RegExp(`^(${LAB_HOSTS.map((h) => h.name).join('|')})\\s`).test(l))
        .join('\n'),
    )
  );
}

async function deployLab(print: (line: string) => void): Promise<{ stdout: string; stderr: string; seconds: number }> {
  print('lab: not deployed, running `chatops lab deploy`');
  const started = Date.now();
  const r = await chatops('lab', 'deploy');
  if (r.code !== 0) throw new Error(`chatops lab deploy failed (exit ${r.code}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-8000)}`);
  const seconds = (Date.now() - started) / 1000;
  print(`lab: deployed in ${Math.round(seconds)} s`);
  return { stdout: r.stdout, stderr: r.stderr, seconds };
}

/**
 * Makes sure the lab is up and deployed. Inside a lab-project run the global setup has deployed it
 * once and this only waits for it; run alone, `lab up` and `lab deploy` are idempotent, and a lab
 * someone else already runs is used as it is and left running.
 */
export async function ensureLab(print: (line: string) => void): Promise<LabSession> {
  takeLock();
  const owner = projectOwner();
  if (owner !== undefined) {
    if (!(await labIsUp())) throw new Error(`the lab project run (pid ${owner}) deployed the lab, but it is no longer up (\`chatops lab status\`)`);
    print(`lab: deployed once by this lab project run (pid ${owner}); using it`);
  }
  let broughtUp = false;
  if (owner === undefined && !(await labIsUp())) {
    print('lab: not up, running `chatops lab up`');
    const r = await chatops('lab', 'up');
    if (r.code !== 0) throw new Error(`chatops lab up failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    broughtUp = true;
  }
  let deployedHere = false;
  if (owner === undefined && !(await deployed())) {
    await deployLab(print);
    deployedHere = true;
  }
  await waitFor('chatops through HAProxy ready', async () => ((await deployed()) ? true : undefined), 120_000, 2_000);
  return { broughtUp, deployedHere };
}

export async function leaveLab(session: LabSession | undefined, print: (line: string) => void): Promise<void> {
  rmSync(LOCK, { force: true });
  if (projectOwner() !== undefined) return; // the lab project's global teardown takes it down
  if (!session?.broughtUp && process.env.CHATOPS_E2E_LAB_DOWN !== '1') {
    print('lab: it was up before this test; leaving it running');
    return;
  }
  const r = await chatops('lab', 'down');
  if (r.code !== 0) throw new Error(`chatops lab down failed (exit ${r.code}):\n${r.stderr}`);
}

/** What the lab project's one deploy did, for test/lab/lab.test.ts. */
export interface ProjectDeploy {
  /** false: a deployed lab was already running, and the run used it as it was */
  fromNothing: boolean;
  upStdout: string;
  upSeconds: number;
  deployStdout: string;
  deployStderr: string;
  deploySeconds: number;
}

/**
 * The lab project's global setup: from nothing (`lab down` first unless a deployed lab already
 * runs) it brings the lab up and deploys it, once, and marks the lab as this run's.
 */
export async function deployLabForProject(print: (line: string) => void): Promise<ProjectDeploy> {
  if ((await labIsUp()) && (await deployed())) {
    print('lab project: a deployed lab is already running; using it as it is (no deploy from nothing)');
    return { fromNothing: false, upStdout: '', upSeconds: 0, deployStdout: '', deployStderr: '', deploySeconds: 0 };
  }
  const down = await chatops('lab', 'down');
  if (down.code !== 0) throw new Error(`chatops lab down failed (exit ${down.code}):\n${down.stderr}`);
  print('lab project: bringing the lab up from nothing');
  const started = Date.now();
  const up = await chatops('lab', 'up');
  if (up.code !== 0) throw new Error(`chatops lab up failed (exit ${up.code}):\n${up.stdout}\n${up.stderr}`);
  const upSeconds = (Date.now() - started) / 1000;
  const deploy = await deployLab(print);
  mkdirSync(path.dirname(PROJECT_MARKER), { recursive: true });
  writeFileSync(PROJECT_MARKER, JSON.stringify({ pid: process.pid, deploySeconds: deploy.seconds }));
  return { fromNothing: true, upStdout: up.stdout, upSeconds, deployStdout: deploy.stdout, deployStderr: deploy.stderr, deploySeconds: deploy.seconds };
}

/** The lab project's global teardown: down again if it brought the lab up. */
export async function releaseLabForProject(setup: ProjectDeploy, print: (line: string) => void): Promise<void> {
  rmSync(PROJECT_MARKER, { force: true });
  if (!setup.fromNothing) {
    print('lab project: the lab was running before this run; leaving it running');
    return;
  }
  const r = await chatops('lab', 'down');
  if (r.code !== 0) throw new Error(`chatops lab down failed (exit ${r.code}):\n${r.stderr}`);
}

/** `systemctl is-active` of a unit on a host. */
export async function unitState(host: LabHostName, unit: string): Promise<string> {
  return (await ssh(host, `systemctl is-active ${unit}`)).stdout.trim();
}

/** Like ssh(), with `input` on the command's stdin (how secrets and files travel: never on argv). */
export function sshInput(host: LabHostName, command: string, input: string, timeoutMs = 120_000): Promise<SshResult> {
  return new Promise((resolve) => {
    const child = spawn('ssh', sshArgs(host, command), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
