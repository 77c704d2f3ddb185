// The one HTTP client under Octokit: undici's Dispatcher API (dispatcher-fetch.ts) over a keep-alive pool,
// an optional CA for GitHub Enterprise or the sandbox, a per-request timeout, and the request
// metrics taken here because this is the only place that sees every attempt, retries included.
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import type { AppMetrics } from '../metrics.ts';
import { dispatcherFetch, type DispatcherFetchInit, type DispatcherResponse } from './dispatcher-fetch.ts';

export interface GitHubHttpOptions {
  requestTimeoutMs: number;
  caFile?: string;
  metrics: AppMetrics;
  /** upper bound of parallel connections to the GitHub host */
  connections: number;
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

  const fetch = async (url: string, init: DispatcherFetchInit = {}): Promise<DispatcherResponse> => {
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
    fetch: fetch as unknown as typeof globalThis.fetch,
    close: () => dispatcher.close(),
  };
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
