// What the app relies on from @octokit/plugin-throttling beyond its documented options
// (app/src/github/client.ts replaces its `global`/`write` groups and `retryLimiter`; the plugin
// is pinned to an exact version for that): a rate-limited request is still retried after
// Retry-After through the per-request limiter, and requests are not serialised. An upgrade
// that changes how the plugin uses those objects fails here.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubSource, type GitHubSource, type GitHubSourceOptions } from '../../app/src/github/source.ts';
import { createMetrics } from '../../app/src/metrics.ts';
import { startGitHubFake, type GitHubFake } from '../../sandbox/github.ts';

describe('throttling through the per-request limiter and unlimited groups', () => {
  let github: GitHubFake;
  const sources: GitHubSource[] = [];
  const source = (overrides: Partial<GitHubSourceOptions> = {}): GitHubSource => {
    const created = createGitHubSource({
      baseUrl: github.url,
      auth: { kind: 'token' as const, token: github.token },
      concurrency: 16,
      requestTimeoutMs: 10_000,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: pino({ level: 'silent' }),
      ...overrides,
    });
    sources.push(created);
    return created;
  };

  beforeAll(async () => {
    github = await startGitHubFake();
  });
  afterEach(async () => {
    github.setLatency(0);
    await Promise.all(sources.splice(0).map((s) => s.close()));
  });
  afterAll(() => github.close());

  it.each([403, 429] as const)('retries a secondary rate limit (HTTP %i) after its Retry-After', async (status) => {
    const name = `limited${status}/repo`;
    github.addRepository(name);
    github.addPullRequest(name, { title: 'after the wait' });
    github.secondaryRateLimitNext(1, 1, status);
    const started = Date.now();
    const snapshot = await source().fetchOpenPullRequests([name], []);
    expect(snapshot.failedRepositories).toEqual([]);
    expect(snapshot.pullRequests.map((pr) => pr.title)).toEqual(['after the wait']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const listed = github.requests.filter((r) => r.path.startsWith(`/repos/${name}/pulls`));
    expect(listed.map((r) => r.status)).toEqual([status, 200]);
  });

  it('keeps more list requests in flight than the plugin default group allows (10)', async () => {
    for (let r = 0; r < 14; r += 1) github.addRepository(`wide/r${r}`);
    github.setLatency(300, 'rest');
    github.resetMaxInFlight();
    const snapshot = await source({ concurrency: 14 }).fetchOpenPullRequests(['wide/r*'], []);
    expect(snapshot.failedRepositories).toEqual([]);
    expect(github.maxInFlight()).toBe(14);
  });

  it('sends GraphQL review queries side by side, not 1 s apart as the plugin write group would', async () => {
    for (let r = 0; r < 4; r += 1) {
      github.addRepository(`reviews/r${r}`);
      github.addPullRequest(`reviews/r${r}`);
    }
    github.setLatency(200, 'graphql');
    const before = github.requests.length;
    const started = Date.now();
    const snapshot = await source({ reviewBatchSize: 1, reviewBatchConcurrency: 4 }).fetchOpenPullRequests(['reviews/r*'], []);
    const elapsed = Date.now() - started;
    expect(snapshot.pullRequests).toHaveLength(4);
    const queries = github.requests.slice(before).filter((r) => r.path.endsWith('/graphql'));
    expect(queries).toHaveLength(4);
    // Serialised with the write group's 1 s spacing this takes over 3 s.
    expect(elapsed).toBeLessThan(2_000);
    expect(Math.max(...queries.map((q) => q.at)) - Math.min(...queries.map((q) => q.at))).toBeLessThan(500);
  });
});
