// The one HTTP client under Octokit: undici's fetch (what Node's fetch is) with a keep-alive pool,
// an optional CA for GitHub Enterprise or the sandbox, a per-request timeout, and the request
// metrics taken here because this is the only place that sees every attempt, retries included.
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import type { AppMetrics } from '../metrics.ts';

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

  const fetch = async (input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}) => {
    // The timeout covers the body as well; an answer without one (a warm cycle's 304s) stops its
    // timer at once rather than holding it, and its signal, for requestTimeoutMs.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), requestTimeoutMs).unref();
    const signal = init.signal ? AbortSignal.any([init.signal as AbortSignal, timeout.signal]) : timeout.signal;
    const api = githubApiOf(requestUrl(input));
    try {
      const response = await undiciFetch(input, { ...init, dispatcher, signal });
      if (response.body === null) clearTimeout(timer);
      metrics.githubRequests.inc({ status: String(response.status), api });
      const remaining = Number(response.headers.get('x-ratelimit-remaining') ?? Number.NaN);
      const limit = Number(response.headers.get('x-ratelimit-limit') ?? Number.NaN);
      // REST and GraphQL spend separate budgets; GitHub names the one a response counts against.
      const resource = response.headers.get('x-ratelimit-resource') ?? (api === 'graphql' ? 'graphql' : 'core');
      if (Number.isFinite(remaining)) metrics.githubRateLimitRemaining.set({ resource }, remaining);
      if (Number.isFinite(limit)) metrics.githubRateLimitLimit.set({ resource }, limit);
      return response;
    } catch (error) {
      clearTimeout(timer);
      metrics.githubRequests.inc({ status: 'error', api });
      if (timeout.signal.aborted) throw new GitHubTimeoutError(requestTimeoutMs);
      throw error;
    }
  };
  function requestUrl(input: Parameters<typeof undiciFetch>[0]): string {
    return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  }

  return {
    // undici's Response is the one global fetch returns; only the type packages differ.
    fetch: fetch as unknown as typeof globalThis.fetch,
    close: () => dispatcher.close(),
  };
}
