// `lab up` and `lab down`: every step checks what exists first, so both can run any number of
// times, and `down` finds what to remove from .lab/ and the system, not from the inventory.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { ensureCertificates } from '../certs.ts';
import { log } from '../log.ts';
import { DEFAULT_CERTS_DIR, LAB_DIR, LAB_INVENTORY } from '../paths.ts';
import { ensureBase } from './base.ts';
import { bootHost, ensureSshKey, hostRunning, mountedRoots, mountHost, provisionHost, stopHost, unmountHost, waitForSsh, writeKnownHosts } from './machines.ts';
import { ensureBridge, ensureHostNetwork, listNetns, removeBridge, removeHostNetwork } from './network.ts';
import { withLabLock } from './lock.ts';
import { startProxy, stopProxy } from './proxy.ts';
import { startSandbox, stopSandbox } from './sandbox.ts';
import { HOSTS_DIR, RUN_DIR, SHARED_SNAPSHOT_DIR, hostPaths, labHosts, type LabHost } from './topology.ts';

export interface UpResult {
  hosts: LabHost[];
  sandbox: boolean;
  seconds: number;
}

export async function labUp(inventoryDir = LAB_INVENTORY): Promise<UpResult> {
  return withLabLock('lab up', () => bringUp(inventoryDir));
}

async function bringUp(inventoryDir: string): Promise<UpResult> {
  const started = Date.now();
  const hosts = await labHosts(inventoryDir);
  await ensureBase(mountedHostCount());
  const publicKey = await ensureSshKey();
  await ensureBridge();
  await startProxy();
  await ensureCertificates({ outDir: DEFAULT_CERTS_DIR, inventoryDir, renewDays: 30 });
  const sandbox = await startSandbox();
  // A lab that was never taken down may have left snapshots behind: a fresh lab starts without any.
  if (!hosts.some((h) => hostRunning(h.name))) rmSync(path.dirname(SHARED_SNAPSHOT_DIR), { recursive: true, force: true });
  if (!sandbox) log('lab: sandbox/sandbox.ts is not in this tree; the GitHub + Slack sandbox is not running');
  const knownHosts = await Promise.all(
    hosts.map(async (host) => {
      await ensureHostNetwork(host);
      await mountHost(host);
      return provisionHost(host, hosts, publicKey);
    }),
  );
  writeKnownHosts(knownHosts);
  await Promise.all(hosts.map((h) => bootHost(h)));
  await Promise.all(hosts.map((h) => waitForSsh(h)));
  return { hosts, sandbox, seconds: (Date.now() - started) / 1000 };
}

/** Hosts whose overlay sits on the base right now. */
export function mountedHostCount(): number {
  return mountedRoots().filter((m) => m.startsWith(`${HOSTS_DIR}/`)).length;
}

function existingHostNames(): string[] {
  return existsSync(HOSTS_DIR) ? readdirSync(HOSTS_DIR) : [];
}

function pidFileHostNames(): string[] {
  if (!existsSync(RUN_DIR)) return [];
  return readdirSync(RUN_DIR)
    .map((f) => /^(.+)\.(nspawn|supervisor)\.pid$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined);
}

/** Closes ssh ControlPersist masters Ansible left behind for lab hosts. */
async function closeSshMasters(): Promise<void> {
  const dir = path.join(LAB_DIR, 'cp');
  if (!existsSync(dir)) return;
  for (const socket of readdirSync(dir)) {
    await $({ quiet: true, nothrow: true })`ssh -o ControlPath=${path.join(dir, socket)} -O exit lab-host`;
  }
  rmSync(dir, { recursive: true, force: true });
}

export async function labDown(): Promise<{ seconds: number; hosts: string[] }> {
  return withLabLock('lab down', tearDown);
}

async function tearDown(): Promise<{ seconds: number; hosts: string[] }> {
  const started = Date.now();
  const netnsNames = (await listNetns()).filter((n) => n.startsWith('chatops-')).map((n) => n.slice('chatops-'.length));
  const names = [...new Set([...existingHostNames(), ...pidFileHostNames(), ...netnsNames])].sort();
  await closeSshMasters();
  await Promise.all(names.map((n) => stopHost(n)));
  for (const name of names) {
    const p = hostPaths(name);
    await unmountHost(p.root);
    await removeHostNetwork(p.netns, p.veth);
    rmSync(p.dir, { recursive: true, force: true });
  }
  await stopSandbox();
  await stopProxy();
  await removeBridge();
  rmSync(RUN_DIR, { recursive: true, force: true });
  rmSync(path.join(LAB_DIR, 'proxy'), { recursive: true, force: true });
  // The hosts are gone, so no node still writes to it: the next lab starts without a snapshot.
  rmSync(path.dirname(SHARED_SNAPSHOT_DIR), { recursive: true, force: true });
  return { seconds: (Date.now() - started) / 1000, hosts: names };
}

export { hostRunning };
