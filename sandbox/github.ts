// A local GitHub REST server for tests, the sandbox and the benchmark. It follows the public REST
// docs where the app depends on them: Link-header pagination (max 100 per page, next/last/first/prev
// pointing at /repositories/{id}/... as api.github.com does), ETag + 304 on If-None-Match (a 304
// costs no rate-limit point), x-ratelimit-* headers, primary limit (403 or 429 with remaining 0),
// secondary limit (Retry-After and the documented message), 401 Bad credentials. GET /_fake/requests
// (with the token) lists the recorded requests for out-of-process tests. POST /graphql (under
// GitHub Enterprise's /api/v3 prefix: /api/graphql) serves the same data through GitHub's GraphQL
// API with its own rate-limit budget (github-graphql.ts). Never used by app code.
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runGraphql, type GraphqlRepository, type GraphqlStore } from './github-graphql.ts';
import { listen, readBody, type ListenOptions } from './http-server.ts';

export const GITHUB_FAKE_TOKEN = 'ghp_sandboxTokenForLocalFakeOnly0000000000';

export type GitHubReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface GitHubFakeOptions extends ListenOptions {
  /** Delay before every response, to model network distance. */
  latencyMs?: number;
  /** The only token accepted (Authorization: token X or Bearer X). */
  token?: string;
  /** Serve under a path, as GitHub Enterprise Server does with "/api/v3". */
  pathPrefix?: string;
}

export interface PullRequestInput {
  number?: number;
  title?: string;
  user?: string;
  draft?: boolean;
  labels?: string[];
  created_at?: string;
  updated_at?: string;
  requested_reviewers?: string[];
  /** team slugs */
  requested_teams?: string[];
  body?: string;
}

export interface ReviewInput {
  user: string;
  state: GitHubReviewState | Lowercase<GitHubReviewState>;
  submitted_at?: string;
  body?: string;
}

export interface RecordedRequest {
  method: string;
  /** path and query as sent */
  path: string;
  status: number;
  ifNoneMatch: string | undefined;
  at: number;
  /** GraphQL requests: top-level fields asked for (rateLimit aside) and the points charged */
  graphql?: { aliases: number; cost: number };
}

/** GitHub keeps a separate budget per API: REST is `core`, GraphQL is `graphql`. */
export type RateLimitResource = 'core' | 'graphql';

export interface RateLimitSetting {
  limit: number;
  remaining: number;
  resetEpochSeconds: number;
  /** status sent once exhausted: GitHub answers 403 or 429 (default 403); GraphQL always answers 200 with a RATE_LIMITED error */
  status?: 403 | 429;
}

export interface GitHubFake {
  url: string;
  token: string;
  requests: RecordedRequest[];
  addRepository(fullName: string, options?: { archived?: boolean; private?: boolean; ownerType?: 'Organization' | 'User' }): void;
  /** Adds an open pull request and returns its number. */
  addPullRequest(fullName: string, pr?: PullRequestInput): number;
  updatePullRequest(fullName: string, number: number, patch: Omit<PullRequestInput, 'number'>): void;
  addReview(fullName: string, number: number, review: ReviewInput): void;
  closePullRequest(fullName: string, number: number): void;
  archiveRepository(fullName: string): void;
  /**
   * The next `times` requests under /repos/{fullName} (forever when omitted) answer `status`; so
   * does every GraphQL request that reads the repository (one time per request), except that a 404
   * makes GraphQL answer a NOT_FOUND error for it next to the other aliases' data. `api` limits
   * the fault to one of the two APIs.
   */
  failRepository(fullName: string, status: number, times?: number, api?: 'rest' | 'graphql'): void;
  setRateLimit(setting: RateLimitSetting, resource?: RateLimitResource): void;
  rateLimit(resource?: RateLimitResource): { limit: number; remaining: number; used: number; reset: number };
  secondaryRateLimitNext(times: number, retryAfterSeconds: number, status?: 403 | 429): void;
  /** Delay before every response, or only before REST or GraphQL ones. */
  setLatency(ms: number, api?: 'rest' | 'graphql'): void;
  /** Most requests seen in progress at once since the last reset. */
  maxInFlight(): number;
  resetMaxInFlight(): void;
  close(): Promise<void>;
}

interface Owner {
  login: string;
  id: number;
  type: 'Organization' | 'User';
}

interface Review {
  id: number;
  user: string;
  state: GitHubReviewState;
  submitted_at: string;
  body: string;
}

interface Pull {
  id: number;
  number: number;
  title: string;
  user: string;
  draft: boolean;
  labels: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  state: 'open' | 'closed';
  requested_reviewers: string[];
  requested_teams: string[];
  body: string;
  reviews: Review[];
}

interface Repository {
  id: number;
  owner: Owner;
  name: string;
  private: boolean;
  archived: boolean;
  created_at: string;
  pulls: Map<number, Pull>;
  nextNumber: number;
}

interface Failure {
  status: number;
  remaining: number;
  api: 'rest' | 'graphql' | undefined;
}

const DOCS = 'https://docs.github.com/rest';
const GRAPHQL_DOCS = 'https://docs.github.com/graphql';
const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
  'If you reach out to GitHub Support for help, please include the request ID';

export async function startGitHubFake(options: GitHubFakeOptions = {}): Promise<GitHubFake> {
  const token = options.token ?? GITHUB_FAKE_TOKEN;
  const pathPrefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
  // GitHub Enterprise Server: REST under /api/v3, GraphQL at /api/graphql.
  const graphqlPath = `${pathPrefix.replace(/\/v3$/, '')}/graphql`;
  const latency = { rest: options.latencyMs ?? 0, graphql: options.latencyMs ?? 0 };
  const owners = new Map<string, Owner>();
  const repositories = new Map<string, Repository>();
  const requests: RecordedRequest[] = [];
  const failures = new Map<string, Failure>();
  let secondary: { remaining: number; retryAfter: number; status: 403 | 429 } | undefined;
  let nextId = 1000;
  let inFlight = 0;
  let peakInFlight = 0;
  const rate = { limit: 5000, remaining: 5000, reset: nowSeconds() + 3600, status: 403 as 403 | 429 };
  const graphqlRate = { limit: 5000, remaining: 5000, reset: nowSeconds() + 3600 };
  const budgets = { core: rate, graphql: graphqlRate };

  function lowerKey(fullName: string): string {
    return fullName.toLowerCase();
  }

  function repository(fullName: string): Repository {
    const repo = repositories.get(lowerKey(fullName));
    if (!repo) throw new Error(`GitHub fake: no repository ${fullName}; call addRepository first`);
    return repo;
  }

  function pull(fullName: string, number: number): Pull {
    const pr = repository(fullName).pulls.get(number);
    if (!pr) throw new Error(`GitHub fake: no pull request ${fullName}#${number}`);
    return pr;
  }

  function touch(pr: Pull, at?: string): void {
    // updated_at only moves forward, even when a test submits a review dated in the past.
    const candidate = at ?? new Date().toISOString();
    pr.updated_at = candidate > pr.updated_at ? candidate : new Date(Date.parse(pr.updated_at) + 1000).toISOString();
  }

  // ---- JSON renderings, shaped like the REST API's ----
  let baseUrl = '';

  function ownerJson(owner: Owner): Record<string, unknown> {
    return {
      login: owner.login,
      id: owner.id,
      type: owner.type,
      url: `${baseUrl}/users/${owner.login}`,
      html_url: `https://github.test/${owner.login}`,
      site_admin: false,
    };
  }

  function userJson(login: string): Record<string, unknown> {
    return {
      login,
      id: stableId(login),
      type: 'User',
      url: `${baseUrl}/users/${login}`,
      html_url: `https://github.test/${login}`,
      site_admin: false,
    };
  }

  function repoJson(repo: Repository): Record<string, unknown> {
    const fullName = `${repo.owner.login}/${repo.name}`;
    const open = [...repo.pulls.values()].filter((p) => p.state === 'open').length;
    return {
      id: repo.id,
      node_id: Buffer.from(`Repository${repo.id}`).toString('base64'),
      name: repo.name,
      full_name: fullName,
      private: repo.private,
      owner: ownerJson(repo.owner),
      html_url: `https://github.test/${fullName}`,
      description: null,
      fork: false,
      url: `${baseUrl}/repos/${fullName}`,
      archived: repo.archived,
      disabled: false,
      visibility: repo.private ? 'private' : 'public',
      created_at: repo.created_at,
      default_branch: 'main',
      open_issues_count: open,
    };
  }

  function pullJson(repo: Repository, pr: Pull): Record<string, unknown> {
    const fullName = `${repo.owner.login}/${repo.name}`;
    return {
      url: `${baseUrl}/repos/${fullName}/pulls/${pr.number}`,
      id: pr.id,
      node_id: Buffer.from(`PullRequest${pr.id}`).toString('base64'),
      html_url: `https://github.test/${fullName}/pull/${pr.number}`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      user: userJson(pr.user),
      body: pr.body,
      labels: pr.labels.map((name) => ({ id: stableId(`label:${name}`), name, color: 'ededed', default: false })),
      created_at: pr.created_at,
      updated_at: pr.updated_at,
      closed_at: pr.closed_at,
      merged_at: null,
      draft: pr.draft,
      requested_reviewers: pr.requested_reviewers.map(userJson),
      requested_teams: pr.requested_teams.map((slug) => ({
        id: stableId(`team:${slug}`),
        slug,
        name: slug,
        url: `${baseUrl}/orgs/${repo.owner.login}/teams/${slug}`,
      })),
      head: { ref: `feature-${pr.number}`, sha: sha1(`${fullName}#${pr.number}:head`), label: `${repo.owner.login}:feature-${pr.number}` },
      base: { ref: 'main', sha: sha1(`${fullName}:main`), label: `${repo.owner.login}:main` },
      author_association: 'MEMBER',
    };
  }

  function reviewJson(repo: Repository, pr: Pull, review: Review): Record<string, unknown> {
    const fullName = `${repo.owner.login}/${repo.name}`;
    return {
      id: review.id,
      node_id: Buffer.from(`PullRequestReview${review.id}`).toString('base64'),
      user: userJson(review.user),
      body: review.body,
      state: review.state,
      html_url: `https://github.test/${fullName}/pull/${pr.number}#pullrequestreview-${review.id}`,
      pull_request_url: `${baseUrl}/repos/${fullName}/pulls/${pr.number}`,
      author_association: 'MEMBER',
      // GitHub leaves submitted_at out of a pending review.
      ...(review.state === 'PENDING' ? {} : { submitted_at: review.submitted_at }),
      commit_id: sha1(`${fullName}#${pr.number}:head`),
    };
  }

  // ---- request handling ----
  function rateHeaders(resource: RateLimitResource): Record<string, string> {
    const budget = refreshWindow(resource);
    return {
      'x-ratelimit-limit': String(budget.limit),
      'x-ratelimit-remaining': String(budget.remaining),
      'x-ratelimit-used': String(budget.limit - budget.remaining),
      'x-ratelimit-reset': String(budget.reset),
      'x-ratelimit-resource': resource,
    };
  }

  function refreshWindow(resource: RateLimitResource = 'core'): { limit: number; remaining: number; reset: number } {
    const budget = budgets[resource];
    if (nowSeconds() >= budget.reset) {
      budget.remaining = budget.limit;
      budget.reset = nowSeconds() + 3600;
    }
    return budget;
  }

  const graphqlStore: GraphqlStore = {
    viewer: 'chatops-bot',
    webUrl: 'https://github.test',
    repository(owner, name) {
      const repo = repositories.get(lowerKey(`${owner}/${name}`));
      if (!repo) return undefined;
      const view: GraphqlRepository = {
        id: repo.id,
        owner: repo.owner.login,
        name: repo.name,
        archived: repo.archived,
        pull: (number) => repo.pulls.get(number),
      };
      return view;
    },
  };

  /** A repository fault as GraphQL sees it, decided (and counted) once per request and repository. */
  function graphqlFaults(): (fullName: string) => 'not-found' | { status: number } | undefined {
    const decided = new Map<string, 'not-found' | { status: number } | undefined>();
    return (fullName) => {
      const key = lowerKey(fullName);
      if (decided.has(key)) return decided.get(key);
      const failure = failures.get(key);
      let outcome: 'not-found' | { status: number } | undefined;
      if (failure && failure.remaining !== 0 && failure.api !== 'rest') {
        failure.remaining -= 1;
        outcome = failure.status === 404 ? 'not-found' : { status: failure.status };
      }
      decided.set(key, outcome);
      return outcome;
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const rawPath = req.url ?? '/';
    const ifNoneMatch = headerValue(req, 'if-none-match');
    const requestId = randomUUID().toUpperCase().slice(0, 23);
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.once('close', () => {
      inFlight -= 1;
    });
    const url = new URL(rawPath, 'http://github.test');
    const isGraphql = url.pathname === graphqlPath;
    const latencyMs = isGraphql ? latency.graphql : latency.rest;
    if (latencyMs > 0) await delay(latencyMs);
    let graphqlFigures: RecordedRequest['graphql'];
    const respond = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      requests.push({ method, path: rawPath, status, ifNoneMatch, at: Date.now(), ...(graphqlFigures ? { graphql: graphqlFigures } : {}) });
      const common = {
        'x-github-request-id': requestId,
        'x-github-api-version-selected': '2022-11-28',
        ...rateHeaders(isGraphql ? 'graphql' : 'core'),
        ...headers,
      };
      if (status === 304) {
        res.writeHead(304, common);
        res.end();
        return;
      }
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        ...common,
      });
      res.end(text);
    };

    const authorization = headerValue(req, 'authorization');
    if (!authorization) {
      respond(401, { message: 'Requires authentication', documentation_url: isGraphql ? GRAPHQL_DOCS : DOCS });
      return;
    }
    const presented = /^(?:token|bearer)\s+(.+)$/i.exec(authorization)?.[1];
    if (presented !== token) {
      respond(401, { message: 'Bad credentials', documentation_url: isGraphql ? GRAPHQL_DOCS : DOCS, status: '401' });
      return;
    }
    if (isGraphql && method === 'POST') {
      await answerGraphql(req, respond, requestId, (figures) => {
        graphqlFigures = figures;
      });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      respond(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      return;
    }

    if (pathPrefix) {
      if (url.pathname !== pathPrefix && !url.pathname.startsWith(`${pathPrefix}/`)) {
        respond(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
        return;
      }
      url.pathname = url.pathname.slice(pathPrefix.length) || '/';
    }
    // Read-only inspection for out-of-process tests; not recorded, not rate limited.
    if (url.pathname === '/_fake/requests') {
      const text = JSON.stringify(requests);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(text);
      return;
    }
    // GET /rate_limit is free: it neither counts nor is throttled.
    if (url.pathname === '/rate_limit') {
      const view = (resource: RateLimitResource) => {
        const budget = refreshWindow(resource);
        return { limit: budget.limit, remaining: budget.remaining, reset: budget.reset, used: budget.limit - budget.remaining };
      };
      const core = view('core');
      respond(200, { resources: { core, graphql: view('graphql') }, rate: core });
      return;
    }

    if (answeredSecondaryLimit(respond, requestId)) return;

    refreshWindow();
    if (rate.remaining <= 0) {
      respond(rate.status, {
        message: `API rate limit exceeded for user ID ${stableId('chatops-bot')}. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      });
      return;
    }

    const route = resolve(url.pathname);
    if (route.failureKey) {
      const failure = failures.get(route.failureKey);
      if (failure && failure.remaining !== 0 && failure.api !== 'graphql') {
        failure.remaining -= 1;
        rate.remaining -= 1;
        respond(failure.status, {
          message: failure.status >= 500 ? 'Server Error' : failure.status === 404 ? 'Not Found' : 'Injected failure',
          documentation_url: DOCS,
          status: String(failure.status),
        });
        return;
      }
    }
    const result = route.answer(url);
    if (result.status !== 200) {
      rate.remaining -= 1;
      respond(result.status, result.body);
      return;
    }
    const headers: Record<string, string> = {};
    if (result.link) headers.link = result.link;
    const text = JSON.stringify(result.body);
    const etag = `W/"${createHash('sha256').update(text).update(result.link ?? '').digest('hex')}"`;
    headers.etag = etag;
    headers['cache-control'] = 'private, max-age=60, s-maxage=60';
    headers.vary = 'Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding';
    if (ifNoneMatch && etagMatches(ifNoneMatch, etag)) {
      // Documented: a 304 to an authorized conditional request does not count against the limit.
      respond(304, undefined, headers);
      return;
    }
    rate.remaining -= 1;
    respond(200, text, headers);
  }

  type Respond = (status: number, body: unknown, headers?: Record<string, string>) => void;

  function answeredSecondaryLimit(respond: Respond, requestId: string): boolean {
    if (!secondary || secondary.remaining <= 0) return false;
    secondary.remaining -= 1;
    respond(
      secondary.status,
      {
        message: `${SECONDARY_MESSAGE} ${requestId}.`,
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      },
      { 'retry-after': String(secondary.retryAfter) },
    );
    return true;
  }

  /** POST /graphql: the same faults as REST (secondary limit, repository faults), its own budget. */
  async function answerGraphql(
    req: IncomingMessage,
    respond: Respond,
    requestId: string,
    record: (figures: { aliases: number; cost: number }) => void,
  ): Promise<void> {
    const body = await readBody(req);
    if (answeredSecondaryLimit(respond, requestId)) return;
    const budget = refreshWindow('graphql');
    const outcome = runGraphql(body, graphqlStore, budget, graphqlFaults(), stableId('chatops-bot'));
    if (outcome.kind === 'bad-request') {
      respond(400, { message: outcome.message, documentation_url: GRAPHQL_DOCS, status: '400' });
      return;
    }
    if (outcome.kind === 'fault') {
      record({ aliases: outcome.aliases, cost: 0 });
      respond(outcome.status, {
        message: outcome.status >= 500 ? 'Server Error' : 'Injected failure',
        documentation_url: GRAPHQL_DOCS,
        status: String(outcome.status),
      });
      return;
    }
    record({ aliases: outcome.aliases, cost: outcome.cost });
    respond(200, outcome.body);
  }

  interface Answer {
    status: number;
    body: unknown;
    link?: string;
  }
  interface Route {
    failureKey?: string;
    answer(url: URL): Answer;
  }

  const notFound: Answer = { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };

  function repoById(id: number): Repository | undefined {
    for (const repo of repositories.values()) if (repo.id === id) return repo;
    return undefined;
  }

  function ownerById(id: number): Owner | undefined {
    for (const owner of owners.values()) if (owner.id === id) return owner;
    return undefined;
  }

  function resolve(pathname: string): Route {
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    // /repos/{o}/{r}/... and the /repositories/{id}/... form GitHub puts into Link headers
    let repo: Repository | undefined;
    let rest: string[] = [];
    let repoAddressed = false;
    if (parts[0] === 'repos' && parts.length >= 3) {
      repoAddressed = true;
      repo = repositories.get(lowerKey(`${parts[1]}/${parts[2]}`));
      rest = parts.slice(3);
      if (!repo) return { failureKey: lowerKey(`${parts[1]}/${parts[2]}`), answer: () => notFound };
    } else if (parts[0] === 'repositories' && parts.length >= 2) {
      repoAddressed = true;
      repo = repoById(Number(parts[1]));
      rest = parts.slice(2);
    }
    if (repoAddressed) {
      if (!repo) return { answer: () => notFound };
      const found = repo;
      const fullName = `${found.owner.login}/${found.name}`;
      const failureKey = lowerKey(fullName);
      if (rest.length === 0) return { failureKey, answer: () => ({ status: 200, body: repoJson(found) }) };
      if (rest[0] === 'pulls' && rest.length === 1) {
        return { failureKey, answer: (url) => listPulls(found, url) };
      }
      if (rest[0] === 'pulls' && rest.length >= 2) {
        const pr = found.pulls.get(Number(rest[1]));
        if (!pr) return { failureKey, answer: () => notFound };
        if (rest.length === 2) return { failureKey, answer: () => ({ status: 200, body: pullJson(found, pr) }) };
        if (rest.length === 3 && rest[2] === 'reviews') {
          return {
            failureKey,
            answer: (url) =>
              paginate(url, `/repositories/${found.id}/pulls/${pr.number}/reviews`, pr.reviews, (r) =>
                reviewJson(found, pr, r),
              ),
          };
        }
      }
      return { failureKey, answer: () => notFound };
    }
    if (parts.length === 3 && parts[2] === 'repos' && (parts[0] === 'orgs' || parts[0] === 'users')) {
      const owner = owners.get((parts[1] ?? '').toLowerCase());
      if (!owner || (parts[0] === 'orgs' && owner.type !== 'Organization')) return { answer: () => notFound };
      const linkBase = owner.type === 'Organization' ? `/organizations/${owner.id}/repos` : `/user/${owner.id}/repos`;
      return { answer: (url) => listRepos(owner, url, linkBase) };
    }
    if (parts.length === 3 && parts[2] === 'repos' && (parts[0] === 'organizations' || parts[0] === 'user')) {
      const owner = ownerById(Number(parts[1]));
      if (!owner) return { answer: () => notFound };
      return { answer: (url) => listRepos(owner, url, `/${parts[0]}/${owner.id}/repos`) };
    }
    if (parts.length === 1 && parts[0] === 'user') {
      return { answer: () => ({ status: 200, body: userJson('chatops-bot') }) };
    }
    return { answer: () => notFound };
  }

  function listRepos(owner: Owner, url: URL, linkBase: string): Answer {
    const sort = url.searchParams.get('sort') ?? (owner.type === 'Organization' ? 'created' : 'full_name');
    const direction = url.searchParams.get('direction') ?? (sort === 'full_name' ? 'asc' : 'desc');
    const items = [...repositories.values()].filter((r) => r.owner === owner);
    items.sort((a, b) =>
      sort === 'full_name' ? a.name.localeCompare(b.name) : a.created_at.localeCompare(b.created_at) || a.id - b.id,
    );
    if (direction === 'desc') items.reverse();
    return paginate(url, linkBase, items, repoJson);
  }

  function listPulls(repo: Repository, url: URL): Answer {
    const state = url.searchParams.get('state') ?? 'open';
    const sort = url.searchParams.get('sort') ?? 'created';
    const direction = url.searchParams.get('direction') ?? (sort === 'created' ? 'desc' : 'desc');
    const items = [...repo.pulls.values()].filter((p) => state === 'all' || p.state === state);
    const key = (p: Pull): string => (sort === 'updated' ? p.updated_at : p.created_at);
    items.sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number);
    if (direction === 'desc') items.reverse();
    return paginate(url, `/repositories/${repo.id}/pulls`, items, (p) => pullJson(repo, p));
  }

  function paginate<T>(url: URL, linkPath: string, items: T[], render: (item: T) => unknown): Answer {
    const perPageRaw = Number(url.searchParams.get('per_page') ?? 30);
    const perPage = Math.min(100, Math.max(1, Number.isFinite(perPageRaw) ? Math.trunc(perPageRaw) : 30));
    const pageRaw = Number(url.searchParams.get('page') ?? 1);
    const page = Math.max(1, Number.isFinite(pageRaw) ? Math.trunc(pageRaw) : 1);
    const lastPage = Math.max(1, Math.ceil(items.length / perPage));
    const body = items.slice((page - 1) * perPage, page * perPage).map(render);
    const link = (target: number): string => {
      const query = new URLSearchParams(url.searchParams);
      query.set('per_page', String(perPage));
      query.set('page', String(target));
      return `<${baseUrl}${linkPath}?${query.toString()}>`;
    };
    const rels: string[] = [];
    if (page > 1) rels.push(`${link(page - 1)}; rel="prev"`);
    if (page < lastPage) rels.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`);
    if (page > 1) rels.push(`${link(1)}; rel="first"`);
    return rels.length > 0 ? { status: 200, body, link: rels.join(', ') } : { status: 200, body };
  }

  const server = await listen(handle, options);
  baseUrl = `${server.url}${pathPrefix}`;

  return {
    url: baseUrl,
    token,
    requests,
    addRepository(fullName, opts = {}) {
      const [ownerLogin, name] = splitFullName(fullName);
      let owner = owners.get(ownerLogin.toLowerCase());
      if (!owner) {
        owner = { login: ownerLogin, id: nextId++, type: opts.ownerType ?? 'Organization' };
        owners.set(ownerLogin.toLowerCase(), owner);
      }
      if (repositories.has(lowerKey(fullName))) throw new Error(`GitHub fake: repository ${fullName} already exists`);
      repositories.set(lowerKey(fullName), {
        id: nextId++,
        owner,
        name,
        private: opts.private ?? false,
        archived: opts.archived ?? false,
        created_at: new Date(Date.UTC(2024, 0, 1) + repositories.size * 60_000).toISOString(),
        pulls: new Map(),
        nextNumber: 1,
      });
    },
    addPullRequest(fullName, input = {}) {
      const repo = repository(fullName);
      const number = input.number ?? repo.nextNumber;
      if (repo.pulls.has(number)) throw new Error(`GitHub fake: ${fullName}#${number} already exists`);
      repo.nextNumber = Math.max(repo.nextNumber, number + 1);
      const createdAt = input.created_at ?? new Date().toISOString();
      repo.pulls.set(number, {
        id: nextId++,
        number,
        title: input.title ?? `Pull request ${number}`,
        user: input.user ?? 'octocat',
        draft: input.draft ?? false,
        labels: input.labels ?? [],
        created_at: createdAt,
        updated_at: input.updated_at ?? createdAt,
        closed_at: null,
        state: 'open',
        requested_reviewers: input.requested_reviewers ?? [],
        requested_teams: input.requested_teams ?? [],
        body: input.body ?? '',
        reviews: [],
      });
      return number;
    },
    updatePullRequest(fullName, number, patch) {
      const pr = pull(fullName, number);
      Object.assign(pr, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
      if (patch.updated_at === undefined) touch(pr);
    },
    addReview(fullName, number, input) {
      const pr = pull(fullName, number);
      const submittedAt = input.submitted_at ?? new Date().toISOString();
      pr.reviews.push({
        id: nextId++,
        user: input.user,
        state: input.state.toUpperCase() as GitHubReviewState,
        submitted_at: submittedAt,
        body: input.body ?? '',
      });
      // Submitting a review fulfils the review request and updates the pull request, as on GitHub.
      if (input.state.toUpperCase() !== 'PENDING') {
        pr.requested_reviewers = pr.requested_reviewers.filter((login) => login !== input.user);
        touch(pr, submittedAt);
      }
    },
    closePullRequest(fullName, number) {
      const pr = pull(fullName, number);
      pr.state = 'closed';
      pr.closed_at = new Date().toISOString();
      touch(pr);
    },
    archiveRepository(fullName) {
      repository(fullName).archived = true;
    },
    failRepository(fullName, status, times, api) {
      failures.set(lowerKey(fullName), { status, remaining: times ?? -1, api });
    },
    setRateLimit(setting, resource = 'core') {
      const budget = budgets[resource];
      budget.limit = setting.limit;
      budget.remaining = setting.remaining;
      budget.reset = setting.resetEpochSeconds;
      if (resource === 'core') rate.status = setting.status ?? 403;
    },
    rateLimit(resource = 'core') {
      const budget = refreshWindow(resource);
      return { limit: budget.limit, remaining: budget.remaining, used: budget.limit - budget.remaining, reset: budget.reset };
    },
    secondaryRateLimitNext(times, retryAfterSeconds, status = 403) {
      secondary = { remaining: times, retryAfter: retryAfterSeconds, status };
    },
    setLatency(ms, api) {
      if (api !== 'graphql') latency.rest = ms;
      if (api !== 'rest') latency.graphql = ms;
    },
    maxInFlight: () => peakInFlight,
    resetMaxInFlight() {
      peakInFlight = inFlight;
    },
    close: () => server.close(),
  };
}

function splitFullName(fullName: string): [string, string] {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(fullName);
  if (!match?.[1] || !match[2]) throw new Error(`GitHub fake: expected "owner/repo", got "${fullName}"`);
  return [match[1], match[2]];
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function etagMatches(ifNoneMatch: string, etag: string): boolean {
  // Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored.
  const strip = (tag: string): string => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

// Memoised: the benchmark renders thousands of PRs per second and the inputs repeat.
const ids = new Map<string, number>();
function stableId(text: string): number {
  let id = ids.get(text);
  if (id === undefined) {
    id = createHash('sha1').update(text).digest().readUInt32BE(0) % 100_000_000;
    ids.set(text, id);
  }
  return id;
}

const shas = new Map<string, string>();
function sha1(text: string): string {
  let sha = shas.get(text);
  if (sha === undefined) {
    sha = createHash('sha1').update(text).digest('hex');
    shas.set(text, sha);
  }
  return sha;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
