// Where a serving replica's memory goes on the lab: paced traffic through the front for --minutes
// (/health three times every 100 ms and a signed /prs slash command every 2 s, besides what the
// lab's Prometheus scrapes and blackbox probes send anyway), then each replica's resident memory
// from its host's /proc: RSS, anonymous, file-backed and of that the node binary's own pages,
// threads, and how long the replica has run. Target: RSS <= 120 MB 20 minutes after start.
// Run as root: npx tsx bench/lab-replica-memory.ts [--minutes 20]   (brings the lab up when needed)
import { loadavg } from 'node:os';
import { parseFlags, positiveInt } from '../app/src/cli/flags.ts';
import { DOMAIN, ensureLab, labFetch, leaveLab, sshOk, type LabSession } from '../test/support/lab-access.ts';
import { REPLICAS, sendSlashCommand } from '../test/support/lab-replicas.ts';

const targetRssMb = 120;
const print = (line: string): void => void process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function traffic(until: number): Promise<{ requests: number; failures: number }> {
  let requests = 0;
  let failures = 0;
  for (let tick = 0; Date.now() < until; tick++) {
    const calls: Promise<number>[] = [1, 2, 3].map(() => labFetch(`https://chatops.${DOMAIN}/health`).then((r) => r.status));
    if (tick % 20 === 0) calls.push(sendSlashCommand('', 'U0ALICE').then((r) => r.status));
    const statuses = await Promise.all(calls.map((c) => c.catch(() => 0)));
    requests += statuses.length;
    failures += statuses.filter((s) => s !== 200).length;
    await sleep(100);
  }
  return { requests, failures };
}

// Prints one line per replica: pid, uptime (s), then the kB figures.
const PROBE = (n: number) =>
  `pid=$(systemctl show -p MainPID --value chatops@${n}); ` +
  `echo "$(ps -o etimes= -p $pid) ` +
  `$(awk '/^VmRSS/{print $2}' /proc/$pid/status) ` +
  `$(awk '/^Anonymous/{print $2}' /proc/$pid/smaps_rollup) ` +
  `$(awk '/^Rss/{print $2}' /proc/$pid/smaps_rollup) ` +
  `$(awk '/^[0-9a-f]+-/{f=($NF ~ /\\/node$/)} f && /^Rss:/{s+=$2} END{print s+0}' /proc/$pid/smaps) ` +
  `$(awk '/^Threads/{print $2}' /proc/$pid/status)"`;

async function memory(): Promise<boolean> {
  print('| replica | up (min) | RSS (MB) | anonymous | file-backed | of it the node binary | threads |');
  print('|---|---|---|---|---|---|---|');
  let met = true;
  for (const replica of REPLICAS) {
    const [up, rss, anon, total, nodeText, threads] = (await sshOk(replica.host, PROBE(replica.n))).trim().split(/\s+/).map(Number);
    const mb = (kb: number | undefined) => ((kb ?? NaN) / 1024).toFixed(1);
    print(`| ${replica.name} | ${((up ?? 0) / 60).toFixed(1)} | ${mb(rss)} | ${mb(anon)} | ${mb((total ?? 0) - (anon ?? 0))} | ${mb(nodeText)} | ${threads} |`);
    if ((rss ?? Infinity) / 1024 > targetRssMb) met = false;
  }
  return met;
}

const flags = parseFlags(process.argv.slice(2), { minutes: { type: 'string', default: '20' } });
const minutes = positiveInt('--minutes', flags.minutes, 20);
let session: LabSession | undefined;
let code = 1;
try {
  session = await ensureLab(print);
  const sent = await traffic(Date.now() + minutes * 60_000);
  print(
    `\n${sent.requests} requests in ${minutes} min through the front (${sent.failures} failed); load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const met = await memory();
  print(`\nRSS target <= ${targetRssMb} MB: ${met ? 'met' : 'NOT MET'} (read the "up" column: the target is for 20 minutes after start)`);
  code = met ? 0 : 2;
} finally {
  await leaveLab(session, print);
}
process.exit(code);
