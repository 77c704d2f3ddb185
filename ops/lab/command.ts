// `npx chatops lab up|deploy|down|status`.
import { $ } from 'zx';
import { parseFlags, UsageError } from '../../app/src/cli/flags.ts';
import { log, out, table } from '../log.ts';
import { ensureBase } from './base.ts';
import { labDown, labUp, mountedHostCount } from './lab.ts';
import { hostRunning, mountedRoots } from './machines.ts';
import { linkExists, listNetns } from './network.ts';
import { PROXY_PID } from './proxy.ts';
import { runningPid } from './processes.ts';
import { SANDBOX_PID, sandboxUrls } from './sandbox.ts';
import { BASE_DIR, BRIDGE, KNOWN_HOSTS, SSH_KEY, labHosts } from './topology.ts';

async function sshReady(ip: string): Promise<boolean> {
  const r = await $({
    quiet: true,
    nothrow: true,
    timeout: '5s',
  })`ssh -i ${SSH_KEY} -o BatchMode=yes -o ConnectTimeout=2 -o UserKnownHostsFile=${KNOWN_HOSTS} -o StrictHostKeyChecking=yes root@${ip} systemctl is-system-running`;
  return r.exitCode === 0 || ['degraded', 'starting'].includes(r.stdout.trim());
}

export async function labStatusTable(): Promise<{ text: string; allUp: boolean }> {
  const hosts = await labHosts();
  const mounted = new Set(mountedRoots());
  const netns = new Set(await listNetns());
  const rows = await Promise.all(
    hosts.map(async (h) => {
      const running = hostRunning(h.name);
      const ssh = running && (await sshReady(h.ip));
      return [
        h.name,
        h.ip,
        h.groups.join(','),
        mounted.has(h.root) ? 'yes' : 'no',
        netns.has(h.netns) ? 'yes' : 'no',
        running ? 'yes' : 'no',
        ssh ? 'yes' : 'no',
      ];
    }),
  );
  const bridge = await linkExists(BRIDGE);
  const proxy = runningPid(PROXY_PID) !== undefined;
  const sandbox = runningPid(SANDBOX_PID) !== undefined;
  const urls = sandboxUrls();
  const text = [
    table(['host', 'address', 'groups', 'mounted', 'netns', 'running', 'ssh'], rows),
    '',
    `bridge ${BRIDGE}: ${bridge ? 'up' : 'absent'}   apt proxy: ${proxy ? 'running' : 'stopped'}   sandbox: ${sandbox ? `running (${urls.github}, ${urls.slack})` : 'stopped'}`,
  ].join('\n');
  return { text, allUp: bridge && proxy && rows.every((r) => r[6] === 'yes') };
}

const SUBCOMMANDS: Record<string, () => Promise<number>> = {
  up: async () => {
    log('lab: bringing hosts up');
    const result = await labUp();
    log(`lab: ${result.hosts.length} hosts answer SSH (${result.seconds.toFixed(1)} s)`);
    out((await labStatusTable()).text);
    return 0;
  },
  deploy: async () => (await import('./deploy.ts')).labDeploy(),
  down: async () => {
    const result = await labDown();
    log(`lab: down (${result.hosts.length ? result.hosts.join(', ') : 'no hosts'}; ${result.seconds.toFixed(1)} s)`);
    return 0;
  },
  status: async () => {
    const status = await labStatusTable();
    out(status.text);
    return status.allUp ? 0 : 3;
  },
  // Builds the cached Debian base only (CI's install step), so `lab up` takes seconds.
  base: async () => {
    await ensureBase(mountedHostCount());
    log(`lab: base ready in ${BASE_DIR}`);
    return 0;
  },
};

export async function labCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!run) throw new UsageError(sub === undefined ? 'name a subcommand' : `unknown subcommand "${sub}"`, { withUsage: true });
  parseFlags(rest, {});
  if (process.getuid?.() !== 0 && sub !== 'status') {
    throw new UsageError(`${sub}: needs root (network namespaces, overlay mounts, systemd-nspawn); run it with sudo`);
  }
  return run();
}
