// The Debian base every lab host boots from: built once by debootstrap, then only read
// (each host writes into its own overlay), so it must not change while hosts are mounted.
import { existsSync, readFileSync, writeFileSync, rmSync, renameSync, readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { log } from '../log.ts';
import { labMirror, type DebianMirror } from './mirror.ts';
import { BASE_DIR, LAB_SUITE } from './topology.ts';

/** Packages in the base; roles install everything else through the proxy. */
export const BASE_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'python3',
  'python3-apt',
  'iproute2',
  'sudo',
  'ca-certificates',
  'curl',
  'procps',
];
const STAMP = '.chatops-lab-base.json';

interface Stamp {
  suite: string;
  packages: string[];
}
const wanted: Stamp = { suite: LAB_SUITE, packages: BASE_PACKAGES };

export function baseIsCurrent(): boolean {
  const file = path.join(BASE_DIR, STAMP);
  if (!existsSync(file)) return false;
  const stamp = JSON.parse(readFileSync(file, 'utf8')) as Stamp;
  return stamp.suite === wanted.suite && stamp.packages.join(',') === wanted.packages.join(',');
}

/**
 * Builds the base when missing or stale. `mountedHosts` must be 0: rebuilding under a mounted
 * overlay would corrupt every host on it.
 */
export async function ensureBase(mountedHosts: number): Promise<void> {
  if (baseIsCurrent()) return;
  if (mountedHosts > 0) {
    throw new Error(`the lab base ${BASE_DIR} is stale but ${mountedHosts} host(s) are mounted on it; run \`npx chatops lab down\` first`);
  }
  const mirror = labMirror(wanted.suite);
  const partial = `${BASE_DIR}.partial`;
  mkdirSync(path.dirname(BASE_DIR), { recursive: true });
  const started = Date.now();
  if (!existsSync(path.join(partial, STAMP + '.debootstrapped'))) {
    rmSync(partial, { recursive: true, force: true });
    log(`lab: building the Debian base with debootstrap into ${BASE_DIR} (about a minute, once)`);
    const result = await $({
      quiet: true,
      nothrow: true,
    })`debootstrap --variant=minbase --include=${wanted.packages.join(',')} ${wanted.suite} ${partial} ${mirror.archive}`;
    if (result.exitCode !== 0) {
      throw new Error(
        `debootstrap failed (exit ${result.exitCode}); is ${mirror.archive} reachable?\n${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`,
      );
    }
    writeFileSync(path.join(partial, STAMP + '.debootstrapped'), '');
  }
  prepareBase(partial, mirror);
  rmSync(path.join(partial, STAMP + '.debootstrapped'));
  writeFileSync(path.join(partial, STAMP), JSON.stringify(wanted));
  rmSync(BASE_DIR, { recursive: true, force: true });
  renameSync(partial, BASE_DIR);
  log(`lab: base ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Removes what must differ per host (host keys, machine id) and what a container cannot use. */
function prepareBase(root: string, mirror: DebianMirror): void {
  const sshDir = path.join(root, 'etc/ssh');
  for (const f of readdirSync(sshDir)) if (f.startsWith('ssh_host_')) rmSync(path.join(sshDir, f));
  writeFileSync(path.join(root, 'etc/machine-id'), '');
  rmSync(path.join(root, 'var/lib/dbus/machine-id'), { force: true });
  rmSync(path.join(root, 'etc/hostname'), { force: true });
  // Only the key the lab generates is a host key; quiet the missing rsa/ecdsa warnings.
  writeFileSync(
    path.join(sshDir, 'sshd_config.d/chatops-lab.conf'),
    'HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n',
  );
  writeFileSync(
    path.join(root, 'etc/apt/sources.list'),
    [
      `deb ${mirror.archive} ${wanted.suite} main`,
      `deb ${mirror.archive} ${wanted.suite}-updates main`,
      ...(mirror.security === undefined ? [] : [`deb ${mirror.security} ${wanted.suite}-security main`]),
      '',
    ].join('\n'),
  );
  rmSync(path.join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
  mkdirSync(path.join(root, 'var/cache/apt/archives/partial'), { recursive: true });
}
