// Benchmark of one reminder cycle's GitHub read (not a test): 300 repositories, 3,000 open PRs,
// a GitHub fake with 30 ms latency per request and 100 items per page, running in a child process
// so the numbers below are the app's own. Prints cold and warm cycles of the GitHub source (REST
// PR lists with ETags, reviews in GraphQL batches) next to a naive sequential Octokit read (REST
// only, one reviews request per PR, no ETags, no concurrency). With `--schedules N` the
// repositories are split among N team schedules (`team: bench/team-NN`, `repositories:
// [bench/team-NN-*]`) firing at the same instant: one shared read (scheduling/shared-reads.ts) of
// the union, each schedule narrowing it to its own, as serve does.
//   npm run bench:reminder-cycle [-- --concurrency 64 --repos 300 --prs-per-repo 10 --schedules 1
//     --latency-ms 30 --review-batch-size 50 --review-batch-concurrency 8 --skip-naive]
// The npm script bundles this file with esbuild and runs it with plain node, as production runs
// dist/chatops.mjs, so RSS is not inflated by the TypeScript loader (tsx adds ~50 MB). The
// measuring process runs with the node options a replica runs with (`chatops_node_options` in
// ansible/roles/chatops/defaults/main.yml: V8's heap limits) and its unit's environment (the
// allocator's settings); `--node-defaults` measures under Node's default heap instead. Each row
// prints the load average, as the machine's cores are shared.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Octokit } from '@octokit/rest';
import pino from 'pino';
import { parseFlags, positiveInt, UsageError } from '../app/src/cli/flags.ts';
import type { Schedule } from '../app/src/config/schema.ts';
import { narrowSnapshot, scheduleAudience, scheduleScope } from '../app/src/core/audience.ts';
import { createGitHubSource } from '../app/src/github/source.ts';
import { createMetrics } from '../app/src/metrics.ts';
import { SharedReads } from '../app/src/scheduling/shared-reads.ts';
import type { RecordedRequest } from '../sandbox/github.ts';

const ORG = 'bench';
const USAGE =
  'usage: npm run bench:reminder-cycle -- [--repos 300] [--prs-per-repo 10] [--schedules 1] [--latency-ms 30] [--concurrency 64] ' +
  '[--review-batch-size 50] [--review-batch-concurrency 8] [--skip-naive] [--node-defaults] [--profile-warm warm.cpuprofile]';
/** GitHub allows no more than 100 concurrent requests (REST and GraphQL together); github.concurrency's ceiling too. */
const MAX_CONCURRENCY = 100;
/** Where the replicas' node options are defined, from the repository root (npm runs scripts there). */
const ROLE_DEFAULTS = 'ansible/roles/chatops/defaults/main.yml';
/** The replicas' unit: its Environment= lines (the allocator's settings) are the measured process's too. */
const ROLE_UNIT = 'ansible/roles/chatops/templates/chatops@.service.j2';

interface Settings {
  repos: number;
  prsPerRepo: number;
  /** team schedules firing at the same instant, the repositories split among them */
  schedules: number;
  latencyMs: number;
  concurrency: number;
  reviewBatchSize: number;
  reviewBatchConcurrency: number;
  skipNaive: boolean;
  /** measure under Node's default heap, not the replicas' `chatops_node_options` */
  nodeDefaults: boolean;
  /** where to write a V8 CPU profile of the warm cycle alone (Chrome DevTools' .cpuprofile) */
  profileWarm: string | undefined;
}

function settingsFrom(argv: string[]): Settings & { fake: boolean } {
  const values = parseFlags(argv, {
    fake: { type: 'boolean', default: false },
    repos: { type: 'string' },
    'prs-per-repo': { type: 'string' },
    schedules: { type: 'string' },
    'latency-ms': { type: 'string' },
    concurrency: { type: 'string' },
    'review-batch-size': { type: 'string' },
    'review-batch-concurrency': { type: 'string' },
    'skip-naive': { type: 'boolean', default: false },
    'node-defaults': { type: 'boolean', default: false },
    'profile-warm': { type: 'string' },
  });
  const latency = values['latency-ms'] ?? '30';
  if (!/^\d+$/.test(latency)) throw new UsageError(`--latency-ms: "${latency}" is not a whole number of milliseconds (0 for none)`);
  const settings = {
    fake: values.fake,
    repos: positiveInt('--repos', values.repos, 300),
    prsPerRepo: positiveInt('--prs-per-repo', values['prs-per-repo'], 10),
    schedules: positiveInt('--schedules', values.schedules, 1),
    latencyMs: Number(latency),
    concurrency: positiveInt('--concurrency', values.concurrency, 64),
    reviewBatchSize: positiveInt('--review-batch-size', values['review-batch-size'], 50),
    reviewBatchConcurrency: positiveInt('--review-batch-concurrency', values['review-batch-concurrency'], 8),
    skipNaive: values['skip-naive'],
    nodeDefaults: values['node-defaults'],
    profileWarm: values['profile-warm'],
  };
  if (settings.concurrency > MAX_CONCURRENCY) {
    throw new UsageError(
      `--concurrency: ${settings.concurrency} is over GitHub's ${MAX_CONCURRENCY} concurrent requests (its secondary rate limits); give at most ${MAX_CONCURRENCY}`,
    );
  }
  if (settings.schedules > 100 || settings.schedules > settings.repos) {
    throw new UsageError(`--schedules: ${settings.schedules} is more than --repos (${settings.repos}) or 100; give each schedule a repository`);
  }
  return settings;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const teamSlug = (team: number): string => `team-${pad(team, 2)}`;
const LOGINS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];

/** Child process: the seeded fake. Prints {"url","token"} and serves until stdin closes. */
async function serveFake(settings: Settings): Promise<void> {
  // Loaded here only: the measuring process holds the app's code, not the fake's.
  const { startGitHubFake } = await import('../sandbox/github.ts');
  const github = await startGitHubFake({ latencyMs: settings.latencyMs });
  // A GitHub App on Enterprise Cloud gets 15,000 points an hour; the naive reads need that room.
  github.setRateLimit({ limit: 15_000, remaining: 15_000, resetEpochSeconds: Math.floor(Date.now() / 1000) + 3600 });
  const now = Date.now();
  const logins = LOGINS;
  for (let t = 0; t < settings.schedules; t += 1) github.addTeam(ORG, teamSlug(t), { members: [logins[t % 6] ?? 'alice', logins[(t + 3) % 6] ?? 'dave'] });
  for (let r = 0; r < settings.repos; r += 1) {
    // Team by block: team-00 owns the first repos/schedules repositories, and so on.
    const repo = `${ORG}/${teamSlug(Math.floor((r * settings.schedules) / settings.repos))}-service-${pad(r, 4)}`;
    github.addRepository(repo);
    for (let p = 0; p < settings.prsPerRepo; p += 1) {
      const i = r * settings.prsPerRepo + p;
      const number = github.addPullRequest(repo, {
        title: `Change ${i}: tidy the ${['parser', 'cache', 'client', 'schema'][i % 4]}`,
        user: logins[i % logins.length],
        draft: i % 7 === 0,
        labels: i % 5 === 0 ? ['bug'] : [],
        created_at: new Date(now - (i % 30) * 86_400_000 - i * 1000).toISOString(),
        requested_reviewers: [logins[(i + 1) % logins.length] ?? 'alice', logins[(i + 2) % logins.length] ?? 'bob'],
      });
      if (i % 3 === 0) {
        github.addReview(repo, number, {
          user: logins[(i + 1) % logins.length] ?? 'alice',
          state: i % 2 === 0 ? 'APPROVED' : 'CHANGES_REQUESTED',
          submitted_at: new Date(now - 3_600_000).toISOString(),
        });
      }
    }
  }
  // Archived repositories the wildcard must skip.
  for (let a = 0; a < 5; a += 1) github.addRepository(`${ORG}/archived-${a}`, { archived: true });
  process.stdout.write(`${JSON.stringify({ url: github.url, token: github.token })}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.once('end', resolve));
  await github.close();
}

/** Set in the environment of this bench run again under the replicas' node options. */
const UNDER_SERVICE_OPTIONS = 'CHATOPS_BENCH_UNDER_SERVICE_OPTIONS';

/** `chatops_node_options` of the chatops role: what `node` runs a replica with. */
async function serviceNodeOptions(): Promise<string[]> {
  // Loaded here only, in the process that starts the measured one: the YAML parser is not the app's GitHub read.
  const { parse: parseYaml } = await import('yaml');
  let text: string;
  try {
    text = readFileSync(ROLE_DEFAULTS, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${ROLE_DEFAULTS} (${(error as NodeJS.ErrnoException).code ?? 'error'}): run the bench from the repository root, or pass --node-defaults`,
    );
  }
  const options = (parseYaml(text) as { chatops_node_options?: unknown }).chatops_node_options;
  if (!Array.isArray(options) || !options.every((o): o is string => typeof o === 'string')) {
    throw new Error(`${ROLE_DEFAULTS}: chatops_node_options is not a list of strings`);
  }
  return options;
}

/** `NAME=value` of each `Environment=` line of the replicas' unit (none of them templated). */
function serviceEnvironment(): Record<string, string> {
  const unit = readFileSync(ROLE_UNIT, 'utf8');
  return Object.fromEntries([...unit.matchAll(/^Environment=([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

/** This bench again, in a node running with `options` (V8 reads its heap limits at start only) and the unit's environment. */
async function rerunUnder(options: string[]): Promise<void> {
  const child = spawn(process.execPath, [...options, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ...serviceEnvironment(), [UNDER_SERVICE_OPTIONS]: '1' },
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  process.exitCode = code ?? 1;
}

/** The flags without V8's heap limits (--max-old-space-size=64 ...). */
function withoutHeapLimits(flags: string): string {
  return flags
    .split(/\s+/)
    .filter((flag) => flag !== '' && !/^--max-(old|semi)-space-size/.test(flag))
    .join(' ');
}

async function startFakeProcess(settings: Settings): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(
    process.execPath,
    [
      // The fake holds every PR of the run: the heap limits under test are the app's, not its.
      ...process.execArgv.filter((flag) => withoutHeapLimits(flag) !== ''),
      fileURLToPath(import.meta.url),
      '--fake',
      '--repos',
      String(settings.repos),
      '--prs-per-repo',
      String(settings.prsPerRepo),
      '--schedules',
      String(settings.schedules),
      '--latency-ms',
      String(settings.latencyMs),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: withoutHeapLimits(process.env.NODE_OPTIONS ?? '') } },
  );
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the GitHub fake exited with ${code} before it was ready`)));
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  return { child, url, token };
}

interface Row {
  label: string;
  wallMs: number;
  cpuMs: number;
  fakeCpuMs: number | undefined;
  requests: number;
  graphqlQueries: number;
  notModified: number;
  points: number;
  graphqlPoints: number;
  gcMs: number;
  /** one-minute load average at the end of the run */
  load: number;
  rssMb: number;
  peakRssMb: number | undefined;
  heapMb: number;
  retainedMb: number | undefined;
  pullRequests: number;
}

/** Linux splits RSS into anonymous memory (heaps, malloc) and mapped files (the node binary, libraries). */
function rssBreakdown(): string {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const field = (name: string): string => /\d+/.exec(status.split('\n').find((l) => l.startsWith(name)) ?? '')?.[0] ?? '?';
    return `RssAnon ${Math.round(Number(field('RssAnon')) / 1024)} MB, RssFile ${Math.round(Number(field('RssFile')) / 1024)} MB`;
  } catch {
    return 'no /proc/self/status on this system';
  }
}

/** User + system CPU of another process (the fake, which shares the machine's cores), from /proc. */
function processCpuMs(pid: number | undefined): number | undefined {
  try {
    // Fields 14 and 15 after the command name: utime and stime in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The highest RSS of this process so far (VmHWM), undefined where there is no /proc. */
function peakRssMb(): number | undefined {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM'));
    const kb = Number(/\d+/.exec(line ?? '')?.[0]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Heap still referenced after a full collection (needs node --expose-gc, as the npm script runs it). */
function retainedHeapMb(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** `run` under V8's sampling profiler (node:inspector), the profile written to `file` for Chrome DevTools. */
async function profiled<T>(file: string, run: () => Promise<T>): Promise<T> {
  // Loaded only when asked for: the inspector is not part of what is measured otherwise.
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/** The team schedules of the fire, as config.yml gives them (written out: the bench holds the GitHub read, not the config loader). */
function benchSchedules(count: number): Schedule[] {
  return Array.from({ length: count }, (_, t) => ({
    name: teamSlug(t),
    kind: 'digest' as const,
    channel: `C0BENCH${pad(t, 2)}`,
    cron: '0 9 * * 1-5',
    timezone: 'UTC',
    team: `${ORG}/${teamSlug(t)}`,
    repositories: [`${ORG}/${teamSlug(t)}-*`],
  }));
}

/** One schedule's part of the shared read: its repositories and its team, as the cycle narrows them. */
async function narrowedRead(reads: SharedReads, group: Schedule[], schedule: Schedule, fireTime: Date): Promise<number> {
  const read = await reads.read(group, fireTime);
  const snapshot = narrowSnapshot(read.snapshot, scheduleScope(schedule, { repositories: [`${ORG}/*`], exclude: [] }));
  if (snapshot.failedRepositories.length > 0) throw new Error(`${schedule.name}: ${JSON.stringify(snapshot.failedRepositories.slice(0, 3))}`);
  const audience = scheduleAudience(schedule, read.roster);
  if (audience?.kind !== 'team' || audience.failure !== undefined || audience.logins.size === 0) {
    throw new Error(`${schedule.name}: its team was not read (${JSON.stringify(audience)})`);
  }
  return snapshot.pullRequests.length;
}

async function main(): Promise<void> {
  const settings = settingsFrom(process.argv.slice(2));
  if (settings.fake) return serveFake(settings);
  if (!settings.nodeDefaults && process.env[UNDER_SERVICE_OPTIONS] !== '1') return rerunUnder(await serviceNodeOptions());

  const fake = await startFakeProcess(settings);
  const api = new Octokit({ baseUrl: fake.url, auth: fake.token });
  // The fake's log of requests, read from where the last read ended: the whole log (tens of
  // thousands of entries) would be parsed in this process between cycles, next to what is measured.
  let logged = 0;
  const newRequests = async (): Promise<RecordedRequest[]> => {
    const fresh = (await api.request('GET /_fake/requests', { since: logged })).data as RecordedRequest[];
    logged += fresh.length;
    return fresh;
  };
  // Both budgets: REST (core) and GraphQL, each 5,000+ points an hour on GitHub.
  const points = async (): Promise<{ core: number; graphql: number }> => {
    const { resources } = (await api.rest.rateLimit.get()).data;
    return { core: resources.core.remaining, graphql: resources.graphql?.remaining ?? 0 };
  };

  // Pauses of V8's collector (main thread), per cycle: what a tight heap limit costs.
  let gcMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  async function measure(label: string, run: () => Promise<number>): Promise<Row> {
    await newRequests();
    const remainingBefore = await points();
    const fakeCpuBefore = processCpuMs(fake.child.pid);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const gcBefore = gcMs;
    const pullRequests = await run();
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    // The observer hears of the cycle's last collections on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    const cycleGcMs = gcMs - gcBefore;
    const load = loadavg()[0] ?? Number.NaN;
    // GET /rate_limit is free and recorded; the fake's inspection view is not recorded at all.
    const made = (await newRequests()).filter((r) => !r.path.startsWith('/rate_limit'));
    const remainingAfter = await points();
    return {
      label,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      gcMs: cycleGcMs,
      load,
      fakeCpuMs: fakeCpuBefore === undefined ? undefined : (processCpuMs(fake.child.pid) ?? fakeCpuBefore) - fakeCpuBefore,
      requests: made.length,
      graphqlQueries: made.filter((r) => r.path.endsWith('/graphql')).length,
      notModified: made.filter((r) => r.status === 304).length,
      points: remainingBefore.core - remainingAfter.core,
      graphqlPoints: remainingBefore.graphql - remainingAfter.graphql,
      rssMb: process.memoryUsage().rss / 1024 / 1024,
      peakRssMb: peakRssMb(),
      heapMb: process.memoryUsage().heapUsed / 1024 / 1024,
      retainedMb: retainedHeapMb(),
      pullRequests,
    };
  }

  const rows: Row[] = [];
  const baselineRssMb = process.memoryUsage().rss / 1024 / 1024;
  const baselineRetainedMb = retainedHeapMb();
  try {
    const source = createGitHubSource({
      baseUrl: fake.url,
      auth: { kind: 'token', token: fake.token },
      concurrency: settings.concurrency,
      reviewBatchSize: settings.reviewBatchSize,
      reviewBatchConcurrency: settings.reviewBatchConcurrency,
      requestTimeoutMs: 30_000,
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    });
    const schedules = benchSchedules(settings.schedules);
    const reads = new SharedReads(source, { repositories: [`${ORG}/*`], exclude: [] });
    const firstFire = Date.UTC(2026, 10, 23, 9, 0);
    let fires = 0;
    // Every schedule of the fire asks for the read as the scheduler starts them: one read of the union.
    const cycle = async (): Promise<number> => {
      const fireTime = new Date(firstFire + 86_400_000 * fires++);
      const narrowed = await Promise.all(schedules.map((schedule) => narrowedRead(reads, schedules, schedule, fireTime)));
      const union = (await reads.read(schedules, fireTime)).snapshot.pullRequests.length;
      const total = narrowed.reduce((sum, n) => sum + n, 0);
      if (total !== union) throw new Error(`the schedules' PRs add up to ${total}, the shared read holds ${union}`);
      return union;
    };
    const scheduled = settings.schedules === 1 ? '1 schedule' : `${settings.schedules} schedules sharing one read`;
    rows.push(
      await measure(
        `source, cold (${scheduled}; concurrency ${settings.concurrency}, ${settings.reviewBatchSize} PRs per GraphQL query, ${settings.reviewBatchConcurrency} in flight)`,
        cycle,
      ),
    );
    rows.push(await measure('source, warm (nothing changed)', settings.profileWarm ? () => profiled(settings.profileWarm as string, cycle) : cycle));
    await source.close();

    if (!settings.skipNaive) {
      const naive = new Octokit({ baseUrl: fake.url, auth: fake.token });
      const naiveCycle = async (): Promise<number> => {
        let count = 0;
        const repos = await naive.paginate(naive.rest.repos.listForOrg, { org: ORG, per_page: 100 });
        for (const repo of repos.filter((r) => !r.archived)) {
          const pulls = await naive.paginate(naive.rest.pulls.list, { owner: ORG, repo: repo.name, state: 'open', per_page: 100 });
          for (const pr of pulls) {
            await naive.paginate(naive.rest.pulls.listReviews, { owner: ORG, repo: repo.name, pull_number: pr.number, per_page: 100 });
            count += 1;
          }
        }
        return count;
      };
      rows.push(await measure('naive sequential, cold', naiveCycle));
      rows.push(await measure('naive sequential, warm', naiveCycle));
    }
  } finally {
    fake.child.stdin?.end();
    gcObserver.disconnect();
  }

  const header = [
    'run',
    'load',
    'wall time',
    'app CPU time (user+sys)',
    'GC pauses (wall)',
    "the fake's CPU time",
    'requests (of them GraphQL)',
    '304s',
    'rate-limit points core + graphql',
    'RSS after',
    'peak RSS so far',
    'heap used after',
    'heap retained after GC',
    'PRs read',
  ];
  const body = rows.map((r) => [
    r.label,
    r.load.toFixed(1),
    `${(r.wallMs / 1000).toFixed(2)} s`,
    `${(r.cpuMs / 1000).toFixed(2)} s`,
    `${(r.gcMs / 1000).toFixed(2)} s`,
    r.fakeCpuMs === undefined ? 'n/a' : `${(r.fakeCpuMs / 1000).toFixed(2)} s`,
    `${r.requests} (${r.graphqlQueries})`,
    String(r.notModified),
    `${r.points} + ${r.graphqlPoints}`,
    `${r.rssMb.toFixed(0)} MB`,
    r.peakRssMb === undefined ? 'n/a' : `${r.peakRssMb.toFixed(0)} MB`,
    `${r.heapMb.toFixed(0)} MB`,
    r.retainedMb === undefined ? 'n/a' : `${r.retainedMb.toFixed(0)} MB`,
    String(r.pullRequests),
  ]);
  process.stdout.write(
    `GitHub read of ${settings.repos} repositories, ${settings.repos * settings.prsPerRepo} open PRs, ${settings.schedules} schedule(s) firing at once, ` +
      `${settings.latencyMs} ms per request, 100 per page; node ${process.version} ${process.execArgv.join(' ') || '(default heap)'}` +
      `${process.env[UNDER_SERVICE_OPTIONS] === '1' ? ` with the unit's ${Object.keys(serviceEnvironment()).join(', ')}` : ''}; ` +
      `load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on this machine\n\n`,
  );
  const memory = process.memoryUsage();
  process.stdout.write(
    `RSS before the first cycle ${baselineRssMb.toFixed(0)} MB, heap retained ${baselineRetainedMb?.toFixed(0) ?? 'n/a'} MB; at the end heap total ${(memory.heapTotal / 1048576).toFixed(0)} MB, ` +
      `external ${(memory.external / 1048576).toFixed(0)} MB, array buffers ${(memory.arrayBuffers / 1048576).toFixed(0)} MB; ` +
      `${rssBreakdown()}\n\n`,
  );
  process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const row of body) process.stdout.write(`| ${row.join(' | ')} |\n`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`bench: ${error.message}\n${error.withUsage ? `${USAGE}\n` : ''}`);
    process.exit(2);
  }
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
