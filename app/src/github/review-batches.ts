// Reviews of many pull requests in one GraphQL query: one alias per PR, across repositories, every
// owner, name and number passed as a variable (never spliced into the query text). Pure: the query,
// its variables, and what a (possibly partial) answer means for each PR of the batch.
import type { GitHubGraphQLReview } from './reviews.ts';

export interface ReviewTarget {
  owner: string;
  repo: string;
  number: number;
}

/** GitHub's largest page of a connection. */
export const REVIEWS_PER_PAGE = 100;

export type ReviewBatchOutcome =
  | { kind: 'complete'; reviews: GitHubGraphQLReview[] }
  /** more reviews than one page: read them elsewhere */
  | { kind: 'incomplete'; totalCount: number }
  | { kind: 'failed'; reason: string };

/** An entry of a GraphQL response's `errors`, as GitHub sends it. */
export interface GraphQLErrorEntry {
  type?: string;
  path?: readonly (string | number)[];
  message: string;
}

const queries = new Map<number, string>();

/** The query for `size` PRs; the text depends on the size only, so it is built once per size. */
export function reviewBatchQuery(size: number): string {
  let query = queries.get(size);
  if (query === undefined) {
    const declarations: string[] = [];
    const fields: string[] = [];
    for (let i = 0; i < size; i += 1) {
      declarations.push(`$o${i}: String!, $r${i}: String!, $n${i}: Int!`);
      fields.push(`  p${i}: repository(owner: $o${i}, name: $r${i}) { pullRequest(number: $n${i}) { ...reviewPage } }`);
    }
    query = [
      `query ReviewBatch(${declarations.join(', ')}) {`,
      ...fields,
      '  rateLimit { cost remaining resetAt }',
      '}',
      'fragment reviewPage on PullRequest {',
      `  reviews(first: ${REVIEWS_PER_PAGE}) { totalCount pageInfo { hasNextPage endCursor } nodes { state submittedAt author { login } } }`,
      '}',
    ].join('\n');
    queries.set(size, query);
  }
  return query;
}

export function reviewBatchVariables(targets: readonly ReviewTarget[]): Record<string, string | number> {
  const variables: Record<string, string | number> = {};
  targets.forEach((target, i) => {
    variables[`o${i}`] = target.owner;
    variables[`r${i}`] = target.repo;
    variables[`n${i}`] = target.number;
  });
  return variables;
}

interface ReviewPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean };
  nodes: (GitHubGraphQLReview | null)[] | null;
}

/**
 * One outcome per PR of the batch, in order. An error whose path starts at a PR's alias (GitHub's
 * NOT_FOUND for a repository or PR that is gone, FORBIDDEN, ...) fails that PR only, next to the
 * others' data; an error without a path means the query as a whole failed.
 */
export function interpretReviewBatch(size: number, data: unknown, errors: readonly GraphQLErrorEntry[] = []): ReviewBatchOutcome[] {
  const byAlias = new Map<string, GraphQLErrorEntry>();
  for (const error of errors) {
    const alias = error.path?.[0];
    const index = typeof alias === 'string' ? /^p(\d+)$/.exec(alias)?.[1] : undefined;
    if (index === undefined || Number(index) >= size) {
      const reason = describeGraphQLError(error);
      return Array.from({ length: size }, () => ({ kind: 'failed', reason }));
    }
    if (!byAlias.has(alias as string)) byAlias.set(alias as string, error);
  }
  const answers = (data ?? {}) as Record<string, { pullRequest?: { reviews?: ReviewPage | null } | null } | null>;
  return Array.from({ length: size }, (_, i): ReviewBatchOutcome => {
    const error = byAlias.get(`p${i}`);
    if (error) return { kind: 'failed', reason: describeGraphQLError(error) };
    const page = answers[`p${i}`]?.pullRequest?.reviews;
    if (!page) return { kind: 'failed', reason: 'GraphQL: the answer has no reviews for this pull request' };
    if (page.pageInfo.hasNextPage) return { kind: 'incomplete', totalCount: page.totalCount };
    return { kind: 'complete', reviews: (page.nodes ?? []).filter((node): node is GitHubGraphQLReview => node !== null) };
  });
}

/** `GraphQL NOT_FOUND: Could not resolve to a Repository with the name 'acme/gone'.` */
export function describeGraphQLError(error: GraphQLErrorEntry): string {
  return `GraphQL ${error.type ?? 'error'}: ${error.message}`;
}

/**
 * The data and errors of an answer that carried `errors` (HTTP 200): Octokit's GraphqlResponseError
 * keeps both. Anything else (HTTP errors, timeouts) is not a GraphQL answer: undefined.
 */
export function partialAnswerOf(error: unknown): { data: unknown; errors: GraphQLErrorEntry[] } | undefined {
  const candidate = error as { name?: unknown; errors?: unknown; data?: unknown } | null;
  if (candidate?.name !== 'GraphqlResponseError' || !Array.isArray(candidate.errors)) return undefined;
  return { data: candidate.data, errors: candidate.errors as GraphQLErrorEntry[] };
}
