// The one HTTP client under Octokit: undici's Dispatcher API (dispatcher-fetch.ts) over a keep-alive pool,
// an optional CA for GitHub Enterprise or the sandbox, a per-request timeout, and the request
// metrics taken here because this is the only place that sees every attempt, retries included.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import type { AppMetrics } from '../metrics.ts';
import { dispatcherFetch, DispatcherResponse, type DispatcherFetchInit } from './dispatcher-fetch.ts';

export interface GitHubHttpOptions {
  requestTimeoutMs: number;
  caFile?: string;
  metrics: AppMetrics;
  /** upper bound of parallel connections to the GitHub host */
  connections: number;
  /** tries after the first for an answer worth another try (see `retrying`), a network error or a timeout */
  retries: number;
  /** wait before retry n: n² times this (1x, 4x: the back-off @octokit/plugin-retry had) */
  retryBaseDelayMs: number;
}

export interface GitHubHttp {
  fetch: typeof globalThis.fetch;
  close(): Promise<void>;
}

/** A URL whose path ends in /graphql (no URL object per request: one per 304 adds up over thousands). */
const GRAPHQL_PATH = /^[a-z]+:\/\/[^/?#]*(?:\/[^?#]*)?\/graphql(?:[?#]|$)/i;

/** Which budget a request URL spends: Octokit sends GraphQL to {baseUrl}/graphql (GitHub Enterprise: /api/graphql). */
export function githubApiOf(url: string): 'graphql' | 'rest' {
  return GRAPHQL_PATH.test(url) ? 'graphql' : 'rest';
}

export class GitHubTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`GitHub did not answer within ${timeoutMs} ms (github.requestTimeoutMs)`);
    this.name = 'GitHubTimeoutError';
  }
}

export function createGitHubHttp(options: GitHubHttpOptions): GitHubHttp {
  let ca: string | undefined;
  if (options.caFile) {
    try {
      ca = readFileSync(options.caFile, 'utf8');
    } catch (error) {
      throw new Error(`github.caFile: cannot read ${options.caFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}); point it at a PEM CA bundle`, {
        cause: error,
      });
    }
  }
  const dispatcher = new Agent({
    connections: options.connections,
    keepAliveTimeout: 30_000,
    connect: ca ? { ca } : {},
  });
  const { metrics, requestTimeoutMs } = options;
  const send = dispatcherFetch(dispatcher);

  const attempt = async (url: string, init: DispatcherFetchInit): Promise<DispatcherResponse> => {
    // The timeout covers the body as well: its reason is what undici fails the request, or the
    // body being read, with. It stops once the body has been read, or at once when there is none
    // (a warm cycle's 304s), rather than holding its timer, and its signal, for requestTimeoutMs.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new GitHubTimeoutError(requestTimeoutMs)), requestTimeoutMs).unref();
    const signal = init.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
    const api = githubApiOf(url);
    try {
      const response = await send(url, { ...init, signal });
      if (response.body === null) clearTimeout(timer);
      else response.body.once('close', () => clearTimeout(timer));
      recordAnswer(metrics, response, api);
      return response;
    } catch (error) {
      clearTimeout(timer);
      metrics.githubRequests.inc({ status: 'error', api });
      if (timeout.signal.aborted) throw new GitHubTimeoutError(requestTimeoutMs);
      throw error;
    }
  };

  return {
    // Octokit's option is typed as the global fetch; it reads only what DispatcherResponse has.
    fetch: retrying(attempt, options) as unknown as typeof globalThis.fetch,
    close: () => dispatcher.close(),
  };
}

/**
 * The statuses @octokit/plugin-retry never retried (its `doNotRetry`), and 429, which the
 * throttling plugin above waits out like a secondary 403.
 */
const NOT_RETRIED = new Set([400, 401, 403, 404, 410, 422, 429, 451]);
/** GitHub's GraphQL answers a transient failure with HTTP 200 and this error (retried, as the plugin did). */
const GRAPHQL_TRANSIENT = /Something went wrong while executing your query/;

/**
 * Retries below Octokit (its retry plugin made a Bottleneck per request, the largest part of a warm
 * cycle's garbage), with the plugin's choices: an HTTP error but those in NOT_RETRIED, a GraphQL
 * "Something went wrong", a network error or a timeout is tried again up to `retries` times, n² x
 * `retryBaseDelayMs` after try n. Not undici's RetryAgent: it turns the last 5xx into an error of
 * its own, and counts one request for all tries.
 */
function retrying(
  attempt: (url: string, init: DispatcherFetchInit) => Promise<DispatcherResponse>,
  { retries, retryBaseDelayMs }: Pick<GitHubHttpOptions, 'retries' | 'retryBaseDelayMs'>,
): (url: string, init?: DispatcherFetchInit) => Promise<DispatcherResponse> {
  return async (url, init = {}) => {
    for (let tried = 1; ; tried += 1) {
      const last = tried > retries;
      try {
        const response = await settled(await attempt(url, init), url);
        if (last || !response.retry) return response.response;
        // Read to the end: the connection goes back to the pool.
        await response.response.arrayBuffer();
      } catch (error) {
        // The caller's own abort is not GitHub failing.
        if (last || init.signal?.aborted) throw error;
      }
      await sleep(tried ** 2 * retryBaseDelayMs);
    }
  };
}

/** Whether an answer is worth another try; a GraphQL 200 is read here to see its errors. */
async function settled(response: DispatcherResponse, url: string): Promise<{ response: DispatcherResponse; retry: boolean }> {
  if (response.status >= 400) return { response, retry: !NOT_RETRIED.has(response.status) };
  if (response.status !== 200 || response.body === null || githubApiOf(url) !== 'graphql') return { response, retry: false };
  const body = Buffer.from(await response.arrayBuffer());
  const again = new DispatcherResponse(response.status, response.url, response.headers, Readable.from([body]));
  return { response: again, retry: transientGraphqlError(body.toString('utf8')) };
}

/** The first GraphQL error is GitHub's transient one (what the retry plugin checked), not a title that says so. */
function transientGraphqlError(text: string): boolean {
  if (!GRAPHQL_TRANSIENT.test(text)) return false;
  try {
    const message = (JSON.parse(text) as { errors?: { message?: unknown }[] }).errors?.[0]?.message;
    return typeof message === 'string' && GRAPHQL_TRANSIENT.test(message);
  } catch {
    return false;
  }
}

/** Requests by status and API, and the rate-limit budget GitHub reports with each answer. */
function recordAnswer(metrics: AppMetrics, response: DispatcherResponse, api: 'graphql' | 'rest'): void {
  metrics.githubRequests.inc({ status: String(response.status), api });
  const remaining = Number(response.headers.get('x-ratelimit-remaining') ?? Number.NaN);
  const limit = Number(response.headers.get('x-ratelimit-limit') ?? Number.NaN);
  // REST and GraphQL spend separate budgets; GitHub names the one a response counts against.
  const resource = response.headers.get('x-ratelimit-resource') ?? (api === 'graphql' ? 'graphql' : 'core');
  if (Number.isFinite(remaining)) metrics.githubRateLimitRemaining.set({ resource }, remaining);
  if (Number.isFinite(limit)) metrics.githubRateLimitLimit.set({ resource }, limit);
}
