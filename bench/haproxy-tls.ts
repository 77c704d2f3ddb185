// HTTPS through HAProxy against HAProxy alone, on the lab's one TLS front: wrk (2 threads,
// 16 connections, 10 s, one run each) on `/health` of the app replicas behind HAProxy, then on
// the path HAProxy answers itself (haproxy_self_check_path). Prints rps and p99 of both and
// their ratio; targets: >= 50 % of HAProxy alone, p99 <= 20 ms.
// Run as root: npx tsx bench/haproxy-tls.ts   (brings the lab up and deploys it when needed)
import { cpus, loadavg } from 'node:os';
import { DOMAIN, ensureLab, LB_IP, leaveLab, type LabSession } from '../test/support/lab-access.ts';
import { startWrk, type WrkFigures } from '../test/support/wrk.ts';

const durationS = 10;
const targetRatio = 0.5;
const targetP99Ms = 20;
const print = (line: string): void => void process.stdout.write(`${line}\n`);

async function measure(path: string): Promise<WrkFigures> {
  return startWrk({ address: LB_IP, host: `chatops.${DOMAIN}`, path, durationS }).finished;
}

function row(name: string, f: WrkFigures): string {
  return `| ${name} | ${Math.round(f.rps).toLocaleString('en')} | ${f.p99Ms.toFixed(1)} | ${f.requests.toLocaleString('en')} | ${f.failures} |`;
}

let session: LabSession | undefined;
let code = 1;
try {
  session = await ensureLab(print);
  const alone = await measure('/haproxy/health');
  const through = await measure('/health');
  const ratio = through.rps / alone.rps;
  const met = ratio >= targetRatio && through.p99Ms <= targetP99Ms && through.failures === 0;
  print(`\nwrk -t2 -c16 -d${durationS}s over TLS to ${LB_IP} (Host chatops.${DOMAIN}); ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}`);
  print('| path | rps | p99 (ms) | requests | failures |');
  print('|---|---|---|---|---|');
  print(row('HAProxy alone (`http-request return status 200`)', alone));
  print(row('`/health` through HAProxy to the replicas', through));
  print(
    `\nratio ${(ratio * 100).toFixed(1)} % of HAProxy alone (target >= ${targetRatio * 100} %), p99 ${through.p99Ms.toFixed(1)} ms (target <= ${targetP99Ms} ms): ${met ? 'targets met' : 'TARGETS NOT MET'}`,
  );
  code = met ? 0 : 2;
} finally {
  await leaveLab(session, print);
}
process.exit(code);
