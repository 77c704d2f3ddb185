// Hostile upstreams: a real `chatops serve` with a schedule every 3 s against the GitHub and
// Slack fakes, scraped by a real Prometheus loaded with prometheus/rules/chatops.yml. GitHub
// answers 5xx, times out and rate-limits; Slack answers 429 and invalid_auth. The app must keep
// serving, retry within limits, post partial digests naming what it could not read, and the
// matching alert must go pending or firing in Prometheus.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.ts';
import { freePort, startDaemon, waitFor, type Daemon } from '../support/monitoring.ts';
import { repoRoot, serveChatops, writeSettings, type ServingChatops } from './app/process.ts';
import { sandboxConfig, sandboxSecrets } from './app/settings.ts';

const channel = 'C0FAULTS';
let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;
let url: string;
let prometheus: Daemon | undefined;
let prometheusUrl: string;
let promDir: string;
const figures: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ host: '127.0.0.1' });
  settings = writeSettings(
    sandboxConfig(sandbox, {
      github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/*'], requestTimeoutMs: 2_000 },
      schedules: [{ name: 'faults', channel, cron: '*/3 * * * * *', timezone: 'UTC', kind: 'digest' }],
    }),
    sandboxSecrets,
  );
  ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
  promDir = mkdtempSync(join(tmpdir(), 'chatops-upstream-prom-'));
  const target = new URL(url).host;
  writeFileSync(
    join(promDir, 'prometheus.yml'),
    [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      `rule_files: ["${join(repoRoot, 'prometheus/rules/chatops.yml')}"]`,
      'scrape_configs:',
      `  - {job_name: chatops, static_configs: [{targets: ["${target}"]}]}`,
    ].join('\n'),
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = startDaemon('prometheus', [
    `--config.file=${join(promDir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(promDir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await waitFor('Prometheus ready', async () => ((await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000);
});

afterAll(async () => {
  await app?.kill();
  await prometheus?.stop();
  settings?.remove();
  await sandbox?.close();
  if (promDir) rmSync(promDir, { recursive: true, force: true });
  process.stdout.write(`\nupstream faults:\n${figures.map((f) => `  ${f}`).join('\n')}\n`);
});

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const total = text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return total;
}

async function alert(name: string, labels: Record<string, string> = {}): Promise<string | undefined> {
  const body = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
  return body.data.alerts.find((a) => a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v))?.state;
}

async function stillServing(): Promise<void> {
  if (!app) throw new Error('app not started');
  expect(app.child.exitCode, 'chatops serve exited').toBeNull();
  expect((await fetch(`${url}/health`)).status).toBe(200);
}

/** Digest parents posted to our channel since `since`. */
function parentsSince(since: number) {
  return sandbox.slack.calls.filter(
    (c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.args.thread_ts === undefined && c.at >= since && c.response.ok === true,
  );
}

describe('GitHub faults', () => {
  it('posts a partial digest naming a repository that answers 502, retrying it within limits, and goes on once it recovers', async () => {
    sandbox.github.failRepository('acme/web', 502);
    try {
      await partialDigestThenRecovery();
    } finally {
      // A failed expectation must not leave the repository failing for the tests after this one.
      sandbox.github.failRepository('acme/web', 502, 0);
    }
    await stillServing();
  });

  async function partialDigestThenRecovery(): Promise<void> {
    const since = Date.now();
    const partialBefore = await metric('chatops_reminder_cycles_total', { schedule: 'faults', outcome: 'partial' });
    const parent = await waitFor('a partial digest', async () => parentsSince(since).find((c) => JSON.stringify(c.args).includes('acme/web')), 60_000, 200);
    // The digest is posted before its cycle ends and is counted; on a loaded machine the
    // replies can take seconds, so wait for the count rather than read it once.
    const partial = await waitFor(
      'the partial cycle counted',
      async () => {
        const value = await metric('chatops_reminder_cycles_total', { schedule: 'faults', outcome: 'partial' });
        return value > partialBefore ? value : undefined;
      },
      60_000,
      200,
    );
    // Tries of the failing repository's URL per cycle: the first try plus the GitHub client's
    // retries. Cycles overlap (a fire every few seconds, a retry chain of 5 s), so each cycle's
    // tries are told apart by their spacing rather than by counting cycles.
    const cycles = Math.max(1, partial - partialBefore);
    const webRequests = sandbox.github.requests.filter((r) => r.at >= since && r.path.includes('/acme/web/') && r.status === 502);
    const perUrlPerCycle = Math.max(...[...byPath(webRequests).values()].flatMap((times) => retryChains(times).map((chain) => chain.length)));
    figures.push(
      `GitHub 502 on acme/web: partial digest posted ("${String(parent.args.text).slice(0, 90)}"); ${webRequests.length} failed requests over ${cycles} partial cycle(s), at most ${perUrlPerCycle} tries per URL per cycle; repositories_failed=${await metric('chatops_github_repositories_failed')}`,
    );
    expect(partial).toBeGreaterThan(partialBefore);
    expect(await metric('chatops_github_repositories_failed')).toBe(1);
    expect(perUrlPerCycle).toBeLessThanOrEqual(3); // retries: 2
    expect(perUrlPerCycle).toBeGreaterThan(1); // it did retry
    sandbox.github.failRepository('acme/web', 502, 0);
    const recovered = Date.now();
    await waitFor(
      'a full digest again',
      async () => ((await metric('chatops_github_repositories_failed')) === 0 && parentsSince(recovered).length > 0 ? true : undefined),
      60_000,
      500,
    );
  }

  it('fails cycles cleanly when GitHub times out, reports GitHub in /ready, and raises ChatOpsReminderCycleFailing', async () => {
    const failuresBefore = await metric('chatops_reminder_cycles_total', { schedule: 'faults', outcome: 'failure' });
    sandbox.github.setLatency(3_000);
    try {
      await waitFor(
        'a failed cycle',
        async () => ((await metric('chatops_reminder_cycles_total', { schedule: 'faults', outcome: 'failure' })) > failuresBefore + 1 ? true : undefined),
        90_000,
        500,
      );
      const ready = await fetch(`${url}/ready`);
      const readyBody = await ready.text();
      const state = await waitFor(
        'ChatOpsReminderCycleFailing in Prometheus',
        () => alert('ChatOpsReminderCycleFailing', { schedule: 'faults' }),
        60_000,
        1_000,
      );
      figures.push(
        `GitHub 3 s latency vs 2 s timeout: cycles fail (${(await metric('chatops_reminder_cycles_total', { schedule: 'faults', outcome: 'failure' })) - failuresBefore} so far), /ready ${ready.status} ${readyBody.slice(0, 100)}, ChatOpsReminderCycleFailing ${state}`,
      );
      expect(ready.status).toBe(503);
      expect(readyBody).toContain('github');
      expect(['pending', 'firing']).toContain(state);
      await stillServing();
    } finally {
      sandbox.github.setLatency(0);
    }
  });

  it('waits out a secondary rate limit, counts it, and raises ChatOpsGitHubRateLimitLow on a nearly spent quota', async () => {
    const successBefore = await metric('chatops_reminder_cycles_total', { schedule: 'faults', outcome: 'success' });
    const limitedBefore = await metric('chatops_github_requests_total', { status: '403' });
    sandbox.github.secondaryRateLimitNext(3, 1);
    await waitFor(
      'a successful cycle after the secondary limit',
      async () => ((await metric('chatops_reminder_cycles_total', { schedule: 'faults', outcome: 'success' })) > successBefore + 1 ? true : undefined),
      90_000,
      500,
    );
    const limited = (await metric('chatops_github_requests_total', { status: '403' })) - limitedBefore;
    expect(limited).toBeGreaterThanOrEqual(1);
    // Nearly exhausted quota (the fake counts down from here): the gauge and the alert follow.
    sandbox.github.setRateLimit({ limit: 5_000, remaining: 300, resetEpochSeconds: Math.floor(Date.now() / 1000) + 3_600 });
    const remaining = await waitFor(
      'rate limit gauge below 10 %',
      async () => {
        const value = await metric('chatops_github_rate_limit_remaining', { resource: 'core' });
        return value < 500 ? value : undefined;
      },
      60_000,
      500,
    );
    const state = await waitFor('ChatOpsGitHubRateLimitLow in Prometheus', () => alert('ChatOpsGitHubRateLimitLow'), 60_000, 1_000);
    figures.push(
      `GitHub secondary limit (3 × 403 + Retry-After 1): ${limited} limited answers, then success; quota 300/5000 → gauge ${remaining}, ChatOpsGitHubRateLimitLow ${state}`,
    );
    expect(['pending', 'firing']).toContain(state);
    sandbox.github.setRateLimit({ limit: 5_000, remaining: 5_000, resetEpochSeconds: Math.floor(Date.now() / 1000) + 3_600 });
    await stillServing();
  });
});

describe('Slack faults', () => {
  it('waits out a 429 and still posts the whole digest', async () => {
    const before = await metric('chatops_slack_api_errors_total', { method: 'chat.postMessage', error: 'ratelimited' });
    sandbox.slack.rateLimitNext('chat.postMessage', 1, 2);
    const since = Date.now();
    const parent = await waitFor('a digest after the 429s', async () => parentsSince(since)[0], 60_000, 200);
    const repliesTo = () =>
      sandbox.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === parent.response.ts && c.response.ok === true);
    // The replies follow the parent one by one, seconds apart on a loaded machine: wait for all
    // ten, then a little longer to see that none comes twice.
    await waitFor("the digest's ten replies", async () => (repliesTo().length >= 10 ? true : undefined), 60_000, 200);
    await new Promise((r) => setTimeout(r, 500));
    const replies = repliesTo();
    const limited = (await metric('chatops_slack_api_errors_total', { method: 'chat.postMessage', error: 'ratelimited' })) - before;
    figures.push(`Slack 429 ×2 (Retry-After 1 s): digest posted with ${replies.length} replies; ratelimited counted ${limited}`);
    expect(limited).toBe(2);
    expect(replies.length).toBe(10);
    await stillServing();
  });

  it('keeps running on invalid_auth, counts it, and raises ChatOpsSlackApiErrors for it', async () => {
    sandbox.slack.failNext('chat.postMessage', 'invalid_auth', 1_000);
    try {
      const errors = await waitFor(
        'invalid_auth counted twice',
        async () => {
          const value = await metric('chatops_slack_api_errors_total', { method: 'chat.postMessage', error: 'invalid_auth' });
          return value >= 2 ? value : undefined;
        },
        60_000,
        500,
      );
      const state = await waitFor(
        'ChatOpsSlackApiErrors{error="invalid_auth"} in Prometheus',
        () => alert('ChatOpsSlackApiErrors', { method: 'chat.postMessage', error: 'invalid_auth' }),
        60_000,
        1_000,
      );
      // invalid_auth is not retried: each cycle makes one call and gives up.
      const attempts = sandbox.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.response.error === 'invalid_auth').length;
      const failedCycles = await metric('chatops_reminder_cycles_total', { schedule: 'faults', outcome: 'failure' });
      figures.push(
        `Slack invalid_auth: ${errors} errors counted over ${attempts} attempts, ChatOpsSlackApiErrors ${state}; failed cycles so far ${failedCycles}`,
      );
      expect(state).toBe('firing');
      await stillServing();
    } finally {
      sandbox.slack.failNext('chat.postMessage', 'invalid_auth', 0);
    }
  });
});

function byPath(requests: { path: string; at: number }[]): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const r of requests) times.set(r.path, [...(times.get(r.path) ?? []), r.at]);
  return times.size > 0 ? times : new Map([['', []]]);
}

/**
 * The tries at one URL grouped into retry chains: with retryBaseDelayMs 1000 the GitHub client
 * waits (n + 1)² s before retry n + 1 (1 s, 4 s, 9 s...), so a try 1 s, 4 s or 9 s (±750 ms)
 * after a chain's last one continues that chain; anything else starts a new one.
 */
function retryChains(times: number[]): number[][] {
  const chains: number[][] = [];
  for (const at of [...times].sort((a, b) => a - b)) {
    const chain = chains.find((c) => Math.abs(at - (c.at(-1) ?? 0) - c.length ** 2 * 1000) <= 750);
    if (chain) chain.push(at);
    else chains.push([at]);
  }
  return chains.length > 0 ? chains : [[]];
}
