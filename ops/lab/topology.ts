// The lab's fixed network and the hosts it builds, read from the lab inventory.
import path from 'node:path';
import { LAB_DIR, LAB_INVENTORY, REPO_ROOT } from '../paths.ts';
import { readInventory } from '../inventory.ts';
import { LAB_CONTROLLER_IP } from '../services.ts';
import { UsageError } from '../../app/src/cli/flags.ts';

export const BRIDGE = 'chatopsbr0';
export const CONTROLLER_IP = LAB_CONTROLLER_IP;
export const PREFIX_LENGTH = 24;
export const SUBNET = '10.77.0.0/24';
export const PROXY_PORT = 8888;
export const BASE_DIR = '/var/cache/chatops-lab/base';
/** Debian release of every lab host; its mirror comes from the controller's apt sources (mirror.ts). */
export const LAB_SUITE = 'bookworm';

export const SSH_DIR = path.join(LAB_DIR, 'ssh');
export const SSH_KEY = path.join(SSH_DIR, 'id_ed25519');
export const KNOWN_HOSTS = path.join(SSH_DIR, 'known_hosts');
export const HOSTS_DIR = path.join(LAB_DIR, 'hosts');
export const RUN_DIR = path.join(LAB_DIR, 'run');
export const LOG_DIR = path.join(LAB_DIR, 'logs');
/**
 * One controller folder bound into every logging host at Elasticsearch's path.repo: an `fs`
 * snapshot repository must be the same folder on every node (NFS on real hosts). `lab down`
 * removes it with the hosts, so a fresh lab starts with no snapshot.
 */
export const SHARED_SNAPSHOT_DIR = path.join(LAB_DIR, 'shared', 'elasticsearch-snapshots');
/**
 * Controller files bound read-only into every host, where the lab inventory's *_host_src variables
 * point: the roles copy the big artifacts (Node, Filebeat, Elasticsearch, promtool, the exporters)
 * from there on the host instead of streaming each over SSH to seven hosts at once.
 */
export const CONTROLLER_SHARES: readonly { from: string; to: string }[] = [
  { from: path.join(REPO_ROOT, '.cache'), to: '/srv/chatops-controller/cache' },
  { from: '/usr/bin/promtool', to: '/srv/chatops-controller/promtool' },
];
/** The elasticsearch role's elasticsearch_snapshot_dir default, where the inventory sets none. */
const ROLE_SNAPSHOT_DIR = '/var/lib/elasticsearch-snapshots';

export interface LabHost {
  name: string;
  ip: string;
  groups: string[];
  /** network namespace and the controller side of its veth pair (<= 15 characters) */
  netns: string;
  veth: string;
  dir: string;
  root: string;
  /** a balancer's floating address (keepalived_virtual_ip), where the front names resolve */
  frontIp?: string;
  /** a logging host's path.repo, where SHARED_SNAPSHOT_DIR is bound */
  snapshotDir?: string;
}

export function hostPaths(name: string): Pick<LabHost, 'netns' | 'veth' | 'dir' | 'root'> {
  const dir = path.join(HOSTS_DIR, name);
  return { netns: `chatops-${name}`, veth: `vlab-${name}`.slice(0, 15), dir, root: path.join(dir, 'root') };
}

function inLabSubnet(ip: string): boolean {
  const m = /^10\.77\.0\.(\d{1,3})$/.exec(ip);
  return m !== null && Number(m[1]) > 1 && Number(m[1]) < 255;
}

export async function labHosts(inventoryDir = LAB_INVENTORY): Promise<LabHost[]> {
  const inventory = await readInventory(inventoryDir);
  const hosts = inventory.hosts.filter((h) => inLabSubnet(h.address));
  if (hosts.length === 0) {
    throw new UsageError(`${inventoryDir}: no host has an ansible_host in ${SUBNET}; the lab builds only those`);
  }
  for (const h of hosts) {
    if (!/^[a-z][a-z0-9-]{0,9}$/.test(h.name)) {
      throw new UsageError(`${inventoryDir}: lab host name "${h.name}" must be 1-10 lower-case letters, digits or dashes`);
    }
  }
  return hosts.map((h) => {
    const vip = h.vars['keepalived_virtual_ip'];
    const repo = h.vars['elasticsearch_snapshot_dir'];
    return {
      name: h.name,
      ip: h.address,
      groups: h.groups,
      ...hostPaths(h.name),
      ...(typeof vip === 'string' && vip ? { frontIp: vip } : {}),
      ...(h.groups.includes('logging') ? { snapshotDir: typeof repo === 'string' && repo.startsWith('/') ? repo : ROLE_SNAPSHOT_DIR } : {}),
    };
  });
}
