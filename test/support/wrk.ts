// wrk against the lab front: one run with the settings every load figure uses (2 threads,
// 16 connections, --latency), its text report parsed into the figures the tests and the
// bench print. Addresses are resolved here (wrk has no --resolve): the URL names the address,
// the Host header and SNI name the service.
import { spawn } from 'node:child_process';

export interface WrkFigures {
  requests: number;
  seconds: number;
  rps: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: number;
  /** non-2xx/3xx responses plus socket errors (connect, read, write, timeout) */
  failures: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`wrk: unreadable latency "${text}"`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** The figures of one wrk report (run with --latency); throws naming what is missing. */
export function parseWrk(report: string): WrkFigures {
  const done = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(report);
  if (!done) throw new Error(`wrk: no "requests in" line in:\n${report}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(report);
  const p99 = /^\s*99%\s+(\S+)/m.exec(report);
  if (!rps || !p99) throw new Error(`wrk: no Requests/sec or 99% line (run with --latency) in:\n${report}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(report)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests: Number(done[1]),
    seconds: durationMs(`${done[2]}${done[3]}`) / 1000,
    rps: Number(rps[1]),
    p99Ms: durationMs(p99[1] as string),
    non2xx,
    socketErrors,
    failures: non2xx + socketErrors,
  };
}

export interface WrkRun {
  /** resolves with the figures when wrk exits */
  finished: Promise<WrkFigures>;
  /** ends the run early (SIGINT: wrk stops and reports what it did so far) */
  stop: () => Promise<WrkFigures>;
}

/** Starts wrk (2 threads, 16 connections, at most durationS) on `https://<address><path>` with `Host: <host>`. */
export function startWrk(options: { address: string; host: string; path: string; durationS: number }): WrkRun {
  const wrk = spawn(
    'wrk',
    ['-t2', '-c16', `-d${options.durationS}s`, '--timeout', '5s', '--latency', '-H', `Host: ${options.host}`, `https://${options.address}${options.path}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  wrk.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  wrk.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const finished = new Promise<WrkFigures>((resolve, reject) => {
    wrk.on('error', reject);
    wrk.on('close', (code) => (code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk exited ${String(code)}:\n${out}`))));
  });
  return {
    finished,
    stop: () => {
      wrk.kill('SIGINT');
      return finished;
    },
  };
}
