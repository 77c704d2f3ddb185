import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { interpretReviewBatch, partialAnswerOf, reviewBatchQuery, reviewBatchVariables } from '../../app/src/github/review-batches.ts';
import { fromGraphQLReview, latestReviewPerReviewer, type GitHubGraphQLReview } from '../../app/src/github/reviews.ts';

const page = (nodes: (GitHubGraphQLReview | null)[], hasNextPage = false) => ({
  pullRequest: { reviews: { totalCount: nodes.length, pageInfo: { hasNextPage, endCursor: null }, nodes } },
});

describe('reviewBatchQuery', () => {
  it('asks for every PR through its own alias and variables, with the rate limit, in valid GraphQL', () => {
    const query = reviewBatchQuery(3);
    const document = parse(query);
    expect(document.definitions).toHaveLength(2);
    const operation = document.definitions[0];
    if (operation?.kind !== 'OperationDefinition') throw new Error('expected an operation first');
    expect(operation.variableDefinitions?.map((v) => v.variable.name.value)).toEqual(['o0', 'r0', 'n0', 'o1', 'r1', 'n1', 'o2', 'r2', 'n2']);
    expect(operation.selectionSet.selections.map((s) => (s.kind === 'Field' ? (s.alias?.value ?? s.name.value) : s.kind))).toEqual([
      'p0',
      'p1',
      'p2',
      'rateLimit',
    ]);
    expect(query).toContain('reviews(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { state submittedAt author { login } } }');
  });

  it('keeps owners, names and numbers out of the query text', () => {
    const targets = [{ owner: 'evil") { x } #', repo: 'r', number: 7 }];
    expect(reviewBatchQuery(1)).not.toContain('evil');
    expect(reviewBatchVariables(targets)).toEqual({ o0: 'evil") { x } #', r0: 'r', n0: 7 });
  });

  it('builds the text once per size', () => {
    expect(reviewBatchQuery(50)).toBe(reviewBatchQuery(50));
    expect(reviewBatchQuery(50)).not.toBe(reviewBatchQuery(49));
  });
});

describe('interpretReviewBatch', () => {
  const approved: GitHubGraphQLReview = { state: 'APPROVED', submittedAt: '2026-01-02T00:00:00Z', author: { login: 'bob' } };

  it('returns each complete page of reviews in the order of the batch, dropping null nodes', () => {
    expect(interpretReviewBatch(2, { p0: page([approved, null]), p1: page([]), rateLimit: { cost: 1 } })).toEqual([
      { kind: 'complete', reviews: [approved] },
      { kind: 'complete', reviews: [] },
    ]);
  });

  it('marks a PR with a next page as incomplete', () => {
    expect(interpretReviewBatch(1, { p0: page([approved], true) })).toEqual([{ kind: 'incomplete', totalCount: 1 }]);
  });

  it('fails only the aliases a NOT_FOUND error points at and keeps the partial data of the others', () => {
    const errors = [
      { type: 'NOT_FOUND', path: ['p1'], message: "Could not resolve to a Repository with the name 'acme/gone'." },
      { type: 'NOT_FOUND', path: ['p2', 'pullRequest'], message: 'Could not resolve to a PullRequest with the number of 9.' },
    ];
    expect(interpretReviewBatch(3, { p0: page([approved]), p1: null, p2: { pullRequest: null } }, errors)).toEqual([
      { kind: 'complete', reviews: [approved] },
      { kind: 'failed', reason: "GraphQL NOT_FOUND: Could not resolve to a Repository with the name 'acme/gone'." },
      { kind: 'failed', reason: 'GraphQL NOT_FOUND: Could not resolve to a PullRequest with the number of 9.' },
    ]);
  });

  it('fails the whole batch on an error without a path', () => {
    const reason = 'GraphQL error: Something went wrong while executing your query.';
    expect(interpretReviewBatch(2, null, [{ message: 'Something went wrong while executing your query.' }])).toEqual([
      { kind: 'failed', reason },
      { kind: 'failed', reason },
    ]);
  });

  it('fails a PR the answer says nothing about', () => {
    expect(interpretReviewBatch(1, {})).toEqual([{ kind: 'failed', reason: 'GraphQL: the answer has no reviews for this pull request' }]);
  });
});

describe('partialAnswerOf', () => {
  it("takes data and errors from Octokit's GraphqlResponseError and nothing else", () => {
    const graphqlError = Object.assign(new Error('Request failed due to following response errors'), {
      name: 'GraphqlResponseError',
      data: { p0: null },
      errors: [{ type: 'NOT_FOUND', path: ['p0'], message: 'gone' }],
    });
    expect(partialAnswerOf(graphqlError)).toEqual({ data: { p0: null }, errors: [{ type: 'NOT_FOUND', path: ['p0'], message: 'gone' }] });
    expect(partialAnswerOf(Object.assign(new Error('Server Error'), { status: 502 }))).toBeUndefined();
    expect(partialAnswerOf(undefined)).toBeUndefined();
  });
});

describe('fromGraphQLReview', () => {
  it('maps every GraphQL review state through the REST reduction the same way', () => {
    const graph: GitHubGraphQLReview[] = [
      { state: 'CHANGES_REQUESTED', submittedAt: '2026-01-01T00:00:00Z', author: { login: 'bob' } },
      { state: 'APPROVED', submittedAt: '2026-01-03T00:00:00Z', author: { login: 'bob' } },
      { state: 'COMMENTED', submittedAt: '2026-01-04T00:00:00Z', author: { login: 'bob' } },
      { state: 'COMMENTED', submittedAt: '2026-01-02T00:00:00Z', author: { login: 'carol' } },
      { state: 'CHANGES_REQUESTED', submittedAt: '2026-01-02T00:00:00Z', author: { login: 'dave' } },
      { state: 'DISMISSED', submittedAt: '2026-01-05T00:00:00Z', author: { login: 'dave' } },
      { state: 'PENDING', submittedAt: null, author: { login: 'erin' } },
      { state: 'APPROVED', submittedAt: '2026-01-02T00:00:00Z', author: null },
    ];
    expect(graph.map(fromGraphQLReview)[0]).toEqual({ user: { login: 'bob' }, state: 'CHANGES_REQUESTED', submitted_at: '2026-01-01T00:00:00Z' });
    expect(fromGraphQLReview({ state: 'PENDING', author: null })).toEqual({ user: null, state: 'PENDING', submitted_at: null });
    expect(latestReviewPerReviewer(graph.map(fromGraphQLReview))).toEqual([
      { login: 'bob', state: 'approved', submittedAt: '2026-01-03T00:00:00Z' },
      { login: 'carol', state: 'commented', submittedAt: '2026-01-02T00:00:00Z' },
    ]);
  });
});
