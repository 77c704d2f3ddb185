// Starts a real single-node Elasticsearch for tests, from the integ-test distribution that
// scripts/install-deps.d/elasticsearch.sh caches in .cache/elasticsearch/. No fake: the
// tests that use it talk to the real server over HTTP.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = join(repoRoot, '.cache', 'elasticsearch');
/** Elasticsearch will not run as root; the install script creates this user for it. */
const runAsUser = 'chatops-es';

export interface ElasticsearchOptions {
  /** JVM heap, both -Xms and -Xmx. Default "256m". */
  heap?: string;
  /** Extra `-E key=value` settings. */
  settings?: Record<string, string>;
  /** How long to wait for yellow health. Default 120 s. */
  startTimeoutMs?: number;
  /**
   * JVM flags besides the heap. Default: C1-only JIT, which starts faster on a shared 2-core
   * machine; pass [] for full JIT when measuring steady-state latency (bench/claims.ts).
   */
  jvmFlags?: string[];
  /** Echo the server's output to this process's stderr. */
  verbose?: boolean;
  /** Give the node a path.repo (workDir/snapshots, owned by the server's user) for fs snapshot repositories. */
  snapshotRepository?: boolean;
  /** A fixed transport port (a cluster's nodes name each other's in discovery.seed_hosts); default a free one. */
  transportPort?: number;
}

export interface ElasticsearchServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  httpPort: number;
  /** Temp folder with data, logs and config; removed by destroy() or at exit. */
  workDir: string;
  /** path.repo when started with snapshotRepository, else undefined. */
  snapshotDir: string | undefined;
  /** user:group the server runs as when this process is root (it owns the files it writes). */
  owner: string | undefined;
  /** Pid of the running JVM, undefined while stopped. */
  readonly pid: number | undefined;
  /** SIGTERM and wait for exit. Data and ports are kept: start() brings it back. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit (a crash). Data and ports are kept. */
  kill(): Promise<void>;
  /** Start again on the same ports and data after stop() or kill(); waits for health. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Stop and remove the temp folder. */
  destroy(): Promise<void>;
  /** The last lines the server printed (for failure messages). */
  output(): string;
}

function findHome(): string {
  const entries = existsSync(cacheDir) ? readdirSync(cacheDir).filter((name) => name.startsWith('elasticsearch-')) : [];
  const home = entries.map((name) => join(cacheDir, name)).find((path) => existsSync(join(path, 'bin', 'elasticsearch')));
  if (!home) {
    throw new Error(`no Elasticsearch in ${cacheDir}: run "bash scripts/install-deps.d/elasticsearch.sh" (or scripts/install-deps.sh) first`);
  }
  return home;
}

function javaHome(): string {
  if (process.env.ES_JAVA_HOME) return process.env.ES_JAVA_HOME;
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  const found = spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], { encoding: 'utf8' });
  const java = found.stdout.trim();
  if (found.status !== 0 || !java) throw new Error('java not found: Elasticsearch 8 needs Java 17+ on PATH or JAVA_HOME');
  return dirname(dirname(java));
}

function lookupUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}:`));
  const fields = line?.split(':');
  if (!fields || fields.length < 4) {
    throw new Error(`user "${name}" missing: Elasticsearch refuses root; run "bash scripts/install-deps.d/elasticsearch.sh" to create it`);
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, uid, gid);
    else chownSync(child, uid, gid);
  }
}

const live = new Set<ChildProcess>();
const workDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Kills the JVM if this (test) process dies without running its exit hooks. */
function watchdog(esPid: number): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${esPid} 2>/dev/null; do sleep 2; done; kill -9 ${esPid} 2>/dev/null; true`;
  const guard = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  guard.unref();
}

async function waitForHealth(url: string, child: ChildProcess, deadline: number, output: () => string): Promise<void> {
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Elasticsearch exited during start (code ${child.exitCode}, signal ${child.signalCode}):\n${output()}`);
    }
    try {
      const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=2s`, {
        signal: AbortSignal.timeout(5_000),
      });
      if (response.ok) {
        const health = (await response.json()) as { status: string };
        if (health.status === 'yellow' || health.status === 'green') return;
        lastError = `status ${health.status}`;
      } else {
        lastError = `HTTP ${response.status}`;
      }
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Elasticsearch at ${url} not healthy before the deadline (last: ${lastError}):\n${output()}`);
}

export async function startElasticsearch(options: ElasticsearchOptions = {}): Promise<ElasticsearchServer> {
  installExitHook();
  const home = findHome();
  const heap = options.heap ?? '256m';
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const owner = process.getuid?.() === 0 ? lookupUser(runAsUser) : undefined;

  const workDir = mkdtempSync(join(tmpdir(), 'chatops-es-'));
  workDirs.add(workDir);
  const confDir = join(workDir, 'config');
  cpSync(join(home, 'config'), confDir, { recursive: true });
  // GC logs and heap dumps would land in the working folder; tests do not want them.
  const jvmOptions = readFileSync(join(confDir, 'jvm.options'), 'utf8')
    .split('\n')
    .filter((line) => !/^-Xlog|HeapDump|ErrorFile/.test(line))
    .join('\n');
  writeFileSync(join(confDir, 'jvm.options'), jvmOptions);
  const snapshotDir = options.snapshotRepository ? join(workDir, 'snapshots') : undefined;
  for (const sub of ['data', 'logs', 'tmp', ...(snapshotDir ? ['snapshots'] : [])]) mkdirSync(join(workDir, sub));
  if (owner) chownTree(workDir, owner.uid, owner.gid);

  let httpPort = 0;
  let url = '';
  let args: string[] = [];
  const choosePorts = async (): Promise<void> => {
    httpPort = await freePort();
    const transportPort = options.transportPort ?? (await freePort());
    url = `http://127.0.0.1:${httpPort}`;
    args = Object.entries({ ...settings, 'http.port': String(httpPort), 'transport.port': String(transportPort) }).flatMap(([key, value]) => [
      '-E',
      `${key}=${value}`,
    ]);
  };
  const settings: Record<string, string> = {
    'discovery.type': 'single-node',
    'network.host': '127.0.0.1',
    'path.data': join(workDir, 'data'),
    'path.logs': join(workDir, 'logs'),
    'xpack.security.enabled': 'false',
    // A nearly full disk on a dev machine must not turn test indices read-only.
    'cluster.routing.allocation.disk.threshold_enabled': 'false',
    ...(snapshotDir ? { 'path.repo': snapshotDir } : {}),
    ...options.settings,
  };

  let child: ChildProcess | undefined;
  let lines: string[] = [];
  const output = (): string => lines.slice(-60).join('\n');

  async function launch(): Promise<void> {
    lines = [];
    const proc = spawn(join(home, 'bin', 'elasticsearch'), args, {
      cwd: workDir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: workDir,
        ES_JAVA_HOME: javaHome(),
        ES_PATH_CONF: confDir,
        ES_TMPDIR: join(workDir, 'tmp'),
        ES_JAVA_OPTS: [`-Xms${heap}`, `-Xmx${heap}`, ...(options.jvmFlags ?? ['-XX:TieredStopAtLevel=1'])].join(' '),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    });
    child = proc;
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (options.verbose) process.stderr.write(text);
      lines.push(...text.split('\n').filter(Boolean));
      if (lines.length > 400) lines = lines.slice(-200);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    if (proc.pid) watchdog(proc.pid);
    try {
      await waitForHealth(url, proc, Date.now() + startTimeoutMs, output);
    } catch (error) {
      await terminate('SIGKILL');
      throw error;
    }
  }

  async function terminate(signal: NodeJS.Signals): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  // A free port can be taken by someone else before the JVM binds it: try fresh ports (3 tries).
  for (let attempt = 1; ; attempt += 1) {
    await choosePorts();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 3 || !/BindException|Address already in use/.test(output())) throw error;
    }
  }

  return {
    url,
    httpPort,
    workDir,
    snapshotDir,
    owner: owner ? `${owner.uid}:${owner.gid}` : undefined,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    start: async () => {
      if (child && child.exitCode === null && child.signalCode === null) return;
      await launch();
    },
    restart: async () => {
      await terminate('SIGTERM');
      await launch();
    },
    destroy: async () => {
      await terminate('SIGTERM');
      rmSync(workDir, { recursive: true, force: true });
      workDirs.delete(workDir);
    },
    output,
  };
}
