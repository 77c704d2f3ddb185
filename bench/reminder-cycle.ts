// Benchmark of one reminder cycle's GitHub read (not a test): 300 repositories, 3,000 open PRs,
// a GitHub fake with 30 ms latency per request and 100 items per page, running in a child process
// so the numbers below are the app's own. Prints cold and warm cycles of the GitHub source (REST
// PR lists with ETags, reviews in GraphQL batches) next to a naive sequential Octokit read (REST
// only, one reviews request per PR, no ETags, no concurrency).
//   npm run bench:reminder-cycle [-- --concurrency 64 --repos 300 --prs-per-repo 10 --latency-ms 30
//     --review-batch-size 50 --review-batch-concurrency 8 --skip-naive]
// The npm script bundles this file with esbuild and runs it with plain node, as production runs
// dist/chatops.mjs, so RSS is not inflated by the TypeScript loader (tsx adds ~50 MB).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Octokit } from '@octokit/rest';
import pino from 'pino';
import { createGitHubSource } from '../app/src/github/source.ts';
import { createMetrics } from '../app/src/metrics.ts';
import { startGitHubFake, type RecordedRequest } from '../sandbox/github.ts';

const ORG = 'bench';

interface Settings {
  repos: number;
  prsPerRepo: number;
  latencyMs: number;
  concurrency: number;
  reviewBatchSize: number;
  reviewBatchConcurrency: number;
  skipNaive: boolean;
}

function settingsFrom(argv: string[]): Settings & { fake: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      fake: { type: 'boolean', default: false },
      repos: { type: 'string', default: '300' },
      'prs-per-repo': { type: 'string', default: '10' },
      'latency-ms': { type: 'string', default: '30' },
      concurrency: { type: 'string', default: '64' },
      'review-batch-size': { type: 'string', default: '50' },
      'review-batch-concurrency': { type: 'string', default: '8' },
      'skip-naive': { type: 'boolean', default: false },
    },
  });
  const positive = (flag: string, raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: expected a non-negative integer, got "${raw}"`);
    return n;
  };
  return {
    fake: values.fake,
    repos: positive('repos', values.repos),
    prsPerRepo: positive('prs-per-repo', values['prs-per-repo']),
    latencyMs: positive('latency-ms', values['latency-ms']),
    concurrency: positive('concurrency', values.concurrency),
    reviewBatchSize: positive('review-batch-size', values['review-batch-size']),
    reviewBatchConcurrency: positive('review-batch-concurrency', values['review-batch-concurrency']),
    skipNaive: values['skip-naive'],
  };
}

/** Child process: the seeded fake. Prints {"url","token"} and serves until stdin closes. */
async function serveFake(settings: Settings): Promise<void> {
  const github = await startGitHubFake({ latencyMs: settings.latencyMs });
  // A GitHub App on Enterprise Cloud gets 15,000 points an hour; the naive reads need that room.
  github.setRateLimit({ limit: 15_000, remaining: 15_000, resetEpochSeconds: Math.floor(Date.now() / 1000) + 3600 });
  const now = Date.now();
  const logins = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
  for (let r = 0; r < settings.repos; r += 1) {
    const repo = `${ORG}/service-${String(r).padStart(3, '0')}`;
    github.addRepository(repo, { archived: r % 50 === 49 && false });
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

async function startFakeProcess(settings: Settings): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      '--fake',
      '--repos',
      String(settings.repos),
      '--prs-per-repo',
      String(settings.prsPerRepo),
      '--latency-ms',
      String(settings.latencyMs),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
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
  requests: number;
  graphqlQueries: number;
  notModified: number;
  points: number;
  graphqlPoints: number;
  rssMb: number;
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

/** Heap still referenced after a full collection (needs node --expose-gc, as the npm script runs it). */
function retainedHeapMb(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function main(): Promise<void> {
  const settings = settingsFrom(process.argv.slice(2));
  if (settings.fake) return serveFake(settings);

  const fake = await startFakeProcess(settings);
  const api = new Octokit({ baseUrl: fake.url, auth: fake.token });
  const requestLog = async (): Promise<RecordedRequest[]> => (await api.request('GET /_fake/requests')).data as RecordedRequest[];
  // Both budgets: REST (core) and GraphQL, each 5,000+ points an hour on GitHub.
  const points = async (): Promise<{ core: number; graphql: number }> => {
    const { resources } = (await api.rest.rateLimit.get()).data;
    return { core: resources.core.remaining, graphql: resources.graphql?.remaining ?? 0 };
  };

  async function measure(label: string, run: () => Promise<number>): Promise<Row> {
    const seenBefore = (await requestLog()).length;
    const remainingBefore = await points();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const pullRequests = await run();
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    // GET /rate_limit is free and recorded; the fake's inspection view is not recorded at all.
    const made = (await requestLog()).slice(seenBefore).filter((r) => !r.path.startsWith('/rate_limit'));
    const remainingAfter = await points();
    return {
      label,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      requests: made.length,
      graphqlQueries: made.filter((r) => r.path.endsWith('/graphql')).length,
      notModified: made.filter((r) => r.status === 304).length,
      points: remainingBefore.core - remainingAfter.core,
      graphqlPoints: remainingBefore.graphql - remainingAfter.graphql,
      rssMb: process.memoryUsage().rss / 1024 / 1024,
      heapMb: process.memoryUsage().heapUsed / 1024 / 1024,
      retainedMb: retainedHeapMb(),
      pullRequests,
    };
  }

  const rows: Row[] = [];
  const baselineRssMb = process.memoryUsage().rss / 1024 / 1024;
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
    const cycle = async (): Promise<number> => {
      const snapshot = await source.fetchOpenPullRequests([`${ORG}/*`], []);
      if (snapshot.failedRepositories.length > 0) throw new Error(`cycle failed: ${JSON.stringify(snapshot.failedRepositories.slice(0, 3))}`);
      return snapshot.pullRequests.length;
    };
    rows.push(
      await measure(
        `source, cold (concurrency ${settings.concurrency}, ${settings.reviewBatchSize} PRs per GraphQL query, ${settings.reviewBatchConcurrency} in flight)`,
        cycle,
      ),
    );
    rows.push(await measure('source, warm (nothing changed)', cycle));
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
  }

  const header = [
    'run',
    'wall time',
    'app CPU time',
    'requests (of them GraphQL)',
    '304s',
    'rate-limit points core + graphql',
    'RSS after',
    'heap used after',
    'heap retained after GC',
    'PRs read',
  ];
  const body = rows.map((r) => [
    r.label,
    `${(r.wallMs / 1000).toFixed(2)} s`,
    `${(r.cpuMs / 1000).toFixed(2)} s`,
    `${r.requests} (${r.graphqlQueries})`,
    String(r.notModified),
    `${r.points} + ${r.graphqlPoints}`,
    `${r.rssMb.toFixed(0)} MB`,
    `${r.heapMb.toFixed(0)} MB`,
    r.retainedMb === undefined ? 'n/a' : `${r.retainedMb.toFixed(0)} MB`,
    String(r.pullRequests),
  ]);
  process.stdout.write(
    `GitHub read of ${settings.repos} repositories, ${settings.repos * settings.prsPerRepo} open PRs, ` +
      `${settings.latencyMs} ms per request, 100 per page; node ${process.version}; ` +
      `load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on this machine\n\n`,
  );
  const memory = process.memoryUsage();
  process.stdout.write(
    `RSS before the first cycle ${baselineRssMb.toFixed(0)} MB; at the end heap total ${(memory.heapTotal / 1048576).toFixed(0)} MB, ` +
      `external ${(memory.external / 1048576).toFixed(0)} MB, array buffers ${(memory.arrayBuffers / 1048576).toFixed(0)} MB; ` +
      `${rssBreakdown()}\n\n`,
  );
  process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
  for (const row of body) process.stdout.write(`| ${row.join(' | ')} |\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
