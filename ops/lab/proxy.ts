// The only way out of the lab: tinyproxy on the bridge address, denying every host except the
// controller's Debian mirror (its apt sources), so `apt` works inside hosts and nothing else leaves.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { LAB_DIR } from '../paths.ts';
import { removePidFile, runningPid, stopProcess } from './processes.ts';
import { labMirror, mirrorHosts } from './mirror.ts';
import { CONTROLLER_IP, LAB_SUITE, LOG_DIR, PROXY_PORT, RUN_DIR, SUBNET } from './topology.ts';

const PROXY_DIR = path.join(LAB_DIR, 'proxy');
export const PROXY_PID = path.join(RUN_DIR, 'tinyproxy.pid');

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function startProxy(): Promise<void> {
  if (runningPid(PROXY_PID) !== undefined) return;
  mkdirSync(PROXY_DIR, { recursive: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const filter = path.join(PROXY_DIR, 'allow');
  writeFileSync(
    filter,
    mirrorHosts(labMirror(LAB_SUITE))
      .map((host) => `^${escapeRegex(host)}$\n`)
      .join(''),
  );
  const conf = path.join(PROXY_DIR, 'tinyproxy.conf');
  writeFileSync(
    conf,
    [
      'User nobody',
      'Group nogroup',
      `Port ${PROXY_PORT}`,
      `Listen ${CONTROLLER_IP}`,
      'Timeout 600',
      `Allow ${SUBNET}`,
      'FilterDefaultDeny Yes',
      'FilterType ere',
      `Filter "${filter}"`,
      'ConnectPort 443',
      'MaxClients 64',
      'LogLevel Notice',
      'DisableViaHeader Yes',
      '',
    ].join('\n'),
  );
  mkdirSync(RUN_DIR, { recursive: true });
  const logFd = openSync(path.join(LOG_DIR, 'tinyproxy.log'), 'a', 0o600);
  const child = spawn('tinyproxy', ['-d', '-c', conf], { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  if (child.pid === undefined) throw new Error('could not start tinyproxy');
  writeFileSync(PROXY_PID, `${child.pid}\n`);
  child.unref();
  await waitForPort(CONTROLLER_IP, PROXY_PORT, 10_000, 'tinyproxy');
}

export async function stopProxy(): Promise<void> {
  const pid = runningPid(PROXY_PID);
  if (pid !== undefined) await stopProcess(pid, 5_000);
  removePidFile(PROXY_PID);
}

export async function waitForPort(host: string, port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port, timeout: 1_000 });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (open) return;
    await sleep(200);
  }
  throw new Error(`${what} did not listen on ${host}:${port} within ${timeoutMs / 1000} s; see ${LOG_DIR}`);
}
