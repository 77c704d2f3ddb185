// A local GitHub REST server for tests, the sandbox and the benchmark. It follows the public REST
// docs where the app depends on them: Link-header pagination (max 100 per page, next/last/first/prev
// pointing at /repositories/{id}/... as api.github.com does), ETag + 304 on If-None-Match (a 304
// costs no rate-limit point), x-ratelimit-* headers, primary limit (403 or 429 with remaining 0),
// secondary limit (Retry-After and the documented message), 401 Bad credentials, teams and their
// members, and GitHub App authentication (JWT, installation tokens that expire). GET
// /_fake/requests (with the token; ?since=N: those after the first N) lists the recorded requests
// for out-of-process tests. POST /graphql (under GitHub Enterprise's /api/v3 prefix:
// /api/graphql) serves the same data through GitHub's GraphQL API with its own rate-limit budget
// (graphql.ts). Never used by app code.
// state.ts holds the data, routes.ts and json.ts answer, faults.ts decides limits and failures.
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerValue, listen, presentedCredential, readBody, sendJsonText, type ListenOptions } from '../http-server.ts';
import { verifyAppJwt } from './app-auth.ts';
import { GitHubFaults, type Api, type RateLimitResource, type RateLimitSetting } from './faults.ts';
import { runGraphql, type GraphqlStore } from './graphql.ts';
import { RestJson, requestedTeam, WEB_URL } from './json.ts';
import { DOCS, RestRoutes, type Identity } from './routes.ts';
import { GitHubState, lowerKey, nowSeconds, stableId, type PullRequestInput, type ReviewInput, type TeamInput } from './state.ts';

export { generateAppKeyPair, publicKeyOf, type AppKeyPair } from './app-auth.ts';
export type { RateLimitResource, RateLimitSetting } from './faults.ts';
export { checkedLogin, githubTime, type GitHubReviewState, type PullRequestInput, type ReviewInput, type TeamInput } from './state.ts';

export const GITHUB_FAKE_TOKEN = 'ghp_sandboxTokenForLocalFakeOnly0000000000';

export interface GitHubFakeOptions extends ListenOptions {
  /** Delay before every response, to model network distance. */
  latencyMs?: number;
  /** The only personal token accepted (Authorization: token X or Bearer X). */
  token?: string;
  /** Serve under a path, as GitHub Enterprise Server does with "/api/v3". */
  pathPrefix?: string;
  /** How long an installation token lives (GitHub: one hour, the default). */
  installationTokenLifetimeSeconds?: number;
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

export interface GitHubFake {
  url: string;
  token: string;
  requests: RecordedRequest[];
  addRepository(fullName: string, options?: { archived?: boolean; private?: boolean; ownerType?: 'Organization' | 'User' }): void;
  /** Adds an open pull request and returns its number. */
  addPullRequest(fullName: string, pr?: PullRequestInput): number;
  updatePullRequest(fullName: string, number: number, patch: Omit<PullRequestInput, 'number'>): void;
  addReview(fullName: string, number: number, review: ReviewInput): void;
  closePullRequest(fullName: string, number: number, options?: { merged?: boolean }): void;
  archiveRepository(fullName: string): void;
  /** A team of an organisation (created if new), served at /orgs/{org}/teams/{slug}. */
  addTeam(org: string, slug: string, team?: TeamInput): void;
  setTeamMembers(org: string, slug: string, members: string[]): void;
  /** A GitHub App known by its id and the public half of its key (see generateAppKeyPair). */
  addApp(app: { id: number; publicKey: string; slug?: string; name?: string; permissions?: Record<string, 'read' | 'write'> }): void;
  addInstallation(installation: { id: number; appId: number; account: string; repositorySelection?: 'all' | 'selected' }): void;
  /**
   * The next `times` requests under /repos/{fullName} (forever when omitted) answer `status`; so
   * does every GraphQL request that reads the repository (one time per request), except that a 404
   * makes GraphQL answer a NOT_FOUND error for it next to the other aliases' data. `api` limits
   * the fault to one of the two APIs.
   */
  failRepository(fullName: string, status: number, times?: number, api?: Api): void;
  setRateLimit(setting: RateLimitSetting, resource?: RateLimitResource): void;
  rateLimit(resource?: RateLimitResource): { limit: number; remaining: number; used: number; reset: number };
  secondaryRateLimitNext(times: number, retryAfterSeconds: number, status?: 403 | 429): void;
  /** Delay before every response, or only before REST or GraphQL ones. */
  setLatency(ms: number, api?: Api): void;
  /** Most requests seen in progress at once since the last reset. */
  maxInFlight(): number;
  resetMaxInFlight(): void;
  close(): Promise<void>;
}

const GRAPHQL_DOCS = 'https://docs.github.com/graphql';
const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';
const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
  'If you reach out to GitHub Support for help, please include the request ID';
const VIEWER = 'chatops-bot';

interface Fake {
  state: GitHubState;
  faults: GitHubFaults;
  routes: RestRoutes;
  graphqlStore: GraphqlStore;
  requests: RecordedRequest[];
  token: string;
  pathPrefix: string;
  graphqlPath: string;
}

/** One request and its reply: every answer goes through `respond`, which records it. */
interface Exchange {
  method: string;
  url: URL;
  /** the path without the GitHub Enterprise prefix; undefined outside it */
  apiPath: string | undefined;
  api: Api;
  requestId: string;
  ifNoneMatch: string | undefined;
  graphqlFigures?: { aliases: number; cost: number };
  /** `body` as a string is already encoded JSON */
  respond(status: number, body: unknown, headers?: Record<string, string>): void;
}

export async function startGitHubFake(options: GitHubFakeOptions = {}): Promise<GitHubFake> {
  const state = new GitHubState();
  if (options.installationTokenLifetimeSeconds !== undefined) state.tokenLifetimeMs = options.installationTokenLifetimeSeconds * 1000;
  const json = new RestJson(state);
  const pathPrefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
  const fake: Fake = {
    state,
    faults: new GitHubFaults(options.latencyMs ?? 0),
    routes: new RestRoutes(state, json),
    graphqlStore: graphqlView(state),
    requests: [],
    token: options.token ?? GITHUB_FAKE_TOKEN,
    pathPrefix,
    // GitHub Enterprise Server: REST under /api/v3, GraphQL at /api/graphql.
    graphqlPath: `${pathPrefix.replace(/\/v3$/, '')}/graphql`,
  };
  const server = await listen((req, res) => handle(fake, req, res), options);
  json.baseUrl = `${server.url}${pathPrefix}`;
  return facade(fake, json.baseUrl, () => server.close());
}

function facade(fake: Fake, url: string, close: () => Promise<void>): GitHubFake {
  const { state, faults } = fake;
  return {
    url,
    token: fake.token,
    requests: fake.requests,
    addRepository: (fullName, opts) => state.addRepository(fullName, opts),
    addPullRequest: (fullName, input) => state.addPullRequest(fullName, input),
    updatePullRequest: (fullName, number, patch) => state.updatePullRequest(fullName, number, patch),
    addReview: (fullName, number, input) => state.addReview(fullName, number, input),
    closePullRequest: (fullName, number, options) => state.closePullRequest(fullName, number, options),
    archiveRepository(fullName) {
      state.repository(fullName).archived = true;
    },
    addTeam: (org, slug, team) => state.addTeam(org, slug, team),
    setTeamMembers: (org, slug, members) => state.setTeamMembers(org, slug, members),
    addApp: (app) => state.addApp(app),
    addInstallation: (installation) => state.addInstallation(installation),
    failRepository: (fullName, status, times, api) => faults.failRepository(fullName, status, times, api),
    setRateLimit: (setting, resource = 'core') => faults.setRateLimit(setting, resource),
    rateLimit: (resource = 'core') => faults.view(resource),
    secondaryRateLimitNext: (times, retryAfterSeconds, status = 403) => faults.secondaryLimitNext(times, retryAfterSeconds, status),
    setLatency(ms, api) {
      if (api !== 'graphql') faults.latency.rest = ms;
      if (api !== 'rest') faults.latency.graphql = ms;
    },
    maxInFlight: () => faults.maxInFlight(),
    resetMaxInFlight: () => faults.resetMaxInFlight(),
    close,
  };
}

function graphqlView(state: GitHubState): GraphqlStore {
  return {
    viewer: VIEWER,
    webUrl: WEB_URL,
    repository(owner, name) {
      const repo = state.repositories.get(lowerKey(`${owner}/${name}`));
      if (!repo) return undefined;
      return { id: repo.id, owner: repo.owner.login, name: repo.name, archived: repo.archived, pull: (number) => repo.pulls.get(number) };
    },
    team(org, slug) {
      const owner = state.owners.get(org.toLowerCase()) ?? { login: org, id: stableId(org), type: 'Organization' as const };
      return requestedTeam(state, owner, slug);
    },
  };
}

async function handle(fake: Fake, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.once('close', fake.faults.requestStarted());
  const exchange = openExchange(fake, req, res);
  const latencyMs = fake.faults.latency[exchange.api];
  if (latencyMs > 0) await delay(latencyMs);
  const identity = authenticate(fake, exchange, req);
  if (!identity) return;
  if (exchange.api === 'graphql' && exchange.method === 'POST') {
    await answerGraphql(fake, exchange, await readBody(req));
    return;
  }
  const path = exchange.apiPath;
  if ((identity.kind === 'token' && exchange.method !== 'GET' && exchange.method !== 'HEAD') || path === undefined) {
    exchange.respond(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    return;
  }
  // Read-only inspection for out-of-process tests; not recorded, not rate limited.
  if (path === '/_fake/requests') {
    // ?since=N: only the requests recorded after the first N (a benchmark's log grows by thousands a cycle).
    const since = Number(exchange.url.searchParams.get('since') ?? '0');
    sendJsonText(res, 200, JSON.stringify(Number.isInteger(since) && since > 0 ? fake.requests.slice(since) : fake.requests));
    return;
  }
  // GET /rate_limit is free: it neither counts nor is throttled.
  if (path === '/rate_limit') {
    const view = (resource: RateLimitResource) => {
      const budget = fake.faults.view(resource);
      return { limit: budget.limit, remaining: budget.remaining, reset: budget.reset, used: budget.used };
    };
    const core = view('core');
    exchange.respond(200, { resources: { core, graphql: view('graphql') }, rate: core });
    return;
  }
  answerRest(fake, exchange, identity, path);
}

function openExchange(fake: Fake, req: IncomingMessage, res: ServerResponse): Exchange {
  const method = req.method ?? 'GET';
  const rawPath = req.url ?? '/';
  const url = new URL(rawPath, 'http://github.test');
  const api: Api = url.pathname === fake.graphqlPath ? 'graphql' : 'rest';
  const { pathPrefix } = fake;
  const inside = !pathPrefix || url.pathname === pathPrefix || url.pathname.startsWith(`${pathPrefix}/`);
  const exchange: Exchange = {
    method,
    url,
    apiPath: inside ? url.pathname.slice(pathPrefix.length) || '/' : undefined,
    api,
    requestId: randomUUID().toUpperCase().slice(0, 23),
    ifNoneMatch: headerValue(req, 'if-none-match'),
    respond(status, body, headers = {}) {
      const figures = exchange.graphqlFigures;
      fake.requests.push({ method, path: rawPath, status, ifNoneMatch: exchange.ifNoneMatch, at: Date.now(), ...(figures ? { graphql: figures } : {}) });
      const common = {
        'x-github-request-id': exchange.requestId,
        'x-github-api-version-selected': '2022-11-28',
        ...fake.faults.rateHeaders(api === 'graphql' ? 'graphql' : 'core'),
        ...headers,
      };
      if (status === 304) {
        res.writeHead(304, common);
        res.end();
        return;
      }
      sendJsonText(res, status, typeof body === 'string' ? body : JSON.stringify(body), common);
    },
  };
  return exchange;
}

/**
 * A personal or unexpired installation token (`token X` or `Bearer X`), or on /app routes an app's
 * JWT; otherwise answers 401 and returns undefined.
 */
function authenticate(fake: Fake, exchange: Exchange, req: IncomingMessage): Identity | undefined {
  const documentation_url = exchange.api === 'graphql' ? GRAPHQL_DOCS : DOCS;
  if (!headerValue(req, 'authorization')) {
    exchange.respond(401, { message: 'Requires authentication', documentation_url });
    return undefined;
  }
  const presented = presentedCredential(req, ['token', 'bearer']) ?? '';
  const appRoute = exchange.api === 'rest' && (exchange.apiPath === '/app' || exchange.apiPath?.startsWith('/app/'));
  if (appRoute) {
    const check = verifyAppJwt(presented, (appId) => fake.state.apps.get(appId)?.publicKey, nowSeconds());
    if (check.ok) return { kind: 'app', appId: check.appId };
    exchange.respond(401, { message: check.message, documentation_url, status: '401' });
    return undefined;
  }
  const installationToken = fake.state.tokens.get(presented);
  if (presented === fake.token || (installationToken && installationToken.expiresAt > Date.now())) return { kind: 'token' };
  exchange.respond(401, { message: 'Bad credentials', documentation_url, status: '401' });
  return undefined;
}

function answeredSecondaryLimit(fake: Fake, exchange: Exchange): boolean {
  const limited = fake.faults.secondaryLimit();
  if (!limited) return false;
  exchange.respond(
    limited.status,
    { message: `${SECONDARY_MESSAGE} ${exchange.requestId}.`, documentation_url: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits` },
    { 'retry-after': String(limited.retryAfter) },
  );
  return true;
}

/** REST: secondary and primary limits, injected repository failures, then the route with its ETag. */
function answerRest(fake: Fake, exchange: Exchange, identity: Identity, path: string): void {
  if (answeredSecondaryLimit(fake, exchange)) return;
  const budget = fake.faults.budget('core');
  if (budget.remaining <= 0) {
    exchange.respond(fake.faults.exhaustedStatus, {
      message: `API rate limit exceeded for user ID ${stableId(VIEWER)}. If you reach out to GitHub Support for help, please include the request ID ${exchange.requestId}.`,
      documentation_url: RATE_LIMIT_DOCS,
    });
    return;
  }
  const route = fake.routes.resolve(exchange.method, path, identity);
  const failed = route.failureKey === undefined ? undefined : fake.faults.restFailure(route.failureKey);
  const result =
    failed === undefined
      ? route.answer(exchange.url)
      : {
          status: failed,
          body: {
            message: failed >= 500 ? 'Server Error' : failed === 404 ? 'Not Found' : 'Injected failure',
            documentation_url: DOCS,
            status: String(failed),
          },
        };
  if (result.status !== 200) {
    budget.remaining -= 1;
    exchange.respond(result.status, result.body);
    return;
  }
  const text = JSON.stringify(result.body);
  const etag = `W/"${createHash('sha256')
    .update(text)
    .update(result.link ?? '')
    .digest('hex')}"`;
  const headers: Record<string, string> = {
    ...(result.link ? { link: result.link } : {}),
    etag,
    'cache-control': 'private, max-age=60, s-maxage=60',
    vary: 'Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding',
  };
  if (exchange.ifNoneMatch && etagMatches(exchange.ifNoneMatch, etag)) {
    // Documented: a 304 to an authorized conditional request does not count against the limit.
    exchange.respond(304, undefined, headers);
    return;
  }
  budget.remaining -= 1;
  exchange.respond(200, text, headers);
}

/** POST /graphql: the same faults as REST (secondary limit, repository faults), its own budget. */
async function answerGraphql(fake: Fake, exchange: Exchange, body: string): Promise<void> {
  if (answeredSecondaryLimit(fake, exchange)) return;
  const outcome = runGraphql(body, fake.graphqlStore, fake.faults.budget('graphql'), fake.faults.graphqlFaults(), stableId(VIEWER));
  if (outcome.kind === 'bad-request') {
    exchange.respond(400, { message: outcome.message, documentation_url: GRAPHQL_DOCS, status: '400' });
    return;
  }
  exchange.graphqlFigures = { aliases: outcome.aliases, cost: outcome.kind === 'fault' ? 0 : outcome.cost };
  if (outcome.kind === 'fault') {
    exchange.respond(outcome.status, {
      message: outcome.status >= 500 ? 'Server Error' : 'Injected failure',
      documentation_url: GRAPHQL_DOCS,
      status: String(outcome.status),
    });
    return;
  }
  exchange.respond(200, outcome.body);
}

function etagMatches(ifNoneMatch: string, etag: string): boolean {
  // Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored.
  const strip = (tag: string): string => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
