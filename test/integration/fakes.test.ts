// The fakes speak the wire protocols the real client libraries expect: checked through Octokit
// and @slack/web-api themselves, over plain HTTP and over TLS with our own CA.
import { createSign } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { WebClient, ErrorCode, type WebAPIPlatformError } from '@slack/web-api';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAppKeyPair, startGitHubFake, type AppKeyPair, type GitHubFake } from '../../sandbox/github.ts';
import { startSlackFake, type SlackFake } from '../../sandbox/slack.ts';
import { createTestCertificates, type TestCertificates } from '../support/test-certificates.ts';

describe('GitHub fake through Octokit', () => {
  let github: GitHubFake;
  let octokit: Octokit;

  beforeAll(async () => {
    github = await startGitHubFake();
    octokit = new Octokit({ baseUrl: github.url, auth: github.token });
    github.addRepository('acme/api');
    github.addRepository('acme/old', { archived: true });
    for (let i = 0; i < 250; i += 1) {
      github.addPullRequest('acme/api', { title: `change ${i}`, user: 'alice', created_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() });
    }
    github.addPullRequest('acme/api', { number: 900, title: 'reviewed', requested_reviewers: ['bob', 'carol'], requested_teams: ['core'] });
    github.addReview('acme/api', 900, { user: 'bob', state: 'CHANGES_REQUESTED', submitted_at: '2026-02-01T00:00:00Z' });
  });
  afterAll(() => github.close());

  it('paginates open pull requests with Link headers, 100 per page at most', async () => {
    const pulls = await octokit.paginate(octokit.rest.pulls.list, { owner: 'acme', repo: 'api', state: 'open', per_page: 100 });
    expect(pulls).toHaveLength(251);
    expect(new Set(pulls.map((p) => p.number)).size).toBe(251);
    const listed = github.requests.filter((r) => r.path.includes('/pulls?'));
    expect(listed.map((r) => r.path.replace(/\/repositories\/\d+/, '/repositories/ID'))).toEqual([
      '/repos/acme/api/pulls?state=open&per_page=100',
      '/repositories/ID/pulls?state=open&per_page=100&page=2',
      '/repositories/ID/pulls?state=open&per_page=100&page=3',
    ]);
  });

  it('clamps per_page to 100', async () => {
    const response = await octokit.rest.pulls.list({ owner: 'acme', repo: 'api', per_page: 500 });
    expect(response.data).toHaveLength(100);
    expect(response.headers.link).toContain('rel="last"');
    expect(response.headers.link).toContain('page=3');
  });

  it('fulfils the review request when a review is submitted and lists the review', async () => {
    const pr = await octokit.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: 900 });
    expect(pr.data.requested_reviewers?.map((u) => u.login)).toEqual(['carol']);
    expect(pr.data.requested_teams?.map((t) => t.slug)).toEqual(['core']);
    const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { owner: 'acme', repo: 'api', pull_number: 900 });
    expect(reviews.map((r) => [r.user?.login, r.state, r.submitted_at])).toEqual([['bob', 'CHANGES_REQUESTED', '2026-02-01T00:00:00Z']]);
  });

  it('answers 304 to a matching If-None-Match without spending a rate-limit point', async () => {
    const first = await octokit.rest.repos.listForOrg({ org: 'acme', per_page: 100 });
    expect(first.data.map((r) => [r.full_name, r.archived])).toEqual([
      ['acme/old', true],
      ['acme/api', false],
    ]);
    const before = github.rateLimit().remaining;
    const error = await octokit.rest.repos.listForOrg({ org: 'acme', per_page: 100, headers: { 'if-none-match': first.headers.etag } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ status: 304 });
    expect(github.rateLimit().remaining).toBe(before);
    await octokit.rest.repos.listForOrg({ org: 'acme', per_page: 100 });
    expect(github.rateLimit().remaining).toBe(before - 1);
  });

  it('sends rate-limit headers and answers 403 with remaining 0 once the limit is spent', async () => {
    const reset = Math.floor(Date.now() / 1000) + 600;
    github.setRateLimit({ limit: 10, remaining: 1, resetEpochSeconds: reset });
    const ok = await octokit.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: 1 });
    expect(ok.headers['x-ratelimit-remaining']).toBe('0');
    expect(ok.headers['x-ratelimit-reset']).toBe(String(reset));
    const error = await octokit.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0' } } });
    expect(String((error as Error).message)).toContain('API rate limit exceeded');
    github.setRateLimit({ limit: 5000, remaining: 5000, resetEpochSeconds: reset });
  });

  it('answers a secondary limit with Retry-After and the documented message', async () => {
    github.secondaryRateLimitNext(1, 7, 429);
    const error = await octokit.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, response: { headers: { 'retry-after': '7' } } });
    expect(String((error as Error).message)).toMatch(/secondary rate limit/);
  });

  it('rejects a wrong token with 401 Bad credentials', async () => {
    const stranger = new Octokit({ baseUrl: github.url, auth: 'ghp_wrong' });
    const error = await stranger.rest.users.getAuthenticated().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401 });
    expect(String((error as Error).message)).toContain('Bad credentials');
  });

  it('injects failures per repository', async () => {
    github.failRepository('acme/api', 502, 1);
    const error = await octokit.rest.pulls.list({ owner: 'acme', repo: 'api' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502 });
    const after = await octokit.rest.pulls.list({ owner: 'acme', repo: 'api' });
    expect(after.status).toBe(200);
  });
});

describe('GitHub fake GraphQL endpoint through Octokit', () => {
  let github: GitHubFake;
  let octokit: Octokit;
  const reviewsQuery = `query($o: String!, $r: String!, $n: Int!, $after: String) {
    repository(owner: $o, name: $r) { pullRequest(number: $n) {
      reviews(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { state submittedAt author { __typename login } } }
    } }
    rateLimit { cost limit remaining used resetAt }
  }`;
  type ReviewsAnswer = {
    repository: {
      pullRequest: {
        reviews: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          nodes: { state: string; submittedAt: string | null; author: { __typename: string; login: string } }[];
        };
      };
    };
    rateLimit: { cost: number; limit: number; remaining: number; used: number; resetAt: string };
  };

  beforeAll(async () => {
    github = await startGitHubFake();
    octokit = new Octokit({ baseUrl: github.url, auth: github.token });
    github.addRepository('gql/api');
    github.addPullRequest('gql/api', { number: 5 });
    github.addReview('gql/api', 5, { user: 'bob', state: 'COMMENTED', submitted_at: '2026-02-01T00:00:00Z' });
    github.addReview('gql/api', 5, { user: 'carol', state: 'APPROVED', submitted_at: '2026-02-02T00:00:00Z' });
    github.addReview('gql/api', 5, { user: 'dave', state: 'PENDING' });
  });
  afterAll(() => github.close());

  it('serves the same reviews as REST, paginated with cursors, at one point per query and the graphql resource headers', async () => {
    const before = github.rateLimit('graphql');
    const coreBefore = github.rateLimit('core');
    const first = await octokit.graphql<ReviewsAnswer>(reviewsQuery, { o: 'gql', r: 'api', n: 5 });
    const page = first.repository.pullRequest.reviews;
    expect(page.totalCount).toBe(3);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const second = await octokit.graphql<ReviewsAnswer>(reviewsQuery, { o: 'gql', r: 'api', n: 5, after: page.pageInfo.endCursor });
    expect(second.repository.pullRequest.reviews.pageInfo.hasNextPage).toBe(false);
    const nodes = [...page.nodes, ...second.repository.pullRequest.reviews.nodes];
    const rest = await octokit.paginate(octokit.rest.pulls.listReviews, { owner: 'gql', repo: 'api', pull_number: 5 });
    expect(nodes.map((n) => [n.author.login, n.state, n.submittedAt])).toEqual(rest.map((r) => [r.user?.login, r.state, r.submitted_at ?? null]));
    expect(nodes.every((n) => n.author.__typename === 'User')).toBe(true);
    expect(first.rateLimit).toMatchObject({ cost: 1, limit: 5000, remaining: before.remaining - 1, used: before.used + 1 });
    expect(github.rateLimit('graphql').remaining).toBe(before.remaining - 2);
    expect(github.rateLimit('core').remaining).toBe(coreBefore.remaining - 1); // the REST list only

    const response = await octokit.request('POST /graphql', { query: '{ viewer { login } }' });
    expect(response.headers['x-ratelimit-resource']).toBe('graphql');
    expect(response.headers['x-ratelimit-remaining']).toBe(String(before.remaining - 3));
    const recorded = github.requests.filter((r) => r.path === '/graphql');
    expect(recorded.map((r) => [r.method, r.status, r.graphql])).toEqual([
      ['POST', 200, { aliases: 1, cost: 1 }],
      ['POST', 200, { aliases: 1, cost: 1 }],
      ['POST', 200, { aliases: 1, cost: 1 }],
    ]);
  });

  it('answers a missing repository or PR with NOT_FOUND errors at their path next to the data of the other aliases', async () => {
    const query = `query($a: String!, $b: String!) {
      ok: repository(owner: "gql", name: $a) { pullRequest(number: 5) { number } }
      gone: repository(owner: "gql", name: $b) { pullRequest(number: 5) { number } }
      nopr: repository(owner: "gql", name: $a) { pullRequest(number: 999) { number } }
    }`;
    const error = (await octokit.graphql(query, { a: 'api', b: 'gone' }).catch((e: unknown) => e)) as { name: string; data: unknown; errors: unknown[] };
    expect(error.name).toBe('GraphqlResponseError');
    expect(error.data).toEqual({ ok: { pullRequest: { number: 5 } }, gone: null, nopr: { pullRequest: null } });
    expect(error.errors).toEqual([
      { type: 'NOT_FOUND', path: ['gone'], locations: [{ line: 3, column: 7 }], message: "Could not resolve to a Repository with the name 'gql/gone'." },
      {
        type: 'NOT_FOUND',
        path: ['nopr', 'pullRequest'],
        locations: [{ line: 4, column: 50 }],
        message: 'Could not resolve to a PullRequest with the number of 999.',
      },
    ]);
  });

  it('answers parse and validation errors at HTTP 200 without data and charges nothing', async () => {
    const before = github.rateLimit('graphql').remaining;
    const parseError = await octokit.request('POST /graphql', { query: '{ repository(owner: "gql" ' });
    expect(parseError.status).toBe(200);
    expect(parseError.data).toEqual({ errors: [{ locations: [{ line: 1, column: 27 }], message: 'Syntax Error: Expected Name, found <EOF>.' }] });
    const invalid = await octokit.request('POST /graphql', { query: '{ repository(owner: "gql") { stars } }' });
    expect((invalid.data as { errors: { message: string }[] }).errors.map((e) => e.message)).toEqual([
      'Cannot query field "stars" on type "Repository".',
      'Field "repository" argument "name" of type "String!" is required, but it was not provided.',
    ]);
    const unpaged = await octokit.request('POST /graphql', {
      query: '{ repository(owner: "gql", name: "api") { pullRequest(number: 5) { reviews(first: 101) { totalCount } } } }',
    });
    expect(unpaged.data).toEqual({ errors: [{ message: 'Requesting 101 records on the `reviews` connection exceeds the `first` limit of 100 records.' }] });
    const badState = await octokit.request('POST /graphql', { query: '{ repository(owner: "gql", name: "api") { pullRequest(number: "5") { number } } }' });
    expect((badState.data as { data?: unknown }).data).toBeUndefined();
    expect(github.rateLimit('graphql').remaining).toBe(before);
  });

  it('rejects a wrong token with 401 Bad credentials', async () => {
    const wrong = new Octokit({ baseUrl: github.url, auth: 'ghp_wrong' });
    const error = await wrong.graphql('{ viewer { login } }').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, response: { data: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/graphql' } } });
  });

  it('spends its own budget: RATE_LIMITED at HTTP 200 with remaining 0 while REST still answers', async () => {
    const reset = Math.floor(Date.now() / 1000) + 600;
    github.setRateLimit({ limit: 5000, remaining: 0, resetEpochSeconds: reset }, 'graphql');
    try {
      const response = await octokit.request('POST /graphql', { query: '{ viewer { login } }' });
      expect(response.status).toBe(200);
      expect(response.headers['x-ratelimit-remaining']).toBe('0');
      expect(response.headers['x-ratelimit-reset']).toBe(String(reset));
      expect((response.data as { errors: { type: string }[] }).errors[0]?.type).toBe('RATE_LIMITED');
      expect((await octokit.rest.pulls.get({ owner: 'gql', repo: 'api', pull_number: 5 })).status).toBe(200);
      const limits = await octokit.rest.rateLimit.get();
      expect(limits.data.resources.graphql).toMatchObject({ limit: 5000, remaining: 0, reset });
    } finally {
      github.setRateLimit({ limit: 5000, remaining: 5000, resetEpochSeconds: reset }, 'graphql');
    }
  });

  it('applies repository faults, the secondary limit and latency to GraphQL as to REST', async () => {
    github.failRepository('gql/api', 502, 1);
    const failed = await octokit.request('POST /graphql', { query: '{ repository(owner: "gql", name: "api") { name } }' }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ status: 502 });
    expect((await octokit.graphql<{ repository: { name: string } }>('{ repository(owner: "gql", name: "api") { name } }')).repository.name).toBe('api');

    github.secondaryRateLimitNext(1, 1);
    const limited = await octokit.request('POST /graphql', { query: '{ viewer { login } }' }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 403, response: { headers: { 'retry-after': '1' } } });
    expect(String((limited as Error).message)).toContain('secondary rate limit');

    github.setLatency(200, 'graphql');
    try {
      const started = Date.now();
      await octokit.graphql('{ viewer { login } }');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      github.setLatency(0);
    }
  });

  it("serves GraphQL at /api/graphql when REST is under GitHub Enterprise's /api/v3", async () => {
    const enterprise = await startGitHubFake({ pathPrefix: '/api/v3' });
    try {
      enterprise.addRepository('ghe/repo');
      const client = new Octokit({ baseUrl: enterprise.url, auth: enterprise.token });
      expect(await client.graphql('{ repository(owner: "ghe", name: "repo") { nameWithOwner } }')).toEqual({ repository: { nameWithOwner: 'ghe/repo' } });
      expect(enterprise.requests.map((r) => r.path)).toEqual(['/api/graphql']);
    } finally {
      await enterprise.close();
    }
  });
});

const GITHUB_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('GitHub fake: timestamps, teams and logins as GitHub serves them', () => {
  let github: GitHubFake;
  let octokit: Octokit;

  beforeAll(async () => {
    github = await startGitHubFake();
    octokit = new Octokit({ baseUrl: github.url, auth: github.token });
    github.addRepository('acme/api');
    github.addTeam('acme', 'backend', { name: 'Backend', members: Array.from({ length: 120 }, (_, i) => `dev-${i}`) });
    github.addTeam('acme', 'frontend', { name: 'Frontend', members: ['carol'] });
    github.addPullRequest('acme/api', {
      number: 1,
      user: 'alice',
      created_at: '2026-11-28T09:00:00.123Z',
      requested_reviewers: ['bob'],
      requested_teams: ['backend', 'frontend'],
    });
    github.addReview('acme/api', 1, { user: 'carol', state: 'COMMENTED', submitted_at: '2026-11-28T10:30:00.999Z' });
  });
  afterAll(() => github.close());

  it('serves every time in whole seconds with a Z, in REST and GraphQL', async () => {
    const [pr] = (await octokit.rest.pulls.list({ owner: 'acme', repo: 'api' })).data;
    expect(pr?.created_at).toBe('2026-11-28T09:00:00Z');
    expect(pr?.updated_at).toBe('2026-11-28T10:30:00Z');
    const [review] = (await octokit.rest.pulls.listReviews({ owner: 'acme', repo: 'api', pull_number: 1 })).data;
    expect(review?.submitted_at).toBe('2026-11-28T10:30:00Z');
    expect((await octokit.rest.repos.get({ owner: 'acme', repo: 'api' })).data.created_at).toMatch(GITHUB_TIME);
    expect((await octokit.rest.teams.getByName({ org: 'acme', team_slug: 'backend' })).data.created_at).toMatch(GITHUB_TIME);
    const answer = await octokit.graphql<{
      repository: { pullRequest: { createdAt: string; updatedAt: string; reviews: { nodes: { submittedAt: string }[] } } };
      rateLimit: { resetAt: string };
    }>(
      '{ repository(owner: "acme", name: "api") { pullRequest(number: 1) { createdAt updatedAt reviews(first: 5) { nodes { submittedAt } } } } rateLimit { resetAt } }',
    );
    expect(answer.repository.pullRequest).toEqual({
      createdAt: '2026-11-28T09:00:00Z',
      updatedAt: '2026-11-28T10:30:00Z',
      reviews: { nodes: [{ submittedAt: '2026-11-28T10:30:00Z' }] },
    });
    expect(answer.rateLimit.resetAt).toMatch(GITHUB_TIME);
  });

  it("lists a team's members page by page with Link headers, 304 on a matching ETag, 404 for an unknown team", async () => {
    const team = await octokit.rest.teams.getByName({ org: 'acme', team_slug: 'backend' });
    expect(team.data).toMatchObject({ slug: 'backend', name: 'Backend', members_count: 120, organization: { login: 'acme' } });
    const members = await octokit.paginate(octokit.rest.teams.listMembersInOrg, { org: 'acme', team_slug: 'backend', per_page: 100 });
    expect(members.map((m) => m.login)).toEqual(Array.from({ length: 120 }, (_, i) => `dev-${i}`));
    const pages = github.requests.filter((r) => r.path.includes('/members'));
    expect(pages.map((r) => r.path.replace(/\/organizations\/\d+\/team\/\d+\//, '/organizations/ORG/team/TEAM/'))).toEqual([
      '/orgs/acme/teams/backend/members?per_page=100',
      '/organizations/ORG/team/TEAM/members?per_page=100&page=2',
    ]);

    const first = await octokit.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'frontend' });
    const before = github.rateLimit().remaining;
    const cached = await octokit.rest.teams
      .listMembersInOrg({ org: 'acme', team_slug: 'frontend', headers: { 'if-none-match': first.headers.etag } })
      .catch((e: unknown) => e);
    expect(cached).toMatchObject({ status: 304 });
    expect(github.rateLimit().remaining).toBe(before);
    github.setTeamMembers('acme', 'frontend', ['carol', 'dave']);
    const changed = await octokit.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'frontend', headers: { 'if-none-match': first.headers.etag } });
    expect(changed.data.map((m) => m.login)).toEqual(['carol', 'dave']);

    const unknown = await octokit.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'nobody' }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 404, response: { data: { message: 'Not Found' } } });
    await expect(octokit.rest.teams.getByName({ org: 'acme', team_slug: 'nobody' })).rejects.toMatchObject({ status: 404 });
  });

  it('carries requested teams on pull requests in REST and as review requests in GraphQL', async () => {
    const backend = (await octokit.rest.teams.getByName({ org: 'acme', team_slug: 'backend' })).data;
    const [pr] = (await octokit.rest.pulls.list({ owner: 'acme', repo: 'api' })).data;
    expect(pr?.requested_teams?.map((t) => [t.slug, t.name, t.id])).toEqual([
      ['backend', 'Backend', backend.id],
      ['frontend', 'Frontend', expect.any(Number)],
    ]);
    const answer = await octokit.graphql<{
      repository: { pullRequest: { reviewRequests: { totalCount: number; nodes: { requestedReviewer: Record<string, unknown> }[] } } };
    }>(
      `{ repository(owner: "acme", name: "api") { pullRequest(number: 1) { reviewRequests(first: 10) { totalCount nodes { requestedReviewer {
        __typename ... on User { login } ... on Team { slug name organization { login } }
      } } } } } }`,
    );
    expect(answer.repository.pullRequest.reviewRequests).toEqual({
      totalCount: 3,
      nodes: [
        { requestedReviewer: { __typename: 'User', login: 'bob' } },
        { requestedReviewer: { __typename: 'Team', slug: 'backend', name: 'Backend', organization: { login: 'acme' } } },
        { requestedReviewer: { __typename: 'Team', slug: 'frontend', name: 'Frontend', organization: { login: 'acme' } } },
      ],
    });
  });

  it("accepts logins as GitHub allows them, Enterprise Managed Users' _shortcode included, and names the field of one it refuses", async () => {
    github.addPullRequest('acme/api', { number: 2, user: 'mona-lisa_acme', requested_reviewers: ['a1', 'octo-cat-2'] });
    github.addTeam('acme', 'emu', { members: ['hubot_acme', 'x9'] });
    const pr = (await octokit.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: 2 })).data;
    expect([pr.user.login, ...(pr.requested_reviewers ?? []).map((u) => u.login)]).toEqual(['mona-lisa_acme', 'a1', 'octo-cat-2']);
    expect((await octokit.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'emu' })).data.map((m) => m.login)).toEqual(['hubot_acme', 'x9']);
    for (const bad of ['double--hyphen', '-leading', 'trailing-', 'with space', 'x'.repeat(40), 'two_short_codes']) {
      expect(() => github.addPullRequest('acme/api', { user: bad })).toThrow(`GitHub fake: user "${bad}" is not a GitHub login`);
    }
    expect(() => github.addTeam('acme', 'bad', { members: ['ok', 'no--'] })).toThrow('GitHub fake: members "no--" is not a GitHub login');
  });
});

describe('GitHub fake: GitHub App authentication through @octokit/auth-app', () => {
  const appId = 31337;
  const installationId = 777;
  let keys: AppKeyPair;
  let github: GitHubFake;

  /** An app JWT signed with `privateKey`, with the claims given (seconds). */
  function jwt(claims: Record<string, unknown>, privateKey = keys.privateKey): string {
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
    return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey, 'base64url')}`;
  }
  const now = (): number => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    keys = generateAppKeyPair();
    github = await startGitHubFake({ installationTokenLifetimeSeconds: 3 });
    github.addApp({ id: appId, publicKey: keys.publicKey, slug: 'chatops-test' });
    github.addInstallation({ id: installationId, appId, account: 'acme' });
    github.addRepository('acme/api');
    github.addPullRequest('acme/api', { number: 1 });
  });
  afterAll(() => github.close());

  it('trades a JWT for an installation token, which works until it expires, and the client renews it', async () => {
    // auth-app keeps a token 59 minutes in its own cache whatever expires_at says (GitHub's tokens
    // live an hour); its documented `cache` option lets the client renew by expires_at instead.
    const entries = new Map<string, string>();
    const cache = {
      get: (key: string) => {
        const value = entries.get(key);
        const expiresAt = Date.parse(value?.split('|')[2] ?? '');
        return value !== undefined && expiresAt - Date.now() > 1000 ? value : undefined;
      },
      set: (key: string, value: string) => {
        entries.set(key, value);
      },
    };
    const app = new Octokit({ baseUrl: github.url, authStrategy: createAppAuth, auth: { appId, privateKey: keys.privateKey, installationId, cache } });
    expect((await app.rest.pulls.list({ owner: 'acme', repo: 'api' })).data.map((p) => p.number)).toEqual([1]);
    const first = (await app.auth({ type: 'installation' })) as { token: string; expiresAt: string };
    expect(first.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(first.expiresAt).toMatch(GITHUB_TIME);
    const issued = () => github.requests.filter((r) => r.path === `/app/installations/${installationId}/access_tokens`);
    expect(issued().map((r) => [r.method, r.status])).toEqual([['POST', 201]]);

    const holder = new Octokit({ baseUrl: github.url, auth: first.token });
    expect((await holder.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: 1 })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(first.expiresAt) - Date.now() + 50));
    const expired = await holder.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: 1 }).catch((e: unknown) => e);
    expect(expired).toMatchObject({ status: 401, response: { data: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } } });

    expect((await app.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: 1 })).status).toBe(200);
    const second = (await app.auth({ type: 'installation' })) as { token: string };
    expect(second.token).not.toBe(first.token);
    expect(issued().map((r) => [r.method, r.status])).toEqual([
      ['POST', 201],
      ['POST', 201],
    ]);
  });

  it("answers GET /app and GET /app/installations/{id} to the app's JWT, 404 for an installation it lacks", async () => {
    const app = new Octokit({ baseUrl: github.url, authStrategy: createAppAuth, auth: { appId, privateKey: keys.privateKey } });
    expect((await app.rest.apps.getAuthenticated()).data).toMatchObject({ id: appId, slug: 'chatops-test', installations_count: 1 });
    const installation = (await app.rest.apps.getInstallation({ installation_id: installationId })).data;
    expect(installation).toMatchObject({ id: installationId, app_id: appId, account: { login: 'acme' }, repository_selection: 'all' });
    expect(installation.created_at).toMatch(GITHUB_TIME);
    await expect(app.rest.apps.createInstallationAccessToken({ installation_id: 999 })).rejects.toMatchObject({ status: 404 });
    const token = await app.rest.apps.createInstallationAccessToken({ installation_id: installationId });
    expect(token.status).toBe(201);
    expect(Object.keys(token.data).sort()).toEqual(['expires_at', 'permissions', 'repository_selection', 'token']);
  });

  it("refuses a JWT that is too long-lived, expired, issued in the future, undecodable or signed by another key, with GitHub's messages", async () => {
    const refusal = async (auth: string): Promise<unknown> => {
      const error = (await new Octokit({ baseUrl: github.url, auth }).rest.apps.getAuthenticated().catch((e: unknown) => e)) as {
        status: number;
        response: { data: { message: string } };
      };
      return [error.status, error.response.data.message];
    };
    const t = now();
    expect(await refusal(jwt({ iat: t - 30, exp: t + 600, iss: appId }))).toEqual([401, "'Expiration time' claim ('exp') is too far in the future"]);
    expect(await refusal(jwt({ iat: t - 700, exp: t - 100, iss: appId }))).toEqual([
      401,
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    ]);
    expect(await refusal(jwt({ iat: t + 300, exp: t + 600, iss: appId }))).toEqual([
      401,
      "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    ]);
    expect(await refusal(github.token)).toEqual([401, 'A JSON web token could not be decoded']);
    expect(await refusal(jwt({ iat: t - 30, exp: t + 500, iss: appId }, generateAppKeyPair().privateKey))).toEqual([
      401,
      'A JSON web token could not be decoded',
    ]);
    const valid = new Octokit({ baseUrl: github.url, auth: jwt({ iat: t - 30, exp: t + 500, iss: String(appId) }) });
    expect((await valid.rest.apps.getAuthenticated()).data?.id).toBe(appId);
    // A JWT is not a token for the rest of the API.
    await expect(valid.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: 1 })).rejects.toMatchObject({ status: 401 });
  });
});

describe('Slack fake through @slack/web-api', () => {
  let slack: SlackFake;
  let certificates: TestCertificates;
  let client: WebClient;

  beforeAll(async () => {
    certificates = await createTestCertificates();
    slack = await startSlackFake({ tls: { cert: certificates.cert, key: certificates.key } });
    client = new WebClient(slack.botToken, {
      slackApiUrl: slack.apiUrl,
      agent: new (await import('node:https')).Agent({ ca: certificates.ca }),
      retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 },
    });
  });
  afterAll(async () => {
    await slack.close();
    await certificates.remove();
  });

  it('posts threaded messages with unique, increasing ts and records exact arguments', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'digest', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*3 open*' } }] });
    const reply = await client.chat.postMessage({ channel: 'C1', thread_ts: parent.ts!, text: 'one', unfurl_links: false });
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    await client.reactions.add({ channel: 'C1', timestamp: reply.ts!, name: 'hourglass' });
    expect(slack.messages('C1')).toMatchObject([
      { ts: parent.ts, text: 'digest', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*3 open*' } }] },
      { ts: reply.ts, thread_ts: parent.ts, text: 'one', reactions: ['hourglass'] },
    ]);
    const call = slack.calls.find((c) => c.method === 'chat.postMessage' && c.args.thread_ts === parent.ts);
    expect(call?.args).toEqual({ channel: 'C1', thread_ts: parent.ts, text: 'one', unfurl_links: false });
    expect(call?.token).toBe(slack.botToken);
  });

  it('opens a stable DM channel per user and answers users.info for known users', async () => {
    slack.addUser({ id: 'U0ALICE', name: 'alice' });
    const dm = await client.conversations.open({ users: 'U0ALICE' });
    expect(dm.channel?.id).toBe('D0ALICE');
    const info = await client.users.info({ user: 'U0ALICE' });
    expect(info.user?.name).toBe('alice');
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
  });

  it('answers usergroups.users.list as Slack documents it: members, no_such_subteam, include_disabled, missing_scope', async () => {
    slack.addUserGroup({ id: 'S0ONCALL', users: ['U0ALICE', 'W0BOB'] });
    slack.addUserGroup({ id: 'S0OLD', users: ['U0CAROL'], disabled: true });
    const members = await client.usergroups.users.list({ usergroup: 'S0ONCALL' });
    expect(members.users).toEqual(['U0ALICE', 'W0BOB']);
    await expect(client.usergroups.users.list({ usergroup: 'S0NOPE' })).rejects.toMatchObject({ data: { error: 'no_such_subteam' } });
    await expect(client.usergroups.users.list({ usergroup: 'S0OLD' })).rejects.toMatchObject({ data: { error: 'no_such_subteam' } });
    expect((await client.usergroups.users.list({ usergroup: 'S0OLD', include_disabled: true })).users).toEqual(['U0CAROL']);
    await expect(client.apiCall('usergroups.users.list', {})).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    const call = slack.calls.find((c) => c.method === 'usergroups.users.list' && c.args.include_disabled === true);
    expect(call?.args).toEqual({ usergroup: 'S0OLD', include_disabled: true });
  });

  it('answers missing_scope with the needed scope once the token lacks it', async () => {
    const other = await startSlackFake({ host: '127.0.0.1' });
    try {
      other.addUserGroup({ id: 'S0ONCALL', users: ['U0ALICE'] });
      other.revokeScope('usergroups:read');
      const narrow = new WebClient(other.botToken, { slackApiUrl: other.apiUrl, retryConfig: { retries: 0 } });
      await expect(narrow.usergroups.users.list({ usergroup: 'S0ONCALL' })).rejects.toMatchObject({
        data: { error: 'missing_scope', needed: 'usergroups:read' },
      });
    } finally {
      await other.close();
    }
  });

  it('answers 429 with Retry-After and the client waits and retries', async () => {
    slack.rateLimitNext('chat.postMessage', 1);
    const started = Date.now();
    const result = await client.chat.postMessage({ channel: 'C2', text: 'after the limit' });
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const statuses = slack.calls.filter((c) => c.args.channel === 'C2').map((c) => c.httpStatus);
    expect(statuses).toEqual([429, 200]);
  });

  it('rejects a wrong token with invalid_auth and injects errors', async () => {
    const stranger = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, agent: new (await import('node:https')).Agent({ ca: certificates.ca }) });
    const error = (await stranger.auth.test().catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(error.code).toBe(ErrorCode.PlatformError);
    expect(error.data.error).toBe('invalid_auth');
    slack.failNext('chat.update', 'message_not_found');
    await expect(client.chat.update({ channel: 'C1', ts: '1.000000', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
  });

  it('accepts JSON bodies, the incoming webhook and response_url posts', async () => {
    const dispatcher = new Agent({ connect: { ca: certificates.ca } });
    const json = await undiciFetch(`${slack.apiUrl}chat.postEphemeral`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C3', user: 'U0ALICE', text: 'only you' }),
      dispatcher,
    });
    expect(await json.json()).toMatchObject({ ok: true });
    expect(slack.ephemerals).toMatchObject([{ channel: 'C3', user: 'U0ALICE', text: 'only you' }]);
    const hook = await undiciFetch(slack.incomingWebhook.url, { method: 'POST', body: JSON.stringify({ text: 'alert' }), dispatcher });
    expect(await hook.text()).toBe('ok');
    expect(slack.incomingWebhook.received).toEqual([{ text: 'alert' }]);
    await undiciFetch(`${slack.url}/response/abc-1`, { method: 'POST', body: JSON.stringify({ response_type: 'ephemeral', text: 'hi' }), dispatcher });
    expect(slack.responses).toMatchObject([{ id: 'abc-1', body: { response_type: 'ephemeral', text: 'hi' } }]);
    await dispatcher.close();
  });

  it('signs slash commands with v0 HMAC-SHA256 over timestamp and body', async () => {
    const { createHmac } = await import('node:crypto');
    const { listen, readBody } = await import('../../sandbox/http-server.ts');
    const seen: { headers: Record<string, unknown>; body: string }[] = [];
    const receiver = await listen(async (req, res) => {
      seen.push({ headers: req.headers, body: await readBody(req) });
      res.writeHead(200).end();
    });
    const result = await slack.sendSlashCommand(`${receiver.url}/slack/events`, 'topsecret-signing', { text: 'mine', user_id: 'U0ALICE' });
    await receiver.close();
    expect(result.status).toBe(200);
    const [request] = seen;
    const timestamp = String(request?.headers['x-slack-request-timestamp']);
    const expected = `v0=${createHmac('sha256', 'topsecret-signing').update(`v0:${timestamp}:${request?.body}`).digest('hex')}`;
    expect(request?.headers['x-slack-signature']).toBe(expected);
    const fields = new URLSearchParams(request?.body);
    expect(fields.get('command')).toBe('/prs');
    expect(fields.get('text')).toBe('mine');
    expect(fields.get('response_url')).toBe(result.responseUrl);
  });
});

describe('sandbox CLI', () => {
  it('prints its URLs as one JSON line, serves the seeded org, and exits 0 on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { createInterface } = await import('node:readline');
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-app-'));
    const { privateKey } = generateAppKeyPair();
    await writeFile(join(dir, 'app.pem'), privateKey, { mode: 0o600 });
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/sandbox.ts', '--seed', 'demo', '--github-app-key', join(dir, 'app.pem')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`sandbox exited early with ${code}`)));
      });
      const urls = JSON.parse(line) as { github: { url: string; app?: unknown }; slack: { url: string; apiUrl: string; incomingWebhookUrl: string } };
      expect(urls.slack.apiUrl).toBe(`${urls.slack.url}/api/`);
      const octokit = new Octokit({ baseUrl: urls.github.url, auth: 'ghp_sandboxTokenForLocalFakeOnly0000000000' });
      const repos = await octokit.paginate(octokit.rest.repos.listForOrg, { org: 'acme', per_page: 100 });
      expect(repos.map((r) => [r.full_name, r.archived]).sort()).toEqual([
        ['acme/api', false],
        ['acme/docs-old', true],
        ['acme/infra', false],
        ['acme/web', false],
      ]);
      const pulls = await octokit.paginate(octokit.rest.pulls.list, { owner: 'acme', repo: 'api', state: 'open' });
      expect(pulls.map((p) => p.number).sort()).toEqual([101, 102, 103, 104]);

      const members = await octokit.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'frontend' });
      expect(members.data.map((m) => m.login)).toEqual(['carol', 'dave']);
      const [dark] = (await octokit.rest.pulls.list({ owner: 'acme', repo: 'web' })).data.filter((p) => p.number === 51);
      expect(dark?.requested_teams?.map((t) => [t.slug, t.name])).toEqual([['frontend', 'Frontend']]);
      expect(urls.github).toEqual({ url: urls.github.url, app: { appId: 424242, installationId: 4242001 } });
      const app = new Octokit({ baseUrl: urls.github.url, authStrategy: createAppAuth, auth: { appId: 424242, installationId: 4242001, privateKey } });
      expect((await app.rest.repos.get({ owner: 'acme', repo: 'api' })).data.full_name).toBe('acme/api');
    } finally {
      await rm(dir, { recursive: true, force: true });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('rejects a bad flag with a message naming it and exit code 2', async () => {
    const { execFile } = await import('node:child_process');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'sandbox/sandbox.ts', '--github-port', 'abc'], (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--github-port: expected a port number 0-65535, got "abc"');
  });

  it('refuses a --github-app-key that is not a private key PEM, naming the flag', async () => {
    const { execFile } = await import('node:child_process');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'sandbox/sandbox.ts', '--github-app-key', 'package.json'], (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--github-app-key: package.json is not a PEM private key; pass the GitHub App's private key file");
  });

  it('refuses plain HTTP beyond loopback', async () => {
    const { execFile } = await import('node:child_process');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'sandbox/sandbox.ts', '--host', '0.0.0.0'], (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--host 0.0.0.0: beyond loopback every listener speaks TLS; pass --tls-cert and --tls-key');
  });
});
