// The GitHub source against the GitHub fake over real HTTP(S): pagination, ETag/304 at zero
// rate-limit cost, archived repos, partial snapshots, rate limits, bad tokens, custom CA.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubSource, type GitHubSource, type GitHubSourceOptions } from '../../app/src/github/source.ts';
import { createMetrics, type AppMetrics } from '../../app/src/metrics.ts';
import { startGitHubFake, type GitHubFake } from '../fakes/github.ts';
import { createTestCertificates, type TestCertificates } from '../support/test-certificates.ts';

const silent = pino({ level: 'silent' });
const hour = 3_600_000;

async function counter(metrics: AppMetrics, status: string): Promise<number> {
  const metric = await metrics.githubRequests.get();
  return metric.values.find((v) => v.labels.status === status)?.value ?? 0;
}

async function gauge(g: AppMetrics['githubRateLimitRemaining']): Promise<number | undefined> {
  return (await g.get()).values[0]?.value;
}

describe('GitHub source', () => {
  let github: GitHubFake;
  const sources: GitHubSource[] = [];

  function source(overrides: Partial<GitHubSourceOptions> = {}): { source: GitHubSource; metrics: AppMetrics } {
    const metrics = createMetrics({ defaultMetrics: false });
    const created = createGitHubSource({
      baseUrl: github.url,
      token: github.token,
      concurrency: 8,
      requestTimeoutMs: 10_000,
      metrics,
      logger: silent,
      retryBaseDelayMs: 50,
      ...overrides,
    });
    sources.push(created);
    return { source: created, metrics };
  }

  beforeAll(async () => {
    github = await startGitHubFake();
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
  });
  afterAll(() => github.close());

  it('reads every page of open pull requests, with requested reviewers and the latest review per reviewer', async () => {
    github.addRepository('pages/big');
    const base = Date.UTC(2026, 0, 1);
    for (let i = 1; i <= 230; i += 1) {
      github.addPullRequest('pages/big', { title: `change ${i}`, user: 'alice', created_at: new Date(base + i * hour).toISOString() });
    }
    github.closePullRequest('pages/big', 5);
    github.updatePullRequest('pages/big', 7, { draft: true, labels: ['wip'], requested_reviewers: ['bob', 'carol'], requested_teams: ['core'] });
    github.addReview('pages/big', 7, { user: 'bob', state: 'APPROVED', submitted_at: '2026-02-01T00:00:00Z' });
    github.addReview('pages/big', 7, { user: 'bob', state: 'COMMENTED', submitted_at: '2026-02-02T00:00:00Z' });
    github.addReview('pages/big', 7, { user: 'dave', state: 'CHANGES_REQUESTED', submitted_at: '2026-02-03T00:00:00Z' });

    const { source: s } = source();
    const snapshot = await s.fetchOpenPullRequests(['pages/big'], []);

    expect(snapshot.failedRepositories).toEqual([]);
    expect(snapshot.pullRequests).toHaveLength(229);
    expect(snapshot.pullRequests.some((pr) => pr.number === 5)).toBe(false);
    const pr7 = snapshot.pullRequests.find((pr) => pr.number === 7);
    expect(pr7).toEqual({
      repository: 'pages/big',
      number: 7,
      title: 'change 7',
      url: 'https://github.test/pages/big/pull/7',
      author: 'alice',
      draft: true,
      labels: ['wip'],
      createdAt: new Date(base + 7 * hour).toISOString(),
      updatedAt: expect.any(String) as string,
      requestedReviewers: ['carol'],
      requestedTeams: ['pages/core'],
      reviews: [
        { login: 'bob', state: 'approved', submittedAt: '2026-02-01T00:00:00Z' },
        { login: 'dave', state: 'changes_requested', submittedAt: '2026-02-03T00:00:00Z' },
      ],
      reviewState: 'changes_requested',
    });
    const listPages = github.requests.filter((r) => /\/pulls\?/.test(r.path) && r.path.includes('state=open'));
    expect(listPages.map((r) => new URL(r.path, 'http://x').searchParams.get('page') ?? '1')).toEqual(['1', '2', '3']);
    expect(listPages.every((r) => r.path.includes('per_page=100'))).toBe(true);
  });

  it('costs only 304s and no rate-limit points on a warm cycle, and rereads reviews only of changed PRs', async () => {
    github.addRepository('warm/a');
    github.addRepository('warm/b');
    for (let i = 0; i < 3; i += 1) {
      github.addPullRequest('warm/a', { user: 'alice', requested_reviewers: ['bob'] });
      github.addPullRequest('warm/b', { user: 'bob' });
    }
    const { source: s, metrics } = source();
    const cold = await s.fetchOpenPullRequests(['warm/*'], []);
    expect(cold.pullRequests).toHaveLength(6);
    const coldRequests = github.requests.length;
    const before = github.rateLimit().remaining;

    const warm = await s.fetchOpenPullRequests(['warm/*'], []);
    const warmRequests = github.requests.slice(coldRequests);
    expect(warm.pullRequests).toEqual(cold.pullRequests);
    // the org listing and one list page per repo, all answered 304; no review requests at all
    expect(warmRequests.map((r) => r.status)).toEqual([304, 304, 304]);
    expect(warmRequests.every((r) => r.ifNoneMatch !== undefined)).toBe(true);
    expect(warmRequests.some((r) => r.path.includes('/reviews'))).toBe(false);
    expect(github.rateLimit().remaining).toBe(before);
    expect(await counter(metrics, '304')).toBe(3);
    expect(await gauge(metrics.githubRateLimitRemaining)).toBe(before);
    expect(await gauge(metrics.githubRateLimitLimit)).toBe(5000);

    github.addReview('warm/a', 2, { user: 'bob', state: 'APPROVED' });
    const changedStart = github.requests.length;
    const changed = await s.fetchOpenPullRequests(['warm/*'], []);
    const changedRequests = github.requests.slice(changedStart).map((r) => `${r.status} ${r.path.replace(/\?.*/, '')}`);
    expect(changedRequests.sort()).toEqual([
      '200 /repos/warm/a/pulls',
      '200 /repos/warm/a/pulls/2/reviews',
      '304 /orgs/warm/repos',
      '304 /repos/warm/b/pulls',
    ]);
    const pr2 = changed.pullRequests.find((pr) => pr.repository === 'warm/a' && pr.number === 2);
    expect(pr2?.reviewState).toBe('approved');
    expect(pr2?.requestedReviewers).toEqual([]);
  });

  it('expands owner/* to non-archived repositories minus exclude globs, for organisations and users', async () => {
    github.addRepository('expand/api');
    github.addRepository('expand/web');
    github.addRepository('expand/legacy-one');
    github.addRepository('expand/attic', { archived: true });
    github.addRepository('solo/tool', { ownerType: 'User' });
    for (const repo of ['expand/api', 'expand/web', 'expand/legacy-one', 'expand/attic', 'solo/tool']) {
      github.addPullRequest(repo, { title: `in ${repo}` });
    }
    const { source: s } = source();
    const snapshot = await s.fetchOpenPullRequests(['expand/*', 'solo/*', 'expand/api'], ['expand/legacy-*']);
    expect(snapshot.failedRepositories).toEqual([]);
    expect(snapshot.pullRequests.map((pr) => pr.repository).sort()).toEqual(['expand/api', 'expand/web', 'solo/tool']);
  });

  it('returns a partial snapshot when one repository keeps failing, and recovers from a single 5xx by retrying', async () => {
    github.addRepository('partial/good');
    github.addRepository('partial/broken');
    github.addRepository('partial/flaky');
    for (const repo of ['partial/good', 'partial/broken', 'partial/flaky']) github.addPullRequest(repo, { title: repo });
    github.failRepository('partial/broken', 502);
    github.failRepository('partial/flaky', 503, 1);
    const { source: s, metrics } = source();
    const snapshot = await s.fetchOpenPullRequests(['partial/*'], []);
    expect(snapshot.pullRequests.map((pr) => pr.repository).sort()).toEqual(['partial/flaky', 'partial/good']);
    expect(snapshot.failedRepositories).toEqual([{ repository: 'partial/broken', reason: 'HTTP 502: Server Error' }]);
    expect(await gauge(metrics.githubRepositoriesFailed)).toBe(1);
    expect(await counter(metrics, '502')).toBe(3); // first try and two retries
    expect(await counter(metrics, '503')).toBe(1);
    github.failRepository('partial/broken', 502, 0);
  });

  it('reports a missing repository without sinking the cycle', async () => {
    github.addRepository('missing/here');
    github.addPullRequest('missing/here');
    const { source: s } = source();
    const snapshot = await s.fetchOpenPullRequests(['missing/here', 'missing/gone', 'nobody-owns/*'], []);
    expect(snapshot.pullRequests).toHaveLength(1);
    expect(snapshot.failedRepositories).toEqual([
      { repository: 'missing/gone', reason: 'HTTP 404: Not Found (does the repository exist, and may the token read it?)' },
      { repository: 'nobody-owns/*', reason: 'HTTP 404: Not Found (does the repository exist, and may the token read it?)' },
    ]);
  });

  for (const status of [403, 429] as const) {
    it(`waits for the primary rate limit to reset after a ${status} with x-ratelimit-remaining 0`, async () => {
      const repo = `limited${status}/repo`;
      github.addRepository(repo);
      github.addPullRequest(repo, { title: 'after the reset' });
      const reset = Math.floor(Date.now() / 1000) + 1;
      github.setRateLimit({ limit: 5000, remaining: 0, resetEpochSeconds: reset, status });
      const { source: s, metrics } = source();
      const started = Date.now();
      const snapshot = await s.fetchOpenPullRequests([repo], []);
      expect(snapshot.failedRepositories).toEqual([]);
      expect(snapshot.pullRequests.map((pr) => pr.title)).toEqual(['after the reset']);
      expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(await counter(metrics, String(status))).toBe(1);
    });
  }

  it('gives up on a rate limit that resets later than it is willing to wait, and says when it resets', async () => {
    github.addRepository('patience/repo');
    github.addPullRequest('patience/repo');
    const reset = Math.floor(Date.now() / 1000) + 3600;
    github.setRateLimit({ limit: 60, remaining: 0, resetEpochSeconds: reset });
    const { source: s } = source({ maxRateLimitWaitSeconds: 5 });
    const snapshot = await s.fetchOpenPullRequests(['patience/repo'], []);
    github.setRateLimit({ limit: 5000, remaining: 5000, resetEpochSeconds: reset });
    expect(snapshot.pullRequests).toEqual([]);
    expect(snapshot.failedRepositories).toHaveLength(1);
    expect(snapshot.failedRepositories[0]?.reason).toMatch(/^HTTP 403: API rate limit exceeded/);
    expect(snapshot.failedRepositories[0]?.reason).toContain(`rate limit resets at ${new Date(reset * 1000).toISOString()}`);
  });

  it('honours Retry-After on a secondary rate limit', async () => {
    github.addRepository('secondary/repo');
    github.addPullRequest('secondary/repo', { title: 'eventually' });
    github.secondaryRateLimitNext(1, 1, 403);
    const { source: s } = source();
    const started = Date.now();
    const snapshot = await s.fetchOpenPullRequests(['secondary/repo'], []);
    expect(snapshot.pullRequests.map((pr) => pr.title)).toEqual(['eventually']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('rejects a bad token in checkReachable and never puts the token in a reason', async () => {
    github.addRepository('auth/repo');
    const token = 'ghp_thisIsNotTheRightTokenAtAll1234567890';
    const { source: s, metrics } = source({ token });
    await expect(s.checkReachable()).rejects.toThrow(/HTTP 401: Bad credentials \(check githubToken in secrets.yml\)/);
    const snapshot = await s.fetchOpenPullRequests(['auth/repo'], []);
    expect(snapshot.failedRepositories).toEqual([
      { repository: 'auth/repo', reason: 'HTTP 401: Bad credentials (check githubToken in secrets.yml)' },
    ]);
    expect(JSON.stringify(snapshot)).not.toContain(token);
    expect(await counter(metrics, '401')).toBe(2);
    const { source: good } = source();
    await expect(good.checkReachable()).resolves.toBeUndefined();
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    for (let r = 0; r < 12; r += 1) {
      github.addRepository(`bounded/r${r}`);
      for (let p = 0; p < 3; p += 1) github.addPullRequest(`bounded/r${r}`);
    }
    github.setLatency(100);
    github.resetMaxInFlight();
    try {
      const { source: s } = source({ concurrency: 3 });
      const snapshot = await s.fetchOpenPullRequests(['bounded/*'], []);
      expect(snapshot.pullRequests).toHaveLength(36);
      expect(github.maxInFlight()).toBe(3);
    } finally {
      github.setLatency(0);
    }
  });

  it('names the timeout when GitHub is too slow', async () => {
    github.addRepository('slow/repo');
    github.setLatency(1500);
    try {
      const { source: s, metrics } = source({ requestTimeoutMs: 300, retries: 0 });
      const snapshot = await s.fetchOpenPullRequests(['slow/repo'], []);
      expect(snapshot.failedRepositories).toEqual([
        { repository: 'slow/repo', reason: 'GitHub did not answer within 300 ms (github.requestTimeoutMs)' },
      ]);
      expect(await counter(metrics, 'error')).toBe(1);
    } finally {
      github.setLatency(0);
    }
  });
});

describe('GitHub source against a GitHub Enterprise style base URL', () => {
  it('reads every page under /api/v3 and follows Link headers that keep the prefix', async () => {
    const enterprise = await startGitHubFake({ pathPrefix: '/api/v3' });
    try {
      enterprise.addRepository('ghe/repo');
      for (let i = 0; i < 120; i += 1) enterprise.addPullRequest('ghe/repo');
      expect(enterprise.url).toMatch(/\/api\/v3$/);
      const s = createGitHubSource({
        baseUrl: `${enterprise.url}/`,
        token: enterprise.token,
        concurrency: 4,
        requestTimeoutMs: 10_000,
        metrics: createMetrics({ defaultMetrics: false }),
        logger: silent,
      });
      const snapshot = await s.fetchOpenPullRequests(['ghe/*'], []);
      await s.close();
      expect(snapshot.failedRepositories).toEqual([]);
      expect(snapshot.pullRequests).toHaveLength(120);
      expect(enterprise.requests.every((r) => r.path.startsWith('/api/v3/') && r.status === 200)).toBe(true);
    } finally {
      await enterprise.close();
    }
  });
});

describe('GitHub source over TLS with a private CA', () => {
  let certificates: TestCertificates;
  let github: GitHubFake;

  beforeAll(async () => {
    certificates = await createTestCertificates();
    github = await startGitHubFake({ tls: { cert: certificates.cert, key: certificates.key } });
    github.addRepository('tls/repo');
    github.addPullRequest('tls/repo', { title: 'over TLS' });
  });
  afterAll(async () => {
    await github.close();
    await certificates.remove();
  });

  it('trusts the CA given in caFile and refuses the server without it', async () => {
    const options = {
      baseUrl: github.url,
      token: github.token,
      concurrency: 2,
      requestTimeoutMs: 10_000,
      logger: silent,
      retries: 0,
    };
    const trusting = createGitHubSource({ ...options, metrics: createMetrics({ defaultMetrics: false }), caFile: certificates.caFile });
    const snapshot = await trusting.fetchOpenPullRequests(['tls/repo'], []);
    expect(snapshot.pullRequests.map((pr) => pr.title)).toEqual(['over TLS']);
    await trusting.close();

    const doubting = createGitHubSource({ ...options, metrics: createMetrics({ defaultMetrics: false }) });
    await expect(doubting.checkReachable()).rejects.toThrow(/not reachable: network error: .*(certificate|UNABLE_TO_VERIFY|SELF_SIGNED)/i);
    await doubting.close();
    expect(() => createGitHubSource({ ...options, metrics: createMetrics({ defaultMetrics: false }), caFile: '/nonexistent/ca.pem' })).toThrow(
      'github.caFile: cannot read /nonexistent/ca.pem (ENOENT); point it at a PEM CA bundle',
    );
  });
});
