// Client construction: Octokit composed with conditional requests (ETag cache) and throttling
// (x-ratelimit-reset, Retry-After), over the app's own HTTP pool, which also retries 5xx (http.ts);
// a token or a GitHub App installation (app-auth.ts) as the credentials. Composed from
// @octokit/core with the REST methods and paginate, as @octokit/rest is, without its request-log
// plugin: that parsed every request's URL once more for an info line (dropped here) and its line
// for a failure; failures are logged below with the same line, a URL parsed only then.
import { Octokit as OctokitCore } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { legacyRestEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { throttling } from '@octokit/plugin-throttling';
import type { Logger } from 'pino';
import type { GitHubAuth } from '../config/schema.ts';
import type { AppMetrics } from '../metrics.ts';
import { octokitAuthOptions } from './app-auth.ts';
import { conditionalRequests, ETagCache } from './conditional-requests.ts';
import { statusOf } from './failures.ts';
import { createGitHubHttp } from './http.ts';
import { PerRequestLimiter, unlimitedGroup } from './throttle-limiters.ts';

export interface GitHubClientOptions {
  /** GitHub Enterprise too: the App's token requests go to the same base URL */
  baseUrl: string;
  auth: GitHubAuth;
  /** HTTP connections, and so requests in flight, at once */
  concurrency: number;
  requestTimeoutMs: number;
  metrics: AppMetrics;
  logger: Logger;
  /** cleans Octokit's own log lines of the token */
  scrub: (text: string) => string;
  /** PEM CA bundle to trust (GitHub Enterprise with a private CA, the sandbox) */
  caFile?: string;
  /** longest wait for a primary rate-limit reset before giving up on a request (default 60 s) */
  maxRateLimitWaitSeconds?: number;
  /** base of the retry back-off for 5xx and network errors: 1x, 4x (default 1000 ms) */
  retryBaseDelayMs?: number;
  /** retries after a 5xx or network error (default 2) */
  retries?: number;
  /** remembered responses for conditional requests (default 50,000) */
  etagCacheEntries?: number;
}

/** Octokit as @octokit/rest composes it (REST methods, paginate); the other plugins add options and behaviour, not methods. */
const RestOctokit = OctokitCore.plugin(legacyRestEndpointMethods, paginateRest);
export type GitHubOctokit = InstanceType<typeof RestOctokit>;

type RateLimitHandler = (retryAfter: number, request: { method: string; url: string }, octokit: unknown, retryCount: number) => boolean;

function rateLimitHandler(log: Logger, maxWaitSeconds: number, message: string): RateLimitHandler {
  return (retryAfter, request, _octokit, retryCount) => {
    const retrying = retryCount < 2 && retryAfter <= maxWaitSeconds;
    log.warn({ retryAfter, method: request.method, url: request.url, retrying }, message);
    return retrying;
  };
}

function throttleOptions(log: Logger, maxWait: number) {
  return {
    // No shared Bottleneck per request (throttle-limiters.ts): the plugin's default groups and
    // retry limiter admit one job at a time, a few ms each. The plugin's write group would also
    // space GraphQL requests 1 s apart, as for mutations; we never write to GitHub, and review
    // queries are bounded by `reviewBatchConcurrency`. Its README documents no option for this,
    // so the plugin is pinned to an exact version and test/integration/github-throttling.test.ts
    // checks what these objects must keep doing (Retry-After honoured, nothing serialised).
    global: unlimitedGroup,
    write: unlimitedGroup,
    retryLimiter: new PerRequestLimiter(),
    retryAfterBaseValue: 1000,
    onRateLimit: rateLimitHandler(log, maxWait, 'GitHub rate limit reached'),
    onSecondaryRateLimit: rateLimitHandler(log, Math.max(maxWait, 120), 'GitHub secondary rate limit reached'),
  };
}

function octokitLog(log: Logger, scrub: (text: string) => string) {
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (message: string) => log.warn({ octokit: true }, scrub(message)),
    error: (message: string) => log.error({ octokit: true }, scrub(message)),
  };
}

/**
 * Each failed request, in @octokit/plugin-request-log's words (`GET /repos/a/b/pulls?... - 502 with
 * id ... in 31ms`): registered first, so it sees the answer (the last try's, http.ts retries below)
 * before the ETag cache and the throttling act on it. A 304 is a conditional hit, one per repository per cycle, and
 * no error: debug, its URL parsed only when debug is on.
 */
function requestFailures(log: Logger, scrub: (text: string) => string) {
  return (octokit: OctokitCore): void => {
    octokit.hook.wrap('request', async (request, options) => {
      const start = Date.now();
      try {
        return await request(options);
      } catch (error) {
        const status = statusOf(error);
        const level = status === 304 ? 'debug' : 'error';
        if (log.isLevelEnabled(level)) {
          const { method, url } = octokit.request.endpoint.parse(options);
          const requestId = (error as { response?: { headers: Record<string, unknown> } }).response?.headers['x-github-request-id'] ?? 'UNKNOWN';
          log[level](
            { octokit: true },
            scrub(`${method} ${url.replace(options.baseUrl, '')} - ${status} with id ${String(requestId)} in ${Date.now() - start}ms`),
          );
        }
        throw error;
      }
    });
  };
}

export function createGitHubClient(options: GitHubClientOptions): { octokit: GitHubOctokit; close(): Promise<void> } {
  const http = createGitHubHttp({
    requestTimeoutMs: options.requestTimeoutMs,
    metrics: options.metrics,
    connections: options.concurrency,
    retries: options.retries ?? 2,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
    ...(options.caFile ? { caFile: options.caFile } : {}),
  });
  const etags = new ETagCache(options.etagCacheEntries ?? 50_000);
  const Client = RestOctokit.plugin(requestFailures(options.logger, options.scrub), conditionalRequests(etags), throttling);
  const octokit: GitHubOctokit = new Client({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...octokitAuthOptions(options.auth),
    userAgent: 'chatops-pr-reminder',
    request: { fetch: http.fetch },
    throttle: throttleOptions(options.logger, options.maxRateLimitWaitSeconds ?? 60),
    log: octokitLog(options.logger, options.scrub),
  });
  return { octokit, close: () => http.close() };
}
