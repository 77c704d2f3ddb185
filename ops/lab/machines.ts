// Lab hosts: an overlay on the shared base, a few per-host files, and systemd-nspawn booting
// real systemd inside the host's network namespace. A small supervisor restarts nspawn when
// the host reboots (exit 133) and stops when it powers off.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { $ } from 'zx';
import { DEFAULT_DOMAIN } from '../paths.ts';
import { frontServices } from '../services.ts';
import { isAlive, readPid, removePidFile, runningPid, stopProcess, waitForExit } from './processes.ts';
import {
  BASE_DIR,
  CONTROLLER_IP,
  CONTROLLER_SHARES,
  KNOWN_HOSTS,
  LOG_DIR,
  PROXY_PORT,
  RUN_DIR,
  SHARED_SNAPSHOT_DIR,
  SSH_DIR,
  SSH_KEY,
  type LabHost,
} from './topology.ts';

const sh = $({ quiet: true });

export function mountedRoots(): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter(Boolean);
}

export async function ensureSshKey(): Promise<string> {
  mkdirSync(SSH_DIR, { recursive: true, mode: 0o700 });
  if (!existsSync(SSH_KEY)) {
    await sh`ssh-keygen -q -t ed25519 -N ${''} -C chatops-lab -f ${SSH_KEY}`;
  }
  chmodSync(SSH_KEY, 0o600);
  return readFileSync(`${SSH_KEY}.pub`, 'utf8').trim();
}

export async function mountHost(host: LabHost): Promise<void> {
  for (const d of ['upper', 'work', 'root']) mkdirSync(path.join(host.dir, d), { recursive: true });
  if (mountedRoots().includes(host.root)) return;
  const options = `lowerdir=${BASE_DIR},upperdir=${path.join(host.dir, 'upper')},workdir=${path.join(host.dir, 'work')}`;
  await sh`mount -t overlay overlay -o ${options} ${host.root}`;
}

function etcHosts(hosts: LabHost[], domain: string): string {
  const lb = hosts.find((h) => h.groups.includes('lb'));
  const lines = ['127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback', `${CONTROLLER_IP} controller controller.${domain} sandbox.${domain}`];
  for (const h of hosts) lines.push(`${h.ip} ${h.name}.${domain} ${h.name}`);
  if (lb)
    lines.push(
      `${lb.frontIp ?? lb.ip} ${domain} ${frontServices()
        .map((s) => `${s.subdomain}.${domain}`)
        .join(' ')}`,
    );
  return `${lines.join('\n')}\n`;
}

/** Writes what makes the host itself: name, identity, host key, our key, hosts file, apt proxy. */
export async function provisionHost(host: LabHost, all: LabHost[], publicKey: string, domain = DEFAULT_DOMAIN): Promise<string> {
  const r = (p: string): string => path.join(host.root, p);
  writeFileSync(r('etc/hostname'), `${host.name}\n`);
  writeFileSync(r('etc/hosts'), etcHosts(all, domain));
  if (readFileSync(r('etc/machine-id'), 'utf8').trim() === '') writeFileSync(r('etc/machine-id'), `${randomBytes(16).toString('hex')}\n`);
  // No resolver is reachable from the lab; names come from /etc/hosts, apt goes through the proxy.
  rmSync(r('etc/resolv.conf'), { force: true });
  writeFileSync(r('etc/resolv.conf'), '# chatops lab: no DNS, see /etc/hosts\noptions timeout:1 attempts:1\n');
  writeFileSync(
    r('etc/apt/apt.conf.d/01chatops-lab-proxy'),
    `Acquire::http::Proxy "http://${CONTROLLER_IP}:${PROXY_PORT}";\nAcquire::https::Proxy "http://${CONTROLLER_IP}:${PROXY_PORT}";\n`,
  );
  const hostKey = r('etc/ssh/ssh_host_ed25519_key');
  if (!existsSync(hostKey)) await sh`ssh-keygen -q -t ed25519 -N ${''} -C ${host.name} -f ${hostKey}`;
  mkdirSync(r('root/.ssh'), { recursive: true, mode: 0o700 });
  writeFileSync(r('root/.ssh/authorized_keys'), `${publicKey}\n`, { mode: 0o600 });
  const [type, key] = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ');
  return `${host.name},${host.ip},${host.name}.${domain} ${type} ${key}`;
}

export function writeKnownHosts(lines: string[]): void {
  writeFileSync(KNOWN_HOSTS, `${lines.join('\n')}\n`, { mode: 0o600 });
}

const SUPERVISOR = `
pidfile=$1; shift
while true; do
  "$@" &
  child=$!
  echo "$child" > "$pidfile"
  wait "$child"; rc=$?
  [ "$rc" -eq 133 ] || break
  echo "[chatops lab] $(date -u +%FT%TZ) host rebooted (exit 133), booting it again"
done
rm -f "$pidfile"
echo "[chatops lab] $(date -u +%FT%TZ) host stopped (exit $rc)"
`;

export const nspawnPidFile = (name: string): string => path.join(RUN_DIR, `${name}.nspawn.pid`);
export const supervisorPidFile = (name: string): string => path.join(RUN_DIR, `${name}.supervisor.pid`);

export function hostRunning(name: string): boolean {
  return runningPid(supervisorPidFile(name)) !== undefined;
}

/** nspawn flags for the CONTROLLER_SHARES that exist (install-deps makes them; the roles check them first). */
function controllerShares(): string[] {
  return CONTROLLER_SHARES.filter((share) => existsSync(share.from)).map((share) => `--bind-ro=${realpathSync(share.from)}:${share.to}`);
}

export async function bootHost(host: LabHost): Promise<void> {
  if (hostRunning(host.name)) return;
  mkdirSync(RUN_DIR, { recursive: true });
  mkdirSync(LOG_DIR, { recursive: true });
  if (host.snapshotDir) mkdirSync(SHARED_SNAPSHOT_DIR, { recursive: true, mode: 0o750 });
  const logFd = openSync(path.join(LOG_DIR, `${host.name}.console.log`), 'a', 0o600);
  const nspawn = [
    'systemd-nspawn',
    '--quiet',
    `--directory=${host.root}`,
    `--machine=${host.name}`,
    '--register=no',
    '--keep-unit',
    `--network-namespace-path=/run/netns/${host.netns}`,
    '--console=passive',
    '--resolv-conf=off',
    '--link-journal=no',
    // A balancer's keepalived adds and removes the floating address: CAP_NET_ADMIN, confined
    // to the host's own network namespace.
    ...(host.groups.includes('lb') ? ['--capability=CAP_NET_ADMIN'] : []),
    // Every Elasticsearch node sees the same snapshot repository folder (topology.ts).
    ...(host.snapshotDir ? [`--bind=${SHARED_SNAPSHOT_DIR}:${host.snapshotDir}`] : []),
    ...controllerShares(),
    '--boot',
  ];
  const child = spawn('bash', ['-c', SUPERVISOR, `chatops-lab-${host.name}`, nspawnPidFile(host.name), ...nspawn], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  if (child.pid === undefined) throw new Error(`could not start systemd-nspawn for ${host.name}`);
  writeFileSync(supervisorPidFile(host.name), `${child.pid}\n`);
  child.unref();
}

/** Waits until sshd in the host accepts our key, or fails naming the console log. */
export async function waitForSsh(host: LabHost, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await $({
      quiet: true,
      nothrow: true,
    })`ssh -i ${SSH_KEY} -o BatchMode=yes -o ConnectTimeout=2 -o UserKnownHostsFile=${KNOWN_HOSTS} -o StrictHostKeyChecking=yes root@${host.ip} true`;
    if (r.exitCode === 0) return;
    if (!hostRunning(host.name)) break;
    await sleep(300);
  }
  throw new Error(`${host.name} (${host.ip}) did not accept SSH within ${timeoutMs / 1000} s; see ${path.join(LOG_DIR, `${host.name}.console.log`)}`);
}

/** Powers the host off cleanly (SIGTERM to nspawn), killing it if that takes over 30 s. */
export async function stopHost(name: string): Promise<void> {
  const supervisor = readPid(supervisorPidFile(name));
  const nspawn = readPid(nspawnPidFile(name));
  if (nspawn !== undefined && isAlive(nspawn)) await stopProcess(nspawn, 30_000);
  if (supervisor !== undefined && isAlive(supervisor) && !(await waitForExit(supervisor, 5_000))) {
    await stopProcess(supervisor, 2_000);
  }
  removePidFile(nspawnPidFile(name));
  removePidFile(supervisorPidFile(name));
}

export async function unmountHost(root: string): Promise<void> {
  if (mountedRoots().includes(root)) await sh`umount ${root}`;
}
