// Reads open pull requests from GitHub into a PullRequestSnapshot. Octokit composed with its
// throttling (x-ratelimit-reset, Retry-After) and retry (5xx) plugins, paginate for every page,
// conditional requests through an ETag cache, and a bounded number of requests in flight.
// Reviews are read only for PRs whose updated_at moved since the last cycle: a submitted or
// dismissed review updates the PR, so an unchanged PR list (a 304) means unchanged reviews. Those
// reviews come from GraphQL, many PRs of many repositories per query (review-batches.ts): REST
// would need one request per PR. A repository whose list pages all kept their ETags (304s) gives
// back the PullRequest[] of its last complete read as it was: same list, same updated_at, same reviews.
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck/light.js';
import type { Logger } from 'pino';
import type { PullRequestSource } from '../core/ports.ts';
import type { PullRequest, PullRequestSnapshot, RepositoryFailure, Review } from '../core/types.ts';
import type { AppMetrics } from '../metrics.ts';
import { conditionalRequests, ETagCache } from './conditional-requests.ts';
import { createGitHubHttp, GitHubTimeoutError } from './http.ts';
import { globToRegExp, isExcluded, parseRepositoryPattern } from './patterns.ts';
import {
  describeGraphQLError,
  interpretReviewBatch,
  partialAnswerOf,
  reviewBatchQuery,
  reviewBatchVariables,
  type ReviewBatchOutcome,
} from './review-batches.ts';
import { fromGraphQLReview, latestReviewPerReviewer, summarizeReviews } from './reviews.ts';
import { PerRequestLimiter, unlimitedGroup } from './throttle-limiters.ts';

export type GitHubSource = PullRequestSource & { close(): Promise<void> };

export interface GitHubSourceOptions {
  baseUrl: string;
  token: string;
  /** requests in flight at once */
  concurrency: number;
  requestTimeoutMs: number;
  metrics: AppMetrics;
  logger: Logger;
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
  /** pull requests whose reviews one GraphQL query reads (default 50) */
  reviewBatchSize?: number;
  /** GraphQL queries in flight at once (default 8, at most `concurrency`) */
  reviewBatchConcurrency?: number;
}

/** A repository's PRs as last read whole, and the ETags of the list pages they came from. */
interface RepositoryRead {
  fullName: string;
  /** one per page; an identical list of ETags means an identical list of PRs */
  etags: string[];
  pullRequests: PullRequest[];
}

type ListedPull = Awaited<ReturnType<Octokit['rest']['pulls']['list']>>['data'][number];

type ListedRepository =
  /** `known`: the last complete read's PRs by number */
  | { fullName: string; pulls: ListedPull[]; etags: string[] | undefined; known: Map<number, PullRequest> }
  /** every list page has the ETag of the last complete read: its PRs and their reviews are unchanged */
  | { fullName: string; unchanged: RepositoryRead };

/** A PR whose reviews must be (re)read this cycle. */
interface StaleReviews {
  repository: string;
  owner: string;
  repo: string;
  number: number;
}


/** plugin-request-log's line for a failed request: `GET /repos/a/b/pulls?... - 304 with id ... in 31ms` */
const NOT_MODIFIED_LOG_LINE = / - 304 with id /;

export function createGitHubSource(options: GitHubSourceOptions): GitHubSource {
  const { metrics, logger: log, token } = options;
  const http = createGitHubHttp({
    requestTimeoutMs: options.requestTimeoutMs,
    metrics,
    connections: options.concurrency,
    ...(options.caFile ? { caFile: options.caFile } : {}),
  });
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const batchSize = Math.max(1, options.reviewBatchSize ?? 50);
  const batchConcurrency = Math.max(1, Math.min(options.concurrency, options.reviewBatchConcurrency ?? 8));
  const throttle = {
    // No shared Bottleneck per request (throttle-limiters.ts): the plugin's default groups and
    // retry limiter admit one job at a time, a few ms each. The plugin's write group would also
    // space GraphQL requests 1 s apart, as for mutations; we never write to GitHub, and review
    // queries are bounded by `reviewBatchConcurrency`.
    global: unlimitedGroup,
    write: unlimitedGroup,
    retryLimiter: new PerRequestLimiter(),
    retryAfterBaseValue: 1000,
    onRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const retrying = retryCount < 2 && retryAfter <= maxWait;
      log.warn({ retryAfter, method: request.method, url: request.url, retrying }, 'GitHub rate limit reached');
      return retrying;
    },
    onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const retrying = retryCount < 2 && retryAfter <= Math.max(maxWait, 120);
      log.warn({ retryAfter, method: request.method, url: request.url, retrying }, 'GitHub secondary rate limit reached');
      return retrying;
    },
  };
  const etags = new ETagCache(options.etagCacheEntries ?? 50_000);
  const GitHubOctokit = Octokit.plugin(conditionalRequests(etags), throttling, retry);
  const octokit = new GitHubOctokit({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    auth: token,
    userAgent: 'chatops-pr-reminder',
    request: { fetch: http.fetch },
    throttle,
    retry: {
      retries: options.retries ?? 2,
      retryAfterBaseValue: options.retryBaseDelayMs ?? 1000,
      // 403 and 429 belong to the throttling plugin; the rest of 4xx will not change on retry.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => log.warn({ octokit: true }, scrub(message, token)),
      // plugin-request-log reports every answer that is not a 2xx as an error, 304s included: a
      // conditional hit is one per repository per cycle and no error.
      error: (message: string) => {
        if (!NOT_MODIFIED_LOG_LINE.test(message)) log.error({ octokit: true }, scrub(message, token));
        else if (log.isLevelEnabled('debug')) log.debug({ octokit: true }, scrub(message, token));
      },
    },
  });
  /** repository (lower case) -> its last complete read */
  const lastReads = new Map<string, RepositoryRead>();

  async function listOwnerRepositories(owner: string): Promise<{ full_name: string; archived?: boolean }[]> {
    try {
      return await octokit.paginate(octokit.rest.repos.listForOrg, { org: owner, type: 'all', per_page: 100 });
    } catch (error) {
      // Not an organisation: the same pattern names a user's repositories.
      if (statusOf(error) !== 404) throw error;
      return await octokit.paginate(octokit.rest.repos.listForUser, { username: owner, type: 'owner', per_page: 100 });
    }
  }

  async function resolveRepositories(
    patterns: string[],
    exclude: string[],
    failures: RepositoryFailure[],
  ): Promise<string[]> {
    const excluded = exclude.map(globToRegExp);
    const parsed = patterns.map(parseRepositoryPattern);
    const listings = new Map<string, Promise<{ full_name: string; archived?: boolean }[]>>();
    const names = await Promise.all(
      parsed.map(async (pattern) => {
        if (!pattern.wildcard) return [`${pattern.owner}/${pattern.repo}`];
        const key = pattern.owner.toLowerCase();
        const listing = listings.get(key) ?? listOwnerRepositories(pattern.owner);
        listings.set(key, listing);
        try {
          const matcher = globToRegExp(`${pattern.owner}/${pattern.repo}`);
          return (await listing).filter((r) => !r.archived && matcher.test(r.full_name)).map((r) => r.full_name);
        } catch (error) {
          failures.push({ repository: `${pattern.owner}/${pattern.repo}`, reason: describeFailure(error, token) });
          return [];
        }
      }),
    );
    const unique = new Map<string, string>();
    for (const name of names.flat()) {
      if (!isExcluded(name, excluded) && !unique.has(name.toLowerCase())) unique.set(name.toLowerCase(), name);
    }
    return [...unique.values()];
  }

  /** Every page of open PRs, with each page's ETag (undefined when a page came without one). */
  async function listPulls(fullName: string): Promise<{ pulls: ListedPull[]; etags: string[] | undefined }> {
    const [owner, repo] = fullName.split('/') as [string, string];
    let etags: string[] | undefined = [];
    const pulls = await octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'open', per_page: 100 }, (response) => {
      const etag = response.headers.etag;
      etags = etag && etags ? [...etags, etag] : undefined;
      return response.data;
    });
    return { pulls, etags };
  }

  /**
   * Reads the reviews of stale PRs while the PR lists are still coming in: every `batchSize` PRs
   * (of whichever repositories) make one GraphQL query, `batchConcurrency` of them in flight.
   */
  function startReviewReads(): {
    add(targets: readonly StaleReviews[]): void;
    finish(): Promise<{ reviews: Map<string, Review[]>; failed: Map<string, string>; queries: number }>;
  } {
    const reviews = new Map<string, Review[]>();
    const failed = new Map<string, string>();
    const overflowing: StaleReviews[] = [];
    const running: Promise<void>[] = [];
    const limiter = new Bottleneck({ maxConcurrent: batchConcurrency });
    let pending: StaleReviews[] = [];
    const send = (batch: StaleReviews[]): void => {
      running.push(
        limiter.schedule(async () => {
          const outcomes = await queryReviewBatch(batch);
          outcomes.forEach((outcome, i) => {
            const target = batch[i] as StaleReviews;
            if (outcome.kind === 'complete') {
              reviews.set(reviewKey(target.repository, target.number), latestReviewPerReviewer(outcome.reviews.map(fromGraphQLReview)));
            } else if (outcome.kind === 'incomplete') {
              overflowing.push(target);
            } else if (!failed.has(target.repository)) {
              failed.set(target.repository, outcome.reason);
            }
          });
        }),
      );
    };
    return {
      add(targets) {
        pending.push(...targets);
        while (pending.length >= batchSize) send(pending.splice(0, batchSize));
      },
      async finish() {
        if (pending.length > 0) send(pending);
        pending = [];
        await Promise.all(running);
        // More than a page of reviews (rare: >100 on one PR): REST's list of them, every page.
        await mapBounded(overflowing, options.concurrency, async (target) => {
          if (failed.has(target.repository)) return;
          try {
            const listed = await octokit.paginate(octokit.rest.pulls.listReviews, {
              owner: target.owner,
              repo: target.repo,
              pull_number: target.number,
              per_page: 100,
            });
            reviews.set(reviewKey(target.repository, target.number), latestReviewPerReviewer(listed));
          } catch (error) {
            if (!failed.has(target.repository)) failed.set(target.repository, describeFailure(error, token));
          }
        });
        return { reviews, failed, queries: running.length };
      },
    };
  }

  /** One GraphQL query; a failure of the whole request (5xx after retries, timeout) fails every PR in it. */
  async function queryReviewBatch(batch: readonly StaleReviews[]): Promise<ReviewBatchOutcome[]> {
    try {
      const data = await octokit.graphql<unknown>(reviewBatchQuery(batch.length), reviewBatchVariables(batch));
      return interpretReviewBatch(batch.length, data);
    } catch (error) {
      const partial = partialAnswerOf(error);
      if (partial) return interpretReviewBatch(batch.length, partial.data, partial.errors);
      const reason = describeFailure(error, token);
      log.warn({ pullRequests: batch.length, reason }, 'GraphQL review batch failed');
      return batch.map(() => ({ kind: 'failed', reason }));
    }
  }

  function toPullRequest(fullName: string, pr: ListedPull, reviews: Review[]): PullRequest {
    const owner = fullName.split('/')[0] as string;
    return {
      repository: fullName,
      number: pr.number,
      title: pr.title,
      url: pr.html_url,
      author: pr.user?.login ?? 'ghost',
      draft: pr.draft ?? false,
      labels: pr.labels.map((label) => label.name ?? '').filter((name) => name !== ''),
      createdAt: pr.created_at,
      updatedAt: pr.updated_at,
      requestedReviewers: (pr.requested_reviewers ?? []).map((user) => user.login),
      requestedTeams: (pr.requested_teams ?? []).map((team) => `${owner}/${team.slug}`),
      reviews,
      reviewState: summarizeReviews(reviews),
    };
  }

  return {
    async fetchOpenPullRequests(patterns, exclude) {
      const started = Date.now();
      const failedRepositories: RepositoryFailure[] = [];
      const repositories = await resolveRepositories(patterns, exclude, failedRepositories);
      const fail = (repository: string, reason: string): void => {
        log.warn({ repository, reason }, 'repository could not be read');
        failedRepositories.push({ repository, reason });
      };
      // 1. Each repository's open PRs over REST (an unchanged list is a free 304), and
      // 2. as each list arrives, the reviews of its PRs that are new or whose updated_at moved, in GraphQL batches.
      const reviewReads = startReviewReads();
      let stale = 0;
      const listed = await mapBounded(repositories, options.concurrency, async (fullName): Promise<ListedRepository | undefined> => {
        let list: Awaited<ReturnType<typeof listPulls>>;
        try {
          list = await listPulls(fullName);
        } catch (error) {
          fail(fullName, describeFailure(error, token));
          return undefined;
        }
        const known = lastReads.get(fullName.toLowerCase());
        if (known && known.fullName === fullName && sameETags(known.etags, list.etags)) return { fullName, unchanged: known };
        const knownByNumber = new Map(known?.pullRequests.map((pr) => [pr.number, pr]));
        const [owner, repo] = fullName.split('/') as [string, string];
        const changed = list.pulls
          .filter((pr) => knownByNumber.get(pr.number)?.updatedAt !== pr.updated_at)
          .map((pr) => ({ repository: fullName, owner, repo, number: pr.number }));
        stale += changed.length;
        reviewReads.add(changed);
        return { fullName, pulls: list.pulls, etags: list.etags, known: knownByNumber };
      });
      const fresh = await reviewReads.finish();
      // 3. A repository is read whole or listed as failed; closed PRs drop out of the cache.
      const pullRequests: PullRequest[] = [];
      for (const repository of listed) {
        if (!repository) continue;
        if ('unchanged' in repository) {
          pullRequests.push(...repository.unchanged.pullRequests);
          continue;
        }
        const reason = fresh.failed.get(repository.fullName);
        if (reason !== undefined) {
          fail(repository.fullName, reason);
          continue;
        }
        const read = repository.pulls.map((pr) => {
          const cached = repository.known.get(pr.number);
          const reviews =
            cached?.updatedAt === pr.updated_at ? cached.reviews : (fresh.reviews.get(reviewKey(repository.fullName, pr.number)) ?? []);
          return toPullRequest(repository.fullName, pr, reviews);
        });
        pullRequests.push(...read);
        // Without an ETag on every page there is nothing to recognise the list by next time.
        const etags = repository.etags ?? [];
        lastReads.set(repository.fullName.toLowerCase(), { fullName: repository.fullName, etags, pullRequests: read });
      }
      metrics.githubRepositoriesFailed.set(failedRepositories.length);
      log.info(
        {
          repositories: repositories.length,
          pullRequests: pullRequests.length,
          reviewsRead: stale,
          graphqlQueries: fresh.queries,
          failedRepositories: failedRepositories.length,
          durationMs: Date.now() - started,
        },
        'pull requests read',
      );
      const snapshot: PullRequestSnapshot = {
        pullRequests,
        failedRepositories: failedRepositories.sort((a, b) => a.repository.localeCompare(b.repository)),
        fetchedAt: new Date().toISOString(),
      };
      return snapshot;
    },
    async checkReachable() {
      // GET /rate_limit checks the token and costs no rate-limit point.
      try {
        await octokit.rest.rateLimit.get();
      } catch (error) {
        throw new Error(`GitHub at ${options.baseUrl} is not reachable: ${describeFailure(error, token)}`, { cause: error });
      }
    },
    close: () => http.close(),
  };
}

async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function sameETags(known: readonly string[], current: readonly string[] | undefined): boolean {
  return current !== undefined && known.length > 0 && known.length === current.length && known.every((etag, i) => etag === current[i]);
}

function reviewKey(repository: string, number: number): string {
  return `${repository.toLowerCase()}#${number}`;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A short reason for the digest and the logs; never carries the token. */
export function describeFailure(error: unknown, token: string): string {
  const status = statusOf(error);
  let reason: string;
  if (error instanceof GitHubTimeoutError || (error as { cause?: unknown } | null)?.cause instanceof GitHubTimeoutError) {
    reason = error instanceof GitHubTimeoutError ? error.message : (error as { cause: Error }).cause.message;
  } else if (status !== undefined && (error as { response?: unknown }).response === undefined) {
    // Octokit reports a request that never got an answer (TLS, DNS, refused) as a bare 500.
    reason = `network error: ${(error as Error).message}`;
  } else if (status !== undefined) {
    const response = (error as { response?: { data?: unknown; headers?: Record<string, string> } }).response;
    const data = response?.data;
    const message =
      data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string'
        ? (data as { message: string }).message
        : (error as Error).message;
    reason = `HTTP ${status}: ${message}`;
    if (status === 401) reason += ' (check githubToken in secrets.yml)';
    if (status === 404) reason += ' (does the repository exist, and may the token read it?)';
    if ((status === 403 || status === 429) && response?.headers?.['x-ratelimit-remaining'] === '0') {
      const reset = Number(response.headers['x-ratelimit-reset']);
      if (Number.isFinite(reset)) reason += ` (rate limit resets at ${new Date(reset * 1000).toISOString()})`;
    }
  } else if (Array.isArray((error as { data?: { errors?: unknown } } | null)?.data?.errors)) {
    // The throttling plugin's "GraphQL Rate Limit Exceeded": HTTP 200 with a RATE_LIMITED error.
    const withErrors = error as { data: { errors: { type?: string; message?: string }[] }; response?: { headers?: Record<string, string> } };
    const first = withErrors.data.errors[0];
    reason = describeGraphQLError({ ...first, message: first?.message ?? (error as Error).message });
    const reset = Number(withErrors.response?.headers?.['x-ratelimit-reset']);
    if (first?.type === 'RATE_LIMITED' && Number.isFinite(reset) && reset > 0) {
      reason += ` (rate limit resets at ${new Date(reset * 1000).toISOString()})`;
    }
  } else if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    reason = cause?.code ? `${error.message} (${cause.code})` : cause?.message ? `${error.message}: ${cause.message}` : error.message;
  } else {
    reason = String(error);
  }
  return scrub(reason, token).slice(0, 300);
}

function scrub(text: string, token: string): string {
  return token ? text.split(token).join('[REDACTED]') : text;
}
