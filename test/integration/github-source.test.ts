// The GitHub source against the GitHub fake over real HTTP(S): pagination, ETag/304 at zero
// rate-limit cost, reviews in GraphQL batches, archived repos, partial snapshots, rate limits, bad
// tokens, custom CA.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubSource, type GitHubSource, type GitHubSourceOptions } from '../../app/src/github/source.ts';
import { latestReviewPerReviewer } from '../../app/src/github/reviews.ts';
import { renderDigest } from '../../app/src/core/render.ts';
import { selectPullRequests, UserDirectory } from '../../app/src/core/select.ts';
import type { PullRequest } from '../../app/src/core/types.ts';
import { createMetrics, type AppMetrics } from '../../app/src/metrics.ts';
import { generateAppKeyPair, startGitHubFake, type GitHubFake, type RecordedRequest } from '../../sandbox/github.ts';
import { filters } from '../unit/core/builders.ts';
import { createTestCertificates, type TestCertificates } from '../support/test-certificates.ts';

const silent = pino({ level: 'silent' });
const hour = 3_600_000;

async function counter(metrics: AppMetrics, status: string, api = 'rest'): Promise<number> {
  const metric = await metrics.githubRequests.get();
  return metric.values.find((v) => v.labels.status === status && v.labels.api === api)?.value ?? 0;
}

async function gauge(g: AppMetrics['githubRateLimitRemaining'] | AppMetrics['githubRepositoriesFailed'], resource = 'core'): Promise<number | undefined> {
  const values = (await g.get()).values as { labels: { resource?: string }; value: number }[];
  return values.find((v) => v.labels.resource === undefined || v.labels.resource === resource)?.value;
}

const isGraphql = (r: RecordedRequest): boolean => r.path.endsWith('/graphql');

/** A source against `github` with fresh metrics, remembered in `sources` to be closed after the test. */
function sourceFor(github: GitHubFake, sources: GitHubSource[], overrides: Partial<GitHubSourceOptions> = {}): { source: GitHubSource; metrics: AppMetrics } {
  const metrics = createMetrics({ defaultMetrics: false });
  const created = createGitHubSource({
    baseUrl: github.url,
    auth: { kind: 'token' as const, token: github.token },
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

describe('GitHub source', () => {
  let github: GitHubFake;
  const sources: GitHubSource[] = [];

  const source = (overrides: Partial<GitHubSourceOptions> = {}) => sourceFor(github, sources, overrides);

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
      createdAt: '2026-01-01T07:00:00Z', // GitHub serves whole seconds and the source passes the text through
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
    expect(changedRequests.sort()).toEqual(['200 /graphql', '200 /repos/warm/a/pulls', '304 /orgs/warm/repos', '304 /repos/warm/b/pulls']);
    expect(github.requests.slice(changedStart).find(isGraphql)?.graphql).toEqual({ aliases: 1, cost: 1 });
    const pr2 = changed.pullRequests.find((pr) => pr.repository === 'warm/a' && pr.number === 2);
    expect(pr2?.reviewState).toBe('approved');
    expect(pr2?.requestedReviewers).toEqual([]);
  });

  it('looks up the merge time of PRs that left the open list in one page of closed PRs, and not again on the warm cycle after', async () => {
    github.addRepository('merges/a');
    for (let i = 0; i < 4; i += 1) github.addPullRequest('merges/a', { user: 'alice' });
    const { source: s } = source();
    const cold = await s.fetchOpenPullRequests(['merges/a'], []);
    expect(cold.closedPullRequests).toEqual([]);

    github.closePullRequest('merges/a', 2, { merged: true });
    github.closePullRequest('merges/a', 3);
    const start = github.requests.length;
    const after = await s.fetchOpenPullRequests(['merges/a'], []);
    const requests = github.requests.slice(start).map((r) => `${r.status} ${r.path}`);
    expect(requests).toEqual([
      '200 /repos/merges/a/pulls?state=open&per_page=100',
      '200 /repos/merges/a/pulls?state=closed&sort=updated&direction=desc&per_page=100',
    ]);
    expect(after.pullRequests.map((pr) => pr.number).sort()).toEqual([1, 4]);
    expect(after.closedPullRequests).toEqual([
      { repository: 'merges/a', number: 3, mergedAt: null },
      { repository: 'merges/a', number: 2, mergedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string },
    ]);

    // Nothing left since: one 304, no closed read, no rate-limit point.
    const remaining = github.rateLimit().remaining;
    const warmStart = github.requests.length;
    const warm = await s.fetchOpenPullRequests(['merges/a'], []);
    expect(github.requests.slice(warmStart).map((r) => `${r.status} ${r.path}`)).toEqual(['304 /repos/merges/a/pulls?state=open&per_page=100']);
    expect(warm.closedPullRequests).toEqual([]);
    expect(github.rateLimit().remaining).toBe(remaining);
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
      // At least a second ahead: floor(now) + 1 can be a few milliseconds away.
      const reset = Math.ceil((Date.now() + 1000) / 1000);
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
    const { source: s, metrics } = source({ auth: { kind: 'token', token } });
    await expect(s.checkReachable()).rejects.toThrow(/HTTP 401: Bad credentials \(check githubToken in secrets.yml\)/);
    const snapshot = await s.fetchOpenPullRequests(['auth/repo'], []);
    expect(snapshot.failedRepositories).toEqual([{ repository: 'auth/repo', reason: 'HTTP 401: Bad credentials (check githubToken in secrets.yml)' }]);
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
      expect(snapshot.failedRepositories).toEqual([{ repository: 'slow/repo', reason: 'GitHub did not answer within 300 ms (github.requestTimeoutMs)' }]);
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
        auth: { kind: 'token' as const, token: enterprise.token },
        concurrency: 4,
        requestTimeoutMs: 10_000,
        metrics: createMetrics({ defaultMetrics: false }),
        logger: silent,
      });
      const snapshot = await s.fetchOpenPullRequests(['ghe/*'], []);
      await s.close();
      expect(snapshot.failedRepositories).toEqual([]);
      expect(snapshot.pullRequests).toHaveLength(120);
      expect(enterprise.requests.every((r) => r.status === 200)).toBe(true);
      // REST under /api/v3, GraphQL (the reviews of the 120 PRs, 50 per query) at /api/graphql.
      expect(enterprise.requests.filter((r) => !r.path.startsWith('/api/v3/')).map((r) => r.path)).toEqual(['/api/graphql', '/api/graphql', '/api/graphql']);
    } finally {
      await enterprise.close();
    }
  });
});

describe('GitHub source on GitHub App authentication', () => {
  it('reads through installation tokens under a GitHub Enterprise base URL, ETags and 304s included', async () => {
    const enterprise = await startGitHubFake({ pathPrefix: '/api/v3' });
    try {
      const keys = generateAppKeyPair();
      enterprise.addApp({ id: 99, publicKey: keys.publicKey, slug: 'chatops-ghe' });
      enterprise.addInstallation({ id: 990, appId: 99, account: 'ghe' });
      enterprise.addRepository('ghe/repo');
      enterprise.addPullRequest('ghe/repo', { title: 'by the app' });
      const metrics = createMetrics({ defaultMetrics: false });
      const s = createGitHubSource({
        baseUrl: enterprise.url,
        auth: { kind: 'app', appId: 99, installationId: 990, privateKey: keys.privateKey },
        concurrency: 4,
        requestTimeoutMs: 10_000,
        metrics,
        logger: silent,
      });
      await s.checkReachable();
      expect((await s.fetchOpenPullRequests(['ghe/*'], [])).pullRequests.map((pr) => pr.title)).toEqual(['by the app']);
      const start = enterprise.requests.length;
      expect((await s.fetchOpenPullRequests(['ghe/*'], [])).pullRequests.map((pr) => pr.title)).toEqual(['by the app']);
      await s.close();
      expect(enterprise.requests.slice(start).map((r) => `${r.status} ${r.path.split('?')[0]}`)).toEqual([
        '304 /api/v3/orgs/ghe/repos',
        '304 /api/v3/repos/ghe/repo/pulls',
      ]);
      expect(enterprise.requests.filter((r) => r.path.endsWith('/access_tokens')).map((r) => `${r.method} ${r.status} ${r.path}`)).toEqual([
        'POST 201 /api/v3/app/installations/990/access_tokens',
      ]);
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
      auth: { kind: 'token' as const, token: github.token },
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

describe('GitHub source reading reviews through GraphQL', () => {
  let github: GitHubFake;
  const sources: GitHubSource[] = [];
  const states = ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING'] as const;
  const people = ['alice', 'bob', 'carol', 'dave'];

  const source = (overrides: Partial<GitHubSourceOptions> = {}) => sourceFor(github, sources, overrides);

  /** Repositories `owner/r0..` with `prs` PRs each and a mix of reviews (every state, several reviewers). */
  function seed(owner: string, repos: number, prs: number): void {
    for (let r = 0; r < repos; r += 1) {
      const repo = `${owner}/r${r}`;
      github.addRepository(repo);
      for (let p = 0; p < prs; p += 1) {
        const number = github.addPullRequest(repo, { user: 'erin', requested_reviewers: ['alice', 'bob'] });
        const i = r * prs + p;
        for (let k = 0; k < i % 4; k += 1) {
          github.addReview(repo, number, {
            user: people[(i + k) % people.length] as string,
            state: states[(i + k * 3) % states.length] as (typeof states)[number],
            submitted_at: new Date(Date.UTC(2026, 1, 1, k, i % 60)).toISOString(),
          });
        }
      }
    }
  }

  /** What the REST path gives for the same PRs: every review listed, reduced per reviewer. */
  async function reviewsOverRest(prs: readonly PullRequest[]): Promise<Map<string, unknown>> {
    const octokit = new Octokit({ baseUrl: github.url, auth: github.token });
    const expected = new Map<string, unknown>();
    for (const pr of prs) {
      const [owner, repo] = pr.repository.split('/') as [string, string];
      const listed = await octokit.paginate(octokit.rest.pulls.listReviews, { owner, repo, pull_number: pr.number, per_page: 100 });
      expected.set(`${pr.repository}#${pr.number}`, latestReviewPerReviewer(listed));
    }
    return expected;
  }

  const since = (start: number): RecordedRequest[] => github.requests.slice(start);

  beforeEach(async () => {
    github = await startGitHubFake();
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await github.close();
  });

  it('reads the reviews of a cold cycle in ceil(PRs / batch size) GraphQL queries, with no REST review calls, agreeing with REST', async () => {
    seed('cold', 5, 7);
    const { source: s, metrics } = source({ reviewBatchSize: 10 });
    const snapshot = await s.fetchOpenPullRequests(['cold/*'], []);
    expect(snapshot.failedRepositories).toEqual([]);
    expect(snapshot.pullRequests).toHaveLength(35);

    const queries = github.requests.filter(isGraphql);
    expect(queries).toHaveLength(4); // ceil(35 / 10)
    expect(queries.map((q) => q.graphql?.aliases).sort()).toEqual([10, 10, 10, 5]);
    expect(queries.every((q) => q.method === 'POST' && q.status === 200)).toBe(true);
    expect(github.requests.some((r) => r.path.includes('/reviews'))).toBe(false);
    expect(github.rateLimit('graphql').used).toBe(4); // one point per query of at most 100 connections
    expect(await counter(metrics, '200', 'graphql')).toBe(4);
    expect(await gauge(metrics.githubRateLimitRemaining, 'graphql')).toBe(github.rateLimit('graphql').remaining);
    expect(await gauge(metrics.githubRateLimitRemaining, 'core')).toBe(github.rateLimit('core').remaining);

    const expected = await reviewsOverRest(snapshot.pullRequests);
    const actual = new Map(snapshot.pullRequests.map((pr) => [`${pr.repository}#${pr.number}`, pr.reviews]));
    expect(actual).toEqual(expected);
    // The seed has every state: what counts must include approvals, change requests and comments.
    const counted = new Set(snapshot.pullRequests.flatMap((pr) => pr.reviews.map((r) => r.state)));
    expect([...counted].sort()).toEqual(['approved', 'changes_requested', 'commented']);
  });

  it('makes no GraphQL request and spends no point of either budget on a warm cycle, and rereads only a PR whose review changed', async () => {
    seed('warm', 3, 4);
    const { source: s, metrics } = source();
    const cold = await s.fetchOpenPullRequests(['warm/*'], []);
    const start = github.requests.length;
    const core = github.rateLimit('core').remaining;
    const graph = github.rateLimit('graphql').remaining;

    const warm = await s.fetchOpenPullRequests(['warm/*'], []);
    expect(warm.pullRequests).toEqual(cold.pullRequests);
    expect(since(start).filter(isGraphql)).toEqual([]);
    expect(since(start).every((r) => r.status === 304)).toBe(true);
    expect(github.rateLimit('core').remaining).toBe(core);
    expect(github.rateLimit('graphql').remaining).toBe(graph);
    expect(await counter(metrics, '200', 'graphql')).toBe(1);

    // A new review moves the PR's updated_at: only that PR is read again, in one query of one alias.
    github.addReview('warm/r1', 2, { user: 'carol', state: 'CHANGES_REQUESTED' });
    const changedStart = github.requests.length;
    const changed = await s.fetchOpenPullRequests(['warm/*'], []);
    expect(
      since(changedStart)
        .filter(isGraphql)
        .map((r) => r.graphql),
    ).toEqual([{ aliases: 1, cost: 1 }]);
    const pr = changed.pullRequests.find((p) => p.repository === 'warm/r1' && p.number === 2);
    expect(pr?.reviewState).toBe('changes_requested');
    expect(pr?.reviews.find((r) => r.login === 'carol')?.state).toBe('changes_requested');
    expect(changed.pullRequests.filter((p) => p !== pr)).toEqual(cold.pullRequests.filter((p) => !(p.repository === 'warm/r1' && p.number === 2)));
  });

  it('uses the partial data of a batch with a NOT_FOUND alias; the digest lists every PR, those of that repository with the review state unknown', async () => {
    seed('nf', 4, 3);
    // GraphQL cannot resolve nf/r2 (REST still lists it): GitHub answers 200 with data and a NOT_FOUND error.
    github.failRepository('nf/r2', 404, undefined, 'graphql');
    const { source: s } = source();
    const snapshot = await s.fetchOpenPullRequests(['nf/*'], []);

    const queries = github.requests.filter(isGraphql);
    expect(queries.map((q) => [q.status, q.graphql?.aliases])).toEqual([[200, 12]]);
    expect(snapshot.failedRepositories).toEqual([]);
    expect(snapshot.reviewsUnknown).toEqual([{ repository: 'nf/r2', reason: "GraphQL NOT_FOUND: Could not resolve to a Repository with the name 'nf/r2'." }]);
    expect([...new Set(snapshot.pullRequests.map((pr) => pr.repository))].sort()).toEqual(['nf/r0', 'nf/r1', 'nf/r2', 'nf/r3']);
    expect(snapshot.pullRequests).toHaveLength(12);
    const unknown = snapshot.pullRequests.filter((pr) => pr.repository === 'nf/r2');
    expect(unknown.map((pr) => [pr.reviewState, pr.reviews])).toEqual(Array(3).fill(['unknown', []]));
    const read = snapshot.pullRequests.filter((pr) => pr.repository !== 'nf/r2');
    const expected = await reviewsOverRest(read);
    expect(new Map(read.map((pr) => [`${pr.repository}#${pr.number}`, pr.reviews]))).toEqual(expected);

    const selected = selectPullRequests(snapshot.pullRequests, filters(), new Date());
    const digest = renderDigest({
      scheduleName: 'nf',
      selected,
      failures: snapshot.failedRepositories,
      reviewsUnknown: snapshot.reviewsUnknown ?? [],
      directory: new UserDirectory([]),
      staleAfterDays: 14,
    });
    const parent = JSON.stringify(digest.parent);
    expect(parent).not.toContain('Could not read');
    expect(parent).toContain(
      ":grey_question: *Review state unknown* for the pull requests of nf/r2: GraphQL NOT_FOUND: Could not resolve to a Repository with the name 'nf/r2'.",
    );
    expect(digest.replies).toHaveLength(12);
    expect(digest.replies.filter((r) => JSON.stringify(r.message.blocks).includes(':grey_question: review state unknown'))).toHaveLength(3);

    // Nothing of nf/r2 was remembered: the next cycle asks for its reviews again.
    github.failRepository('nf/r2', 404, 0, 'graphql');
    const again = await s.fetchOpenPullRequests(['nf/*'], []);
    expect(again.reviewsUnknown).toEqual([]);
    expect(again.pullRequests.filter((pr) => pr.repository === 'nf/r2').every((pr) => pr.reviewState !== 'unknown')).toBe(true);
  });

  it('lists the PRs of a batch that keeps answering 5xx, after retrying it, with their review state unknown', async () => {
    seed('b5', 4, 2);
    github.failRepository('b5/r1', 502, undefined, 'graphql');
    const { source: s, metrics } = source({ reviewBatchSize: 2, reviewBatchConcurrency: 1 });
    const snapshot = await s.fetchOpenPullRequests(['b5/*'], []);
    // Two PRs per repository and per batch: the batch of b5/r1 holds nothing else.
    expect(snapshot.failedRepositories).toEqual([]);
    expect(snapshot.reviewsUnknown).toEqual([{ repository: 'b5/r1', reason: 'HTTP 502: Server Error' }]);
    expect(snapshot.pullRequests.filter((pr) => pr.reviewState === 'unknown').map((pr) => pr.repository)).toEqual(['b5/r1', 'b5/r1']);
    expect(snapshot.pullRequests).toHaveLength(8);
    expect(await counter(metrics, '502', 'graphql')).toBe(3); // first try and two retries
    expect(await counter(metrics, '200', 'graphql')).toBe(3);
    expect(await gauge(metrics.githubRepositoriesFailed)).toBe(0);

    // Once it recovers, the next cycle reads it (its PRs were never cached).
    github.failRepository('b5/r1', 502, 0, 'graphql');
    const again = await s.fetchOpenPullRequests(['b5/*'], []);
    expect(again.failedRepositories).toEqual([]);
    expect(again.reviewsUnknown).toEqual([]);
    expect(again.pullRequests).toHaveLength(8);
    expect(again.pullRequests.some((pr) => pr.reviewState === 'unknown')).toBe(false);
  });

  it('marks unknown the reviews of every repository that shares the failing batch, and none other', async () => {
    seed('mix', 4, 1);
    github.failRepository('mix/r3', 503, undefined, 'graphql');
    const { source: s } = source({ reviewBatchSize: 2, retries: 0 });
    const snapshot = await s.fetchOpenPullRequests(['mix/*'], []);
    expect(snapshot.failedRepositories).toEqual([]);
    const unknown = (snapshot.reviewsUnknown ?? []).map((f) => f.repository);
    expect(unknown).toHaveLength(2);
    expect(unknown).toContain('mix/r3');
    expect(snapshot.reviewsUnknown?.every((f) => f.reason === 'HTTP 503: Server Error')).toBe(true);
    expect(snapshot.pullRequests.map((pr) => pr.repository).sort()).toEqual(['mix/r0', 'mix/r1', 'mix/r2', 'mix/r3']);
    expect(
      snapshot.pullRequests
        .filter((pr) => pr.reviewState === 'unknown')
        .map((pr) => pr.repository)
        .sort(),
    ).toEqual([...unknown].sort());
  });

  it('lists every PR when the GraphQL endpoint itself answers 404 (an Enterprise server without it), one line saying why', async () => {
    seed('g404', 3, 2);
    // In front of the fake: every request passed through, except that POST /graphql is Not Found.
    const front = createServer((req, res) => {
      if (req.url?.startsWith('/graphql')) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }));
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const headers = Object.fromEntries(
          Object.entries(req.headers)
            .filter(([k]) => k !== 'host' && k !== 'connection')
            .map(([k, v]) => [k, String(v)]),
        );
        void fetch(`${github.url}${req.url ?? ''}`, {
          method: req.method ?? 'GET',
          headers,
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        }).then(async (answer) => {
          const answerHeaders = Object.fromEntries(
            [...answer.headers].filter(([k]) => k !== 'content-encoding' && k !== 'content-length' && k !== 'transfer-encoding'),
          );
          res.writeHead(answer.status, answerHeaders).end(Buffer.from(await answer.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const { source: s } = source({ baseUrl: `http://127.0.0.1:${(front.address() as AddressInfo).port}`, retries: 0 });
      const snapshot = await s.fetchOpenPullRequests(['g404/*'], []);
      expect(snapshot.failedRepositories).toEqual([]);
      expect(snapshot.pullRequests).toHaveLength(6);
      expect(snapshot.pullRequests.map((pr) => [pr.reviewState, pr.reviews])).toEqual(Array(6).fill(['unknown', []]));
      // who is still asked comes from the REST list, which was read
      expect(snapshot.pullRequests.filter((pr) => pr.requestedReviewers.length > 0)).not.toEqual([]);
      const selected = selectPullRequests(snapshot.pullRequests, filters(), new Date());
      const digest = renderDigest({
        scheduleName: 'g',
        selected,
        failures: snapshot.failedRepositories,
        reviewsUnknown: snapshot.reviewsUnknown ?? [],
        directory: new UserDirectory([]),
        staleAfterDays: 14,
      });
      const lines = digest.parent.flatMap((m) => m.blocks).flatMap((b) => (b.type === 'section' ? b.text.text.split('\n') : []));
      expect(lines.filter((l) => l.includes('Review state unknown'))).toEqual([
        ':grey_question: *Review state unknown* for the pull requests of g404/r0, g404/r1, g404/r2: HTTP 404: Not Found (does the repository exist, and may the token read it?)',
      ]);
      expect(digest.replies).toHaveLength(6);
    } finally {
      await new Promise((resolve) => front.close(resolve));
    }
  });

  it('completes a PR with more than 100 reviews from every page, like REST', async () => {
    github.addRepository('many/repo');
    const busy = github.addPullRequest('many/repo', { user: 'erin' });
    const quiet = github.addPullRequest('many/repo', { user: 'erin' });
    for (let i = 0; i < 230; i += 1) {
      github.addReview('many/repo', busy, {
        user: `reviewer${i % 40}`,
        state: states[i % 4] as (typeof states)[number],
        submitted_at: new Date(Date.UTC(2026, 1, 1, 0, 0, i)).toISOString(),
      });
    }
    // The last word of reviewer7 is after the first GraphQL page: an approval on page 3.
    github.addReview('many/repo', busy, { user: 'reviewer7', state: 'APPROVED', submitted_at: '2026-03-01T00:00:00Z' });
    github.addReview('many/repo', quiet, { user: 'bob', state: 'APPROVED', submitted_at: '2026-02-02T00:00:00Z' });
    const { source: s } = source();
    const snapshot = await s.fetchOpenPullRequests(['many/repo'], []);
    const made = [...github.requests];
    expect(snapshot.failedRepositories).toEqual([]);
    const expected = await reviewsOverRest(snapshot.pullRequests);
    const pr = snapshot.pullRequests.find((p) => p.number === busy);
    expect(pr?.reviews).toEqual(expected.get(`many/repo#${busy}`));
    // 40 reviewers, each always in the same state; the 10 only ever dismissed count for nothing, except reviewer7's late approval.
    expect(pr?.reviews).toHaveLength(31);
    expect(pr?.reviews.find((r) => r.login === 'reviewer7')).toEqual({ login: 'reviewer7', state: 'approved', submittedAt: '2026-03-01T00:00:00Z' });
    expect(snapshot.pullRequests.find((p) => p.number === quiet)?.reviews).toEqual([{ login: 'bob', state: 'approved', submittedAt: '2026-02-02T00:00:00Z' }]);
    // One query for both PRs, then the busy PR's reviews over REST: 231 reviews are 3 pages.
    expect(made.filter(isGraphql)).toHaveLength(1);
    const reviewPages = made.filter((r) => r.path.includes('/reviews')).map((r) => new URL(r.path, 'http://x').searchParams.get('page') ?? '1');
    expect(reviewPages).toEqual(['1', '2', '3']);
  });

  it('waits for the GraphQL budget to reset when GitHub answers RATE_LIMITED, leaving the REST budget alone', async () => {
    seed('limited', 1, 2);
    // At least a whole second ahead, so the budget is still spent when the first query arrives.
    const reset = Math.floor(Date.now() / 1000) + 2;
    github.setRateLimit({ limit: 5000, remaining: 0, resetEpochSeconds: reset }, 'graphql');
    const { source: s, metrics } = source();
    const snapshot = await s.fetchOpenPullRequests(['limited/*'], []);
    expect(snapshot.failedRepositories).toEqual([]);
    expect(snapshot.pullRequests).toHaveLength(2);
    expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000);
    // GitHub's GraphQL answers a spent budget with HTTP 200 and a RATE_LIMITED error.
    expect(github.requests.filter(isGraphql).map((r) => r.status)).toEqual([200, 200]);
    expect(await counter(metrics, '200', 'graphql')).toBe(2);
    expect(github.rateLimit('core').used).toBe(2); // the org listing and one PR list
  });

  it('names the GraphQL rate limit and its reset when it will not wait for it', async () => {
    seed('patient', 1, 1);
    const reset = Math.floor(Date.now() / 1000) + 3600;
    github.setRateLimit({ limit: 5000, remaining: 0, resetEpochSeconds: reset }, 'graphql');
    const { source: s } = source({ maxRateLimitWaitSeconds: 5 });
    const snapshot = await s.fetchOpenPullRequests(['patient/*'], []);
    expect(snapshot.failedRepositories).toEqual([]);
    expect(snapshot.pullRequests.map((pr) => pr.reviewState)).toEqual(['unknown']);
    expect(snapshot.reviewsUnknown).toHaveLength(1);
    expect(snapshot.reviewsUnknown?.[0]?.reason).toMatch(/^GraphQL RATE_LIMITED: API rate limit exceeded for user ID \d+\. \(rate limit resets at /);
    expect(snapshot.reviewsUnknown?.[0]?.reason).toContain(new Date(reset * 1000).toISOString());
  });

  it('gives back the same pull requests for a repository whose list pages all answered 304, and rebuilds one whose list changed', async () => {
    seed('same', 3, 2);
    const { source: s } = source();
    const cold = await s.fetchOpenPullRequests(['same/*'], []);
    const warm = await s.fetchOpenPullRequests(['same/*'], []);
    expect(warm.pullRequests).toHaveLength(6);
    warm.pullRequests.forEach((pr, i) => expect(pr).toBe(cold.pullRequests[i]));

    github.addReview('same/r1', 2, { user: 'dave', state: 'APPROVED' });
    const start = github.requests.length;
    const changed = await s.fetchOpenPullRequests(['same/*'], []);
    expect(
      since(start)
        .map((r) => `${r.status} ${r.path.replace(/\?.*/, '')}`)
        .sort(),
    ).toEqual(['200 /graphql', '200 /repos/same/r1/pulls', '304 /orgs/same/repos', '304 /repos/same/r0/pulls', '304 /repos/same/r2/pulls']);
    const byKey = (snapshot: typeof cold) => new Map(snapshot.pullRequests.map((pr) => [`${pr.repository}#${pr.number}`, pr]));
    const before = byKey(warm);
    const after = byKey(changed);
    expect(after.get('same/r1#2')?.reviews.find((r) => r.login === 'dave')?.state).toBe('approved');
    expect(after.get('same/r1#2')).not.toBe(before.get('same/r1#2'));
    expect(after.get('same/r0#1')).toBe(before.get('same/r0#1'));
    expect(after.get('same/r2#2')).toBe(before.get('same/r2#2'));
  });

  it('rebuilds a repository when one page of its list changed and the other answered 304', async () => {
    github.addRepository('paged/big');
    for (let i = 0; i < 120; i += 1) github.addPullRequest('paged/big', { user: 'erin', created_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() });
    const { source: s } = source();
    await s.fetchOpenPullRequests(['paged/big'], []);
    github.updatePullRequest('paged/big', 1, { title: 'renamed on the last page' });
    const start = github.requests.length;
    const snapshot = await s.fetchOpenPullRequests(['paged/big'], []);
    expect(
      since(start)
        .filter((r) => !isGraphql(r))
        .map((r) => r.status)
        .sort(),
    ).toEqual([200, 304]);
    expect(snapshot.pullRequests).toHaveLength(120);
    expect(snapshot.pullRequests.find((pr) => pr.number === 1)?.title).toBe('renamed on the last page');
  });

  it('rereads the reviews of a repository whose last read failed, though its list now answers 304', async () => {
    seed('heal', 2, 2);
    const { source: s } = source({ retries: 0 });
    await s.fetchOpenPullRequests(['heal/*'], []);
    // The list changes (a new review moves updated_at), but reading that review fails.
    github.addReview('heal/r0', 1, { user: 'carol', state: 'CHANGES_REQUESTED' });
    github.failRepository('heal/r0', 502, undefined, 'graphql');
    const failed = await s.fetchOpenPullRequests(['heal/*'], []);
    expect(failed.reviewsUnknown?.map((f) => f.repository)).toEqual(['heal/r0']);
    // the PR that changed is unknown; the one that did not keeps the reviews read before
    expect(
      failed.pullRequests
        .filter((p) => p.repository === 'heal/r0')
        .map((p) => [p.number, p.reviewState === 'unknown'])
        .sort(),
    ).toEqual([
      [1, true],
      [2, false],
    ]);

    github.failRepository('heal/r0', 502, 0, 'graphql');
    const start = github.requests.length;
    const healed = await s.fetchOpenPullRequests(['heal/*'], []);
    expect(since(start).find((r) => r.path.startsWith('/repos/heal/r0/pulls'))?.status).toBe(304);
    expect(
      since(start)
        .filter(isGraphql)
        .map((r) => r.graphql),
    ).toEqual([{ aliases: 1, cost: 1 }]);
    expect(healed.failedRepositories).toEqual([]);
    const pr = healed.pullRequests.find((p) => p.repository === 'heal/r0' && p.number === 1);
    expect(pr?.reviewState).toBe('changes_requested');
  });

  it('logs a conditional hit (304) at debug level, never as an error', async () => {
    seed('quiet', 2, 1);
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
    const { source: s } = source({ logger });
    await s.fetchOpenPullRequests(['quiet/*'], []);
    await s.fetchOpenPullRequests(['quiet/*'], []);
    const notModified = lines.filter((l) => / - 304 with id /.test(l.msg));
    expect(notModified).toHaveLength(3); // the org listing and two PR lists
    expect(notModified.every((l) => l.level === 20)).toBe(true);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('logs a failed request once as an error, after the retries below Octokit, in its request-log words; no line for a conditional hit above debug', async () => {
    seed('loud', 2, 1);
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
    const { source: s } = source({ logger, retries: 1, retryBaseDelayMs: 1 });
    await s.fetchOpenPullRequests(['loud/*'], []);
    github.failRepository('loud/r1', 502, 2);
    const snapshot = await s.fetchOpenPullRequests(['loud/*'], []);
    expect(snapshot.failedRepositories.map((f) => f.repository)).toEqual(['loud/r1']);
    const failed = lines.filter((l) => l.level === 50).map((l) => l.msg);
    expect(failed).toHaveLength(1);
    for (const line of failed) expect(line).toMatch(/^GET \/repos\/loud\/r1\/pulls\?state=open&per_page=100 - 502 with id [0-9A-F-]+ in \d+ms$/);
    expect(lines.filter((l) => / - 304 with id /.test(l.msg))).toEqual([]);
  });

  it('lists the PRs of a GraphQL query that times out with their review state unknown, not failing the cycle', async () => {
    seed('slowq', 3, 1);
    github.setLatency(600, 'graphql');
    try {
      const { source: s, metrics } = source({ requestTimeoutMs: 400, retries: 0, reviewBatchSize: 2 });
      const snapshot = await s.fetchOpenPullRequests(['slowq/*'], []);
      expect(snapshot.failedRepositories).toEqual([]);
      expect(snapshot.reviewsUnknown?.map((f) => f.repository)).toEqual(['slowq/r0', 'slowq/r1', 'slowq/r2']);
      expect(new Set(snapshot.reviewsUnknown?.map((f) => f.reason))).toEqual(new Set(['GitHub did not answer within 400 ms (github.requestTimeoutMs)']));
      expect(snapshot.pullRequests.map((pr) => pr.reviewState)).toEqual(['unknown', 'unknown', 'unknown']);
      expect(await counter(metrics, 'error', 'graphql')).toBe(2);
      expect(await counter(metrics, '200', 'rest')).toBe(4); // the org listing and three PR lists came back
    } finally {
      github.setLatency(0);
    }
  });
});
