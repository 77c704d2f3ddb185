// Reads open pull requests from GitHub into a PullRequestSnapshot: the client (client.ts:
// Octokit with throttling, retry and conditional requests), repository resolution
// (repositories.ts), review reads (review-reads.ts), error description (failures.ts); this
// file lists each repository's PRs, a bounded number of requests in flight, and assembles them.
// Reviews are read only for PRs whose updated_at moved since the last cycle: a submitted or
// dismissed review updates the PR, so an unchanged PR list (a 304) means unchanged reviews. Those
// reviews come from GraphQL, many PRs of many repositories per query (review-batches.ts): REST
// would need one request per PR. A repository whose list pages all kept their ETags (304s) gives
// back the PullRequest[] of its last complete read as it was: same list, same updated_at, same reviews.
// PRs that left a changed list are looked up in one page of the repository's recently closed PRs, for
// their merge time (review-health metrics); a warm cycle, all 304s, makes no such read.
import type { Logger } from 'pino';
import { pullRequestKey } from '../core/keys.ts';
import type { PullRequestSource } from '../core/ports.ts';
import type { ClosedPullRequest, PullRequest, PullRequestSnapshot, RepositoryFailure, Review } from '../core/types.ts';
import { authSecret } from './app-auth.ts';
import { createGitHubClient, type GitHubClientOptions, type GitHubOctokit } from './client.ts';
import { compacting } from './conditional-requests.ts';
import { failureDescriber } from './failures.ts';
import { readPages } from './pages.ts';
import { resolveRepositories, type RepositoryRequest } from './repositories.ts';
import { limitConcurrency, startReviewReads, type ReviewsRead } from './review-reads.ts';
import { summarizeReviews } from './reviews.ts';
import { readTeamMembers } from './teams.ts';

export type GitHubSource = PullRequestSource & { close(): Promise<void> };

/** The client's options (client.ts) without the scrubber, which the source derives from the credentials. */
export interface GitHubSourceOptions extends Omit<GitHubClientOptions, 'scrub'> {
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

type GitHubPull = Awaited<ReturnType<GitHubOctokit['rest']['pulls']['list']>>['data'][number];

/**
 * A listed PR as kept between cycles (in the ETag cache too): cut down on arrival from GitHub's
 * ~3 KB of JSON (heads, bases, links...) to what a PullRequest holds, whose arrays it shares.
 */
type ListedPull = Pick<PullRequest, 'number' | 'title' | 'url' | 'author' | 'draft' | 'labels' | 'createdAt' | 'updatedAt' | 'requestedReviewers'> & {
  requestedTeamSlugs: string[];
};

/**
 * One frozen empty list for every PR without labels, requested teams or reviews: most have none,
 * and 30,000 PRs kept between cycles would otherwise hold ~100,000 empty arrays. Frozen, so a
 * caller that wrongly changes a PR's list fails loudly instead of changing every PR's.
 */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** `items` mapped, or the shared empty list when there are none. */
export function mapOrNone<T, R>(items: readonly T[] | null | undefined, map: (item: T) => R): R[] {
  return items && items.length > 0 ? items.map(map) : NONE;
}

function compactPull(pr: GitHubPull): ListedPull {
  const labels = mapOrNone(pr.labels, (label) => label.name ?? '');
  return {
    number: pr.number,
    title: pr.title,
    url: pr.html_url,
    author: pr.user?.login ?? 'ghost',
    draft: pr.draft ?? false,
    labels: labels.includes('') ? labels.filter((name) => name !== '') : labels,
    createdAt: pr.created_at,
    updatedAt: pr.updated_at,
    requestedReviewers: mapOrNone(pr.requested_reviewers, (user) => user.login),
    requestedTeamSlugs: mapOrNone(pr.requested_teams, (team) => team.slug),
  };
}

type ListedRepository =
  /** `known`: the last complete read's PRs by number; `changed`: how many PRs' reviews are read again; `closed`: the PRs that left the list */
  | { fullName: string; pulls: ListedPull[]; etags: string[] | undefined; known: Map<number, PullRequest>; changed: number; closed: ClosedPullRequest[] }
  /** every list page has the ETag of the last complete read: its PRs and their reviews are unchanged */
  | { fullName: string; unchanged: RepositoryRead }
  | { fullName: string; failed: string };

/** Every page of open PRs, with each page's ETag (undefined when a page came without one). */
async function listPulls(context: ReadContext, fullName: string): Promise<{ pulls: ListedPull[]; etags: string[] | undefined }> {
  const [owner, repo] = fullName.split('/') as [string, string];
  const pages = await readPages(context.listOpenPulls, { owner, repo, state: 'open', per_page: 100 });
  const etags = pages.map((page) => page.headers.etag).filter((etag): etag is string => etag !== undefined && etag !== '');
  return { pulls: pages.flatMap((page) => page.data as unknown as ListedPull[]), etags: etags.length === pages.length ? etags : undefined };
}

function toPullRequest(fullName: string, pr: ListedPull, reviews: Review[]): PullRequest {
  const owner = fullName.split('/')[0] as string;
  return {
    repository: fullName,
    number: pr.number,
    title: pr.title,
    url: pr.url,
    author: pr.author,
    draft: pr.draft,
    labels: pr.labels,
    createdAt: pr.createdAt,
    updatedAt: pr.updatedAt,
    requestedReviewers: pr.requestedReviewers,
    requestedTeams: mapOrNone(pr.requestedTeamSlugs, (slug) => `${owner}/${slug}`),
    reviews: reviews.length > 0 ? reviews : NONE,
    reviewState: summarizeReviews(reviews),
  };
}

function sameETags(known: readonly string[], current: readonly string[] | undefined): boolean {
  return current !== undefined && known.length > 0 && known.length === current.length && known.every((etag, i) => etag === current[i]);
}

/** One read of every repository: the failures of every step, each logged once, in one list. */
class CycleRead {
  readonly failures: RepositoryFailure[] = [];
  readonly reviewsUnknown: RepositoryFailure[] = [];
  readonly pullRequests: PullRequest[] = [];
  readonly closed: ClosedPullRequest[] = [];
  changed = 0;

  constructor(private readonly log: Logger) {}

  /** A repository (or a pattern whose owner could not be listed) that could not be read. */
  fail({ repository, reason }: RepositoryFailure): void {
    this.log.warn({ repository, reason }, 'repository could not be read');
    this.failures.push({ repository, reason });
  }

  /** A repository whose PRs were listed but whose reviews could not be read. */
  reviewsFailed({ repository, reason }: RepositoryFailure): void {
    this.log.warn({ repository, reason }, 'reviews could not be read: pull requests listed with the review state unknown');
    this.reviewsUnknown.push({ repository, reason });
  }
}

/** What every read shares: the client, the failure describer and the last complete reads. */
interface ReadContext {
  octokit: GitHubOctokit;
  describe: (error: unknown) => string;
  /** repository (lower case) -> its last complete read */
  lastReads: Map<string, RepositoryRead>;
  log: Logger;
  /** GET /repos/{owner}/{repo}/pulls, its items cut down to ListedPull (also in the ETag cache) */
  listOpenPulls: GitHubOctokit['rest']['pulls']['list'];
}

/** 1. A repository's open PRs over REST (an unchanged list is a free 304); the changed ones go to `reviewReads`. */
async function listRepository(context: ReadContext, fullName: string, reviewReads: ReturnType<typeof startReviewReads>): Promise<ListedRepository> {
  let list: Awaited<ReturnType<typeof listPulls>>;
  try {
    list = await listPulls(context, fullName);
  } catch (error) {
    return { fullName, failed: context.describe(error) };
  }
  const known = context.lastReads.get(fullName.toLowerCase());
  if (known && known.fullName === fullName && sameETags(known.etags, list.etags)) return { fullName, unchanged: known };
  const knownByNumber = new Map(known?.pullRequests.map((pr) => [pr.number, pr]));
  const [owner, repo] = fullName.split('/') as [string, string];
  const changed = list.pulls
    .filter((pr) => knownByNumber.get(pr.number)?.updatedAt !== pr.updatedAt)
    .map((pr) => ({ repository: fullName, owner, repo, number: pr.number }));
  reviewReads.add(changed);
  const listed = new Set(list.pulls.map((pr) => pr.number));
  const departed = [...knownByNumber.keys()].filter((number) => !listed.has(number));
  const closed = departed.length > 0 ? await readClosed(context, fullName, departed) : [];
  return { fullName, pulls: list.pulls, etags: list.etags, known: knownByNumber, changed: changed.length, closed };
}

/**
 * The merge times of `numbers`, which left the open list: the latest page of closed PRs (most
 * recently updated first) holds them unless over a hundred closed since. One request per
 * repository with departures; one that fails only leaves these merges untimed.
 */
async function readClosed(context: ReadContext, fullName: string, numbers: readonly number[]): Promise<ClosedPullRequest[]> {
  const [owner, repo] = fullName.split('/') as [string, string];
  try {
    const { data } = await context.octokit.rest.pulls.list({ owner, repo, state: 'closed', sort: 'updated', direction: 'desc', per_page: 100 });
    const wanted = new Set(numbers);
    return data.filter((pr) => wanted.has(pr.number)).map((pr) => ({ repository: fullName, number: pr.number, mergedAt: pr.merged_at }));
  } catch (error) {
    context.log.warn({ repository: fullName, reason: context.describe(error) }, 'closed pull requests could not be read: their merges are not timed');
    return [];
  }
}

/** 3. A repository is read whole or listed as failed; closed PRs drop out of the cache. */
function completeRepository(context: ReadContext, repository: ListedRepository, fresh: ReviewsRead, cycle: CycleRead): void {
  if ('failed' in repository) {
    cycle.fail({ repository: repository.fullName, reason: repository.failed });
    return;
  }
  if ('unchanged' in repository) {
    cycle.pullRequests.push(...repository.unchanged.pullRequests);
    return;
  }
  const reason = fresh.failed.get(repository.fullName);
  if (reason !== undefined) {
    // Listed all the same: a PR unchanged since the last read keeps its reviews, the rest are unknown.
    // Nothing is remembered, so the next cycle reads the reviews again.
    cycle.reviewsFailed({ repository: repository.fullName, reason });
    cycle.pullRequests.push(
      ...repository.pulls.map((pr) => {
        const cached = repository.known.get(pr.number);
        if (cached?.updatedAt === pr.updatedAt) return toPullRequest(repository.fullName, pr, cached.reviews);
        return { ...toPullRequest(repository.fullName, pr, []), reviewState: 'unknown' as const };
      }),
    );
    return;
  }
  const read = repository.pulls.map((pr) => {
    const cached = repository.known.get(pr.number);
    const reviews = cached?.updatedAt === pr.updatedAt ? cached.reviews : (fresh.reviews.get(pullRequestKey(repository.fullName, pr.number)) ?? []);
    return toPullRequest(repository.fullName, pr, reviews);
  });
  cycle.pullRequests.push(...read);
  cycle.changed += repository.changed;
  cycle.closed.push(...repository.closed);
  // Without an ETag on every page there is nothing to recognise the list by next time.
  context.lastReads.set(repository.fullName.toLowerCase(), { fullName: repository.fullName, etags: repository.etags ?? [], pullRequests: read });
}

/**
 * 0. and 1. Every repository the patterns name, listed as soon as its name is known (wildcards page
 * by page), at most `concurrency` lists in flight; the results in the order resolveRepositories gives.
 */
async function listRepositories(
  context: ReadContext,
  request: RepositoryRequest,
  cycle: CycleRead,
  reviewReads: ReturnType<typeof startReviewReads>,
  concurrency: number,
): Promise<ListedRepository[]> {
  const limit = limitConcurrency(concurrency);
  const early = new Map<string, Promise<ListedRepository>>();
  const list = (fullName: string) => limit(() => listRepository(context, fullName, reviewReads));
  const found = (fullName: string): void => void early.set(fullName.toLowerCase(), list(fullName));
  const repositories = await resolveRepositories(context.octokit, request, context.describe, (failure) => cycle.fail(failure), found);
  // A name first heard of in another spelling (`acme/API` and a listing's `acme/api`) is read as listed.
  const listed = await Promise.all(
    repositories.map(async (fullName) => {
      const read = await early.get(fullName.toLowerCase());
      return read?.fullName === fullName ? read : list(fullName);
    }),
  );
  // Reads of names from a listing that failed later are not part of this cycle.
  await Promise.all(early.values());
  return listed;
}

export function createGitHubSource(options: GitHubSourceOptions): GitHubSource {
  const { metrics, logger: log } = options;
  const { describe, scrub } = failureDescriber(authSecret(options.auth), options.auth.kind === 'app' ? 'githubApp' : 'githubToken');
  const client = createGitHubClient({ ...options, scrub });
  const { octokit } = client;
  const context: ReadContext = { octokit, describe, lastReads: new Map(), log, listOpenPulls: compacting(octokit.rest.pulls.list, compactPull) };
  const reviewReadOptions = {
    octokit,
    batchSize: Math.max(1, options.reviewBatchSize ?? 50),
    batchConcurrency: Math.max(1, Math.min(options.concurrency, options.reviewBatchConcurrency ?? 8)),
    concurrency: options.concurrency,
    describe,
    logger: log,
  };

  return {
    async fetchOpenPullRequests(patterns, exclude) {
      const started = Date.now();
      const cycle = new CycleRead(log);
      // 2. As each list arrives, the reviews of its PRs that are new or whose updated_at moved, in GraphQL batches.
      const reviewReads = startReviewReads(reviewReadOptions);
      const listed = await listRepositories(context, { patterns, exclude }, cycle, reviewReads, options.concurrency);
      const fresh = await reviewReads.finish();
      for (const repository of listed) completeRepository(context, repository, fresh, cycle);
      const failedRepositories = cycle.failures;
      metrics.githubRepositoriesFailed.set(failedRepositories.length);
      log.info(
        {
          repositories: listed.length,
          pullRequests: cycle.pullRequests.length,
          reviewsRead: cycle.changed,
          graphqlQueries: fresh.queries,
          failedRepositories: failedRepositories.length,
          reviewsUnknown: cycle.reviewsUnknown.length,
          durationMs: Date.now() - started,
        },
        'pull requests read',
      );
      const snapshot: PullRequestSnapshot = {
        pullRequests: cycle.pullRequests,
        failedRepositories: failedRepositories.sort((a, b) => a.repository.localeCompare(b.repository)),
        reviewsUnknown: cycle.reviewsUnknown.sort((a, b) => a.repository.localeCompare(b.repository)),
        closedPullRequests: cycle.closed,
        fetchedAt: new Date().toISOString(),
      };
      return snapshot;
    },
    fetchTeamMembers: (teams) => readTeamMembers({ octokit, concurrency: options.concurrency, describe, logger: log }, teams),
    async checkReachable() {
      // GET /rate_limit checks the token and costs no rate-limit point.
      try {
        await octokit.rest.rateLimit.get();
      } catch (error) {
        throw new Error(`GitHub at ${options.baseUrl} is not reachable: ${describe(error)}`, { cause: error });
      }
    },
    close: () => client.close(),
  };
}
