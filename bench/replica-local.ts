// The lab's chatops path on loopback, without the lab: the built bundle (dist/chatops.mjs, run by
// plain node with the role's node options and environment) as N TLS replicas against the sandbox
// fakes, behind a local HAProxy 2.6 whose settings mirror haproxy/haproxy.cfg.j2 for the chatops
// backend (TLS front with the request id, keep-alive, http-reuse safe, TLS to each replica
// verified against the test CA, /ready checks). Two measurements:
//   tls:  wrk (2 threads, 16 connections, 10 s) on /health through HAProxy to the replicas against
//         HAProxy answering itself on the same front; rps, p99, ratio.
//   soak: steady traffic for --minutes (wrk /health at a bounded rate is not possible with wrk, so
//         a paced loop: signed /prs slash commands, /health, /ready and a /metrics scrape), then
//         where each replica's memory goes (/proc smaps_rollup and status, the V8 figures the
//         replica's own /metrics reports).
//   hold: starts it all and waits --minutes, to poke at with wrk, perf or /proc.
//   npx tsx bench/replica-local.ts [--mode tls|soak|hold] [--replicas 2] [--minutes 20]
//     [--node-options="--max-old-space-size=64 ..."] [--env MALLOC_ARENA_MAX=2,...] [--base-port 18440]
//     [--bundle dist/chatops.mjs]   (another build, e.g. to run two builds side by side on other ports)
// Without --node-options / --env: the chatops role's chatops_node_options and its unit's Environment=.
// Needs `npm run build` first; haproxy and wrk on PATH. Everything listens on 127.0.0.1 only.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch } from 'undici';
import { parse } from 'yaml';
import { parseFlags, positiveInt } from '../app/src/cli/flags.ts';
import { SLACK_FAKE_SIGNING_SECRET, startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { repoRoot, ServingChatops, writeSettings } from '../test/integration/app/process.ts';
import { sandboxConfig, sandboxSecrets } from '../test/integration/app/settings.ts';
import { createTestCertificates, type TestCertificates } from '../test/support/test-certificates.ts';
import { startWrk, type WrkFigures } from '../test/support/wrk.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const flags = parseFlags(process.argv.slice(2), {
  mode: { type: 'string', default: 'tls' },
  replicas: { type: 'string', default: '2' },
  minutes: { type: 'string', default: '20' },
  'node-options': { type: 'string' },
  env: { type: 'string' },
  'base-port': { type: 'string', default: '18440' },
  bundle: { type: 'string', default: 'dist/chatops.mjs' },
});
// replica n listens on base + n, the HAProxy front on base + 100
const BASE_PORT = positiveInt('--base-port', flags['base-port'], 18440);
const FRONT_PORT = BASE_PORT + 100;
const METRICS = { username: 'prometheus', password: 'scrape-password' };

interface Replica {
  app: ServingChatops;
  url: string;
  pid: number;
}

function haproxyConfig(certs: TestCertificates, frontPem: string, replicas: number): string {
  const servers = Array.from({ length: replicas }, (_, i) => `    server app-${i + 1} 127.0.0.1:${BASE_PORT + i + 1} sni str(localhost) verifyhost localhost`);
  return `global
    maxconn 4096
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
    ssl-default-server-options ssl-min-ver TLSv1.2
defaults
    mode http
    option http-keep-alive
    option idle-close-on-response
    http-reuse safe
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout check 5s
frontend https
    bind 127.0.0.1:${FRONT_PORT} ssl crt ${frontPem} alpn h2,http/1.1
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    unique-id-format %[uuid()]
    http-request set-header X-Request-ID %[unique-id]
    http-response set-header X-Request-ID %[unique-id]
    http-request return status 200 content-type text/plain string "ok\\n" if { path /haproxy/health }
    default_backend chatops
backend chatops
    balance roundrobin
    option prefer-last-server
    retries 3
    option redispatch 1
    option httpchk
    http-check send meth GET uri /ready ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server check inter 2s fall 3 rise 2 ssl verify required ca-file ${certs.caFile}
${servers.join('\n')}
`;
}

async function startHaproxy(certs: TestCertificates, replicas: number): Promise<ChildProcess> {
  const frontPem = join(certs.dir, 'front.pem');
  writeFileSync(frontPem, `${certs.cert}\n${certs.key}\n`, { mode: 0o600 });
  const cfg = join(certs.dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(certs, frontPem, replicas));
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  await sleep(4_000); // two /ready checks (rise 2, inter 2s)
  return child;
}

async function startReplicas(sandbox: Sandbox, certs: TestCertificates, count: number, nodeOptions: string[], env: Record<string, string>) {
  const replicas: Replica[] = [];
  const cleanups: (() => void)[] = [];
  for (let n = 1; n <= count; n++) {
    const settings = writeSettings(
      sandboxConfig(sandbox, {
        server: { host: '127.0.0.1', port: BASE_PORT + n, tls: { cert: certs.certFile, key: certs.keyFile }, shutdownTimeoutMs: 20_000 },
        github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/*'], caFile: certs.caFile },
        slack: { apiUrl: sandbox.describe().slack.apiUrl, caFile: certs.caFile },
        replica: { id: `local-${n}`, primary: n === 1 },
      }),
      { ...sandboxSecrets, metrics: METRICS },
    );
    cleanups.push(() => settings.remove());
    // as the unit starts it: node <chatops_node_options> chatops.mjs serve, NODE_ENV=production
    const args = [
      ...nodeOptions,
      resolve(repoRoot, flags.bundle ?? 'dist/chatops.mjs'),
      'serve',
      '--config',
      settings.configPath,
      '--secrets',
      settings.secretsPath,
    ];
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production', ...env } });
    const app = new ServingChatops(child);
    const line = await app.waitFor((l) => l.message === 'chatops serving', 90_000);
    replicas.push({ app, url: String(line.url), pid: child.pid ?? 0 });
  }
  return { replicas, cleanup: () => cleanups.forEach((c) => c()) };
}

function row(name: string, f: WrkFigures): string {
  return `| ${name} | ${Math.round(f.rps).toLocaleString('en')} | ${f.p99Ms.toFixed(1)} | ${f.requests.toLocaleString('en')} | ${f.failures} |`;
}

async function measureTls(): Promise<void> {
  const run = (path: string) => startWrk({ address: `127.0.0.1:${FRONT_PORT}`, host: 'localhost', path, durationS: 10 }).finished;
  const alone = await run('/haproxy/health');
  const through = await run('/health');
  print(
    `\nwrk -t2 -c16 -d10s over TLS to 127.0.0.1:${FRONT_PORT}; ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  print('| path | rps | p99 (ms) | requests | failures |');
  print('|---|---|---|---|---|');
  print(row('HAProxy alone (`http-request return status 200`)', alone));
  print(row('`/health` through HAProxy to the replicas', through));
  print(`\nratio ${((through.rps / alone.rps) * 100).toFixed(1)} % of HAProxy alone, p99 ${through.p99Ms.toFixed(1)} ms`);
}

/** One replica's memory: the kernel's view (smaps_rollup, status) and V8's (its /metrics). */
async function memoryOf(replica: Replica, agent: Agent): Promise<Record<string, number>> {
  const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  const rollup = readFileSync(`/proc/${replica.pid}/smaps_rollup`, 'utf8');
  const status = readFileSync(`/proc/${replica.pid}/status`, 'utf8');
  const text = readSmaps(replica.pid);
  const auth = `Basic ${Buffer.from(`${METRICS.username}:${METRICS.password}`).toString('base64')}`;
  const metrics = await (await fetch(`${replica.url}/metrics`, { dispatcher: agent, headers: { authorization: auth } })).text();
  const metric = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} ([\\d.e+]+)`, 'm').exec(metrics)?.[1] ?? NaN) / 2 ** 20;
  return {
    rss: kb(status, 'VmRSS'),
    anon: kb(rollup, 'Anonymous'),
    file: kb(rollup, 'Rss') - kb(rollup, 'Anonymous'),
    nodeText: text.nodeBinary,
    stacks: text.stacks,
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN),
    heapUsed: metric('chatops_nodejs_heap_size_used_bytes'),
    heapTotal: metric('chatops_nodejs_heap_size_total_bytes'),
    codeSpace: metric('chatops_nodejs_heap_space_size_used_bytes{space="code"}'),
    external: metric('chatops_nodejs_external_memory_bytes'),
    // seconds, not MB: CPU since start and the part of it spent in GC pauses
    cpuS: metric('chatops_process_cpu_seconds_total') * 2 ** 20,
    gcS: [...metrics.matchAll(/^chatops_nodejs_gc_duration_seconds_sum\{[^}]*\} ([\d.e+-]+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0),
  };
}

/** Resident MB of the node binary's mappings and of the thread stacks ([stack] and anonymous 8 MB regions). */
function readSmaps(pid: number): { nodeBinary: number; stacks: number } {
  const lines = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  let nodeBinary = 0;
  let stacks = 0;
  let current = '';
  let sizeKb = 0;
  for (const line of lines) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) current = header[1] ?? '';
    else if (line.startsWith('Size:')) sizeKb = Number(/(\d+)/.exec(line)?.[1]);
    else if (line.startsWith('Rss:')) {
      const rss = Number(/(\d+)/.exec(line)?.[1]) / 1024;
      if (/\/node$/.test(current)) nodeBinary += rss;
      else if (current === '[stack]' || (current === '' && sizeKb === 8192)) stacks += rss;
    }
  }
  return { nodeBinary, stacks };
}

async function steadyTraffic(sandbox: Sandbox, certs: TestCertificates, replicas: Replica[], agent: Agent, until: number): Promise<number> {
  let sent = 0;
  const auth = `Basic ${Buffer.from(`${METRICS.username}:${METRICS.password}`).toString('base64')}`;
  for (let tick = 0; Date.now() < until; tick++) {
    const replica = replicas[tick % replicas.length] as Replica;
    const gets = ['/health', '/health', '/ready'].map((p) => fetch(`${replica.url}${p}`, { dispatcher: agent }).then((r) => r.arrayBuffer()));
    if (tick % 20 === 0) gets.push(fetch(`${replica.url}/metrics`, { dispatcher: agent, headers: { authorization: auth } }).then((r) => r.arrayBuffer()));
    const command = sandbox.slack.sendSlashCommand(
      `${replica.url}/slack/events`,
      SLACK_FAKE_SIGNING_SECRET,
      { command: '/prs', text: tick % 2 ? '' : 'mine', user_id: 'U0ALICE' },
      { ca: certs.ca },
    );
    await Promise.all([...gets, command]);
    sent += gets.length + 1;
    await sleep(100);
  }
  return sent;
}

async function soak(sandbox: Sandbox, certs: TestCertificates, replicas: Replica[], minutes: number): Promise<void> {
  const agent = new Agent({ connect: { ca: certs.ca } });
  const started = Date.now();
  const report = async (label: string) => {
    for (const [i, r] of replicas.entries()) {
      const m = await memoryOf(r, agent);
      const figures = Object.entries(m).map(([k, v]) => `${k} ${k === 'threads' ? v : v.toFixed(k === 'gcS' ? 2 : 1)}`);
      print(`${label} replica ${i + 1}: ${figures.join(', ')} (MB; cpuS, gcS in s)`);
    }
  };
  await report('start');
  const end = started + minutes * 60_000;
  let sent = 0;
  for (let m = 1; m <= minutes; m++) {
    sent += await steadyTraffic(sandbox, certs, replicas, agent, Math.min(end, started + m * 60_000));
    if (m % 5 === 0 || m === minutes) await report(`${m} min`);
  }
  print(
    `${sent} requests in ${minutes} min; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await agent.close();
}

// By default what the chatops role gives each replica: its node options and its unit's Environment= lines.
const role = join(repoRoot, 'ansible/roles/chatops');
const roleOptions = (parse(readFileSync(join(role, 'defaults/main.yml'), 'utf8')) as { chatops_node_options: string[] }).chatops_node_options;
const roleEnv = [...readFileSync(join(role, 'templates/chatops@.service.j2'), 'utf8').matchAll(/^Environment=(\S+)$/gm)].map((m) => m[1] as string).join(',');
const nodeOptions = (flags['node-options'] ?? roleOptions.join(' ')).split(/\s+/).filter(Boolean);
const env = Object.fromEntries(
  (flags.env ?? roleEnv)
    // a comma before the next NAME= separates variables; other commas belong to the value (MALLOC_CONF=a:1,b:2)
    .split(/,(?=[A-Za-z_][A-Za-z0-9_]*=)/)
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
);
const certs = await createTestCertificates(['localhost', '127.0.0.1']);
const sandbox = await startSandbox({ host: '127.0.0.1', tls: { cert: certs.cert, key: certs.key } });
const { replicas, cleanup } = await startReplicas(sandbox, certs, positiveInt('--replicas', flags.replicas, 2), nodeOptions, env);
print(`${replicas.length} replicas of ${flags.bundle}: node ${nodeOptions.join(' ')} ${JSON.stringify(env)}; pids ${replicas.map((r) => r.pid).join(' ')}`);
let haproxy: ChildProcess | undefined;
try {
  if (flags.mode === 'tls') {
    haproxy = await startHaproxy(certs, replicas.length);
    await measureTls();
  } else if (flags.mode === 'hold') {
    haproxy = await startHaproxy(certs, replicas.length);
    print(`front https://127.0.0.1:${FRONT_PORT}, replicas ${replicas.map((r) => `${r.url} (pid ${r.pid})`).join(' ')}`);
    await sleep(positiveInt('--minutes', flags.minutes, 20) * 60_000);
  } else await soak(sandbox, certs, replicas, positiveInt('--minutes', flags.minutes, 20));
} finally {
  haproxy?.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.app.kill()));
  cleanup();
  await sandbox.close();
  await certs.remove();
}
