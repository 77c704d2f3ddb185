// The GitHub + Slack sandbox (sandbox/sandbox.ts) the lab's app replicas talk to, served on
// the controller's bridge address with a certificate from our CA.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CERTS_DIR, REPO_ROOT } from '../paths.ts';
import { LAB_SANDBOX_PORTS } from '../services.ts';
import { removePidFile, runningPid, stopProcess } from './processes.ts';
import { waitForPort } from './proxy.ts';
import { CONTROLLER_IP, LOG_DIR, RUN_DIR } from './topology.ts';

export const SANDBOX_SCRIPT = path.join(REPO_ROOT, 'sandbox', 'sandbox.ts');
export const SANDBOX_PID = path.join(RUN_DIR, 'sandbox.pid');
const { github: GITHUB_PORT, slack: SLACK_PORT } = LAB_SANDBOX_PORTS;

export function sandboxUrls(): { github: string; slack: string } {
  return { github: `https://${CONTROLLER_IP}:${GITHUB_PORT}`, slack: `https://${CONTROLLER_IP}:${SLACK_PORT}` };
}

/** Starts the sandbox; false when the repository has no sandbox to start. */
export async function startSandbox(certsDir = DEFAULT_CERTS_DIR): Promise<boolean> {
  if (!existsSync(SANDBOX_SCRIPT)) return false;
  if (runningPid(SANDBOX_PID) !== undefined) return true;
  mkdirSync(RUN_DIR, { recursive: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const logFd = openSync(path.join(LOG_DIR, 'sandbox.log'), 'a', 0o600);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      SANDBOX_SCRIPT,
      '--tls-cert',
      path.join(certsDir, 'sandbox.crt'),
      '--tls-key',
      path.join(certsDir, 'sandbox.key'),
      '--host',
      CONTROLLER_IP,
      '--github-port',
      String(GITHUB_PORT),
      '--slack-port',
      String(SLACK_PORT),
    ],
    { cwd: REPO_ROOT, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  if (child.pid === undefined) throw new Error('could not start the sandbox');
  writeFileSync(SANDBOX_PID, `${child.pid}\n`);
  child.unref();
  await waitForPort(CONTROLLER_IP, GITHUB_PORT, 30_000, 'the GitHub sandbox');
  await waitForPort(CONTROLLER_IP, SLACK_PORT, 30_000, 'the Slack sandbox');
  return true;
}

export async function stopSandbox(): Promise<void> {
  const pid = runningPid(SANDBOX_PID);
  if (pid !== undefined) await stopProcess(pid, 10_000);
  removePidFile(SANDBOX_PID);
}
