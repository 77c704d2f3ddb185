// The lab network: one bridge on the controller, one network namespace per host joined to it
// by a veth pair. Every step checks first, so `up` and `down` can run any number of times.
import { readFileSync } from 'node:fs';
import { $ } from 'zx';
import { BRIDGE, CONTROLLER_IP, PREFIX_LENGTH, type LabHost } from './topology.ts';

const sh = $({ quiet: true });
const probe = $({ quiet: true, nothrow: true });

export async function linkExists(name: string): Promise<boolean> {
  return (await probe`ip link show dev ${name}`).exitCode === 0;
}

export async function listNetns(): Promise<string[]> {
  const out = (await probe`ip netns list`).stdout;
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

export async function ensureBridge(): Promise<void> {
  if (!(await linkExists(BRIDGE))) await sh`ip link add ${BRIDGE} type bridge`;
  const addrs = (await sh`ip -4 -o addr show dev ${BRIDGE}`).stdout;
  if (!addrs.includes(`${CONTROLLER_IP}/${PREFIX_LENGTH}`)) {
    await sh`ip addr add ${CONTROLLER_IP}/${PREFIX_LENGTH} dev ${BRIDGE}`;
  }
  await sh`ip link set ${BRIDGE} up`;
}

export async function ensureHostNetwork(host: LabHost): Promise<void> {
  if (!(await listNetns()).includes(host.netns)) await sh`ip netns add ${host.netns}`;
  if (!(await linkExists(host.veth))) {
    await sh`ip link add ${host.veth} type veth peer name host0 netns ${host.netns}`;
  }
  await sh`ip link set ${host.veth} master ${BRIDGE} up`;
  await sh`ip -n ${host.netns} link set lo up`;
  await sh`ip -n ${host.netns} link set host0 up`;
  const addrs = (await sh`ip -n ${host.netns} -4 -o addr show dev host0`).stdout;
  if (!addrs.includes(`${host.ip}/${PREFIX_LENGTH}`)) {
    await sh`ip -n ${host.netns} addr add ${host.ip}/${PREFIX_LENGTH} dev host0`;
  }
  // A default route gives hosts a primary address (Ansible's default_ipv4); it goes nowhere
  // beyond the controller because the controller does not forward packets.
  if (readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '0') {
    await sh`ip -n ${host.netns} route replace default via ${CONTROLLER_IP}`;
  }
}

export async function removeHostNetwork(netns: string, veth: string): Promise<void> {
  if ((await listNetns()).includes(netns)) await sh`ip netns delete ${netns}`;
  // Deleting the namespace takes its end of the veth pair, and the kernel then removes ours.
  if (await linkExists(veth)) {
    const r = await probe`ip link delete ${veth}`;
    if (r.exitCode !== 0 && (await linkExists(veth))) throw new Error(`could not delete link ${veth}: ${r.stderr.trim()}`);
  }
}

export async function removeBridge(): Promise<void> {
  if (await linkExists(BRIDGE)) await sh`ip link delete ${BRIDGE}`;
}
