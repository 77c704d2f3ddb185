// The GitHub fake's GraphQL API (POST /graphql, /api/graphql under GitHub Enterprise), executed by
// graphql-js against an SDL that is a faithful subset of GitHub's public schema
// (https://docs.github.com/graphql/reference). What the app depends on follows GitHub's docs:
// aliases and variables, NOT_FOUND errors with `type` and `path` next to partial data at HTTP 200,
// parse and validation errors at HTTP 200 without data, `first` required (1-100) on a connection,
// and the cost of a query as GitHub computes it (one request per connection, times the `first` of
// every enclosing connection; the sum over 100, rounded, at least 1). Never used by app code.
import {
  buildSchema,
  execute,
  getNamedType,
  GraphQLError,
  isObjectType,
  isInterfaceType,
  Kind,
  parse,
  validate,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLFormattedError,
  type SelectionSetNode,
} from 'graphql';
import { githubTime } from './state.ts';

export const GITHUB_GRAPHQL_SCHEMA = /* GraphQL */ `
  "An ISO-8601 encoded UTC date string."
  scalar DateTime
  "An RFC 3986, RFC 3987, and RFC 6570 (level 4) compliant URI string."
  scalar URI

  type Query {
    "Lookup a given repository by the owner and repository name."
    repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
    "The client's rate limit information."
    rateLimit(dryRun: Boolean = false): RateLimit
    "The currently authenticated user."
    viewer: User!
  }

  type RateLimit {
    cost: Int!
    limit: Int!
    nodeCount: Int!
    remaining: Int!
    resetAt: DateTime!
    used: Int!
  }

  interface Node {
    id: ID!
  }

  interface Actor {
    avatarUrl(size: Int): URI!
    login: String!
    resourcePath: URI!
    url: URI!
  }

  type User implements Actor & Node {
    avatarUrl(size: Int): URI!
    databaseId: Int
    id: ID!
    login: String!
    resourcePath: URI!
    url: URI!
  }

  type Repository implements Node {
    databaseId: Int
    id: ID!
    isArchived: Boolean!
    name: String!
    nameWithOwner: String!
    pullRequest(number: Int!): PullRequest
    url: URI!
  }

  type PullRequest implements Node {
    author: Actor
    createdAt: DateTime!
    databaseId: Int
    id: ID!
    isDraft: Boolean!
    number: Int!
    reviewRequests(after: String, before: String, first: Int, last: Int): ReviewRequestConnection
    reviews(after: String, before: String, first: Int, last: Int): PullRequestReviewConnection
    title: String!
    updatedAt: DateTime!
    url: URI!
  }

  type Organization implements Actor & Node {
    avatarUrl(size: Int): URI!
    databaseId: Int
    id: ID!
    login: String!
    resourcePath: URI!
    url: URI!
  }

  type Team implements Node {
    combinedSlug: String!
    databaseId: Int
    id: ID!
    name: String!
    organization: Organization!
    slug: String!
    url: URI!
  }

  "Types that can be requested reviewers."
  union RequestedReviewer = Team | User

  type ReviewRequest implements Node {
    asCodeOwner: Boolean!
    databaseId: Int
    id: ID!
    requestedReviewer: RequestedReviewer
  }

  type ReviewRequestConnection {
    edges: [ReviewRequestEdge]
    nodes: [ReviewRequest]
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type ReviewRequestEdge {
    cursor: String!
    node: ReviewRequest
  }

  type PageInfo {
    endCursor: String
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
  }

  type PullRequestReviewConnection {
    edges: [PullRequestReviewEdge]
    nodes: [PullRequestReview]
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type PullRequestReviewEdge {
    cursor: String!
    node: PullRequestReview
  }

  "The possible states of a pull request review."
  enum PullRequestReviewState {
    APPROVED
    CHANGES_REQUESTED
    COMMENTED
    DISMISSED
    PENDING
  }

  type PullRequestReview implements Node {
    author: Actor
    body: String!
    databaseId: Int
    id: ID!
    state: PullRequestReviewState!
    submittedAt: DateTime
    url: URI!
  }
`;

const schema = buildSchema(GITHUB_GRAPHQL_SCHEMA);
const MAX_PAGE = 100;
const MAX_NODES = 500_000;

/** What the endpoint reads from the fake's in-memory store (the REST routes serve the same). */
export interface GraphqlStore {
  repository(owner: string, name: string): GraphqlRepository | undefined;
  /** a requested team's name and id (teams the store lacks render from their slug) */
  team(org: string, slug: string): { id: number; name: string };
  viewer: string;
  webUrl: string;
}

export interface GraphqlRepository {
  id: number;
  owner: string;
  name: string;
  archived: boolean;
  pull(number: number): GraphqlPull | undefined;
}

export interface GraphqlPull {
  id: number;
  number: number;
  title: string;
  user: string;
  draft: boolean;
  created_at: string;
  updated_at: string;
  requested_reviewers: readonly string[];
  requested_teams: readonly string[];
  reviews: readonly { id: number; user: string; state: string; submitted_at: string; body: string }[];
}

export interface GraphqlBudget {
  limit: number;
  remaining: number;
  reset: number;
}

/** Decided per repository before its resolver answers: undefined reads it normally. */
export type RepositoryFault = (fullName: string) => 'not-found' | { status: number } | undefined;

export type GraphqlOutcome =
  /** HTTP 200 with a GraphQL body (data and/or errors) */
  | { kind: 'result'; body: { data?: unknown; errors?: GraphQLFormattedError[] }; cost: number; aliases: number }
  /** the whole request fails with an HTTP status, as an injected repository fault does */
  | { kind: 'fault'; status: number; aliases: number }
  | { kind: 'bad-request'; message: string };

/**
 * Runs one POST body. Charges `budget` the query's cost (nothing for requests that do not parse or
 * validate), answers RATE_LIMITED at HTTP 200 once the budget is spent, as GitHub documents.
 */
export function runGraphql(rawBody: string, store: GraphqlStore, budget: GraphqlBudget, fault: RepositoryFault, userId: number): GraphqlOutcome {
  let request: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    request = JSON.parse(rawBody) as typeof request;
  } catch {
    return { kind: 'bad-request', message: 'Problems parsing JSON' };
  }
  if (typeof request !== 'object' || request === null || typeof request.query !== 'string') {
    return { kind: 'result', body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] }, cost: 0, aliases: 0 };
  }
  const variables = (typeof request.variables === 'object' && request.variables !== null ? request.variables : {}) as Record<string, unknown>;
  const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
  const checked = checkedDocument(request.query);
  if ('errors' in checked) return { kind: 'result', body: { errors: checked.errors }, cost: 0, aliases: 0 };
  const { document } = checked;

  const analysis = analyse(document, variables, operationName);
  if (analysis.errors.length > 0) return { kind: 'result', body: { errors: analysis.errors }, cost: 0, aliases: analysis.aliases };
  if (budget.remaining <= 0 || budget.remaining < analysis.cost) {
    return {
      kind: 'result',
      body: { errors: [{ type: 'RATE_LIMITED', message: `API rate limit exceeded for user ID ${userId}.` } as GraphQLFormattedError] },
      cost: 0,
      aliases: analysis.aliases,
    };
  }

  let injected: number | undefined;
  const context = { cost: analysis.cost, nodeCount: analysis.nodeCount };
  const root = {
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const found = store.repository(owner, name);
      const decided = fault(found ? `${found.owner}/${found.name}` : `${owner}/${name}`);
      if (decided && decided !== 'not-found') injected ??= decided.status;
      if (!found || decided === 'not-found') throw notFound(`Could not resolve to a Repository with the name '${owner}/${name}'.`);
      return repositoryNode(found, store);
    },
    rateLimit: ({ dryRun }: { dryRun: boolean }) => ({
      cost: context.cost,
      limit: budget.limit,
      nodeCount: context.nodeCount,
      // The query's own cost is already spent when its rateLimit field is read, unless a dry run.
      remaining: dryRun ? budget.remaining : budget.remaining - context.cost,
      used: budget.limit - (dryRun ? budget.remaining : budget.remaining - context.cost),
      resetAt: githubTime(budget.reset * 1000),
    }),
    viewer: () => userNode(store.viewer, store),
  };
  const result = execute({ schema, document, rootValue: root, variableValues: variables, ...(operationName ? { operationName } : {}) });
  if (result instanceof Promise) throw new Error('GitHub fake: GraphQL resolvers must be synchronous');
  if (injected !== undefined) return { kind: 'fault', status: injected, aliases: analysis.aliases };
  const dryRun = document.definitions.some(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      d.selectionSet.selections.some(
        (s) =>
          s.kind === Kind.FIELD &&
          s.name.value === 'rateLimit' &&
          s.arguments?.some((a) => a.name.value === 'dryRun' && valueFromASTUntyped(a.value, variables) === true),
      ),
  );
  const cost = dryRun ? 0 : analysis.cost;
  budget.remaining -= cost;
  const body: { data?: unknown; errors?: GraphQLFormattedError[] } = { data: result.data ?? null };
  if (result.errors && result.errors.length > 0) body.errors = result.errors.map(format);
  return { kind: 'result', body, cost, aliases: analysis.aliases };
}

// Parsing and validating a 50-alias query takes ~12 ms of CPU and clients repeat the same text
// with new variables, so the outcome is remembered per text (a few hundred texts at most).
const checkedDocuments = new Map<string, { document: DocumentNode } | { errors: GraphQLFormattedError[] }>();

function checkedDocument(query: string): { document: DocumentNode } | { errors: GraphQLFormattedError[] } {
  let checked = checkedDocuments.get(query);
  if (checked === undefined) {
    try {
      const document = parse(query);
      const invalid = validate(schema, document);
      checked = invalid.length > 0 ? { errors: invalid.map(format) } : { document };
    } catch (error) {
      checked = { errors: [format(error as GraphQLError)] };
    }
    if (checkedDocuments.size >= 500) checkedDocuments.clear();
    checkedDocuments.set(query, checked);
  }
  return checked;
}

class NotFound extends Error {
  readonly type = 'NOT_FOUND';
}

function notFound(message: string): NotFound {
  return new NotFound(message);
}

/** GitHub's error shape: `type` at the top level (NOT_FOUND, RATE_LIMITED, ...), then path, locations, message. */
function format(error: GraphQLError): GraphQLFormattedError {
  const original = error.originalError as { type?: string } | undefined;
  const formatted: Record<string, unknown> = {};
  if (original?.type) formatted.type = original.type;
  if (error.path) formatted.path = error.path;
  if (error.locations) formatted.locations = error.locations;
  formatted.message = error.message;
  return formatted as unknown as GraphQLFormattedError;
}

function cursorFor(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString('base64');
}

function indexOfCursor(cursor: string): number | undefined {
  const match = /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function userNode(login: string, store: GraphqlStore): Record<string, unknown> {
  return {
    __typename: 'User',
    id: Buffer.from(`04:User${login}`).toString('base64'),
    login,
    url: `${store.webUrl}/${login}`,
    resourcePath: `/${login}`,
    avatarUrl: `https://avatars.github.test/${login}`,
  };
}

function repositoryNode(repo: GraphqlRepository, store: GraphqlStore): Record<string, unknown> {
  const nameWithOwner = `${repo.owner}/${repo.name}`;
  return {
    __typename: 'Repository',
    id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    databaseId: repo.id,
    name: repo.name,
    nameWithOwner,
    isArchived: repo.archived,
    url: `${store.webUrl}/${nameWithOwner}`,
    pullRequest: ({ number }: { number: number }) => {
      const pr = repo.pull(number);
      if (!pr) throw notFound(`Could not resolve to a PullRequest with the number of ${number}.`);
      return pullRequestNode(repo, pr, store);
    },
  };
}

function pullRequestNode(repo: GraphqlRepository, pr: GraphqlPull, store: GraphqlStore): Record<string, unknown> {
  const url = `${store.webUrl}/${repo.owner}/${repo.name}/pull/${pr.number}`;
  return {
    __typename: 'PullRequest',
    id: Buffer.from(`011:PullRequest${pr.id}`).toString('base64'),
    databaseId: pr.id,
    number: pr.number,
    title: pr.title,
    isDraft: pr.draft,
    author: userNode(pr.user, store),
    createdAt: pr.created_at,
    updatedAt: pr.updated_at,
    url,
    reviews: (args: ConnectionArguments) =>
      connection(pr.reviews, args, (review) => ({
        __typename: 'PullRequestReview',
        id: Buffer.from(`017:PullRequestReview${review.id}`).toString('base64'),
        databaseId: review.id,
        state: review.state,
        // GitHub leaves submittedAt null on a pending review.
        submittedAt: review.state === 'PENDING' ? null : review.submitted_at,
        body: review.body,
        author: userNode(review.user, store),
        url: `${url}#pullrequestreview-${review.id}`,
      })),
    reviewRequests: (args: ConnectionArguments) =>
      connection(reviewRequests(pr), args, (request) => ({
        __typename: 'ReviewRequest',
        id: Buffer.from(`012:ReviewRequest${pr.id}:${request.kind}:${request.name}`).toString('base64'),
        asCodeOwner: false,
        requestedReviewer: request.kind === 'user' ? userNode(request.name, store) : teamNode(repo.owner, request.name, store),
      })),
  };
}

interface ConnectionArguments {
  first?: number;
  last?: number;
  after?: string;
  before?: string;
}

/** A connection over `all` with cursor pagination as GitHub's: first/after or last/before. */
function connection<T>(
  all: readonly T[],
  { first, last, after, before }: ConnectionArguments,
  render: (item: T) => Record<string, unknown>,
): Record<string, unknown> {
  let start = 0;
  let end = all.length;
  if (after !== undefined) start = Math.min(end, (indexOfCursor(after) ?? -1) + 1);
  if (before !== undefined) end = Math.max(start, Math.min(end, indexOfCursor(before) ?? end));
  if (first !== undefined) end = Math.min(end, start + first);
  else if (last !== undefined) start = Math.max(start, end - last);
  const page = all.slice(start, end).map((item, offset) => ({ item, cursor: cursorFor(start + offset) }));
  const nodes = page.map(({ item }) => render(item));
  return {
    totalCount: all.length,
    nodes,
    edges: page.map(({ cursor }, i) => ({ cursor, node: nodes[i] })),
    pageInfo: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: page[0]?.cursor ?? null,
      endCursor: page.at(-1)?.cursor ?? null,
    },
  };
}

/** Pending review requests in GitHub's order: people, then teams. */
function reviewRequests(pr: GraphqlPull): { kind: 'user' | 'team'; name: string }[] {
  return [...pr.requested_reviewers.map((name) => ({ kind: 'user' as const, name })), ...pr.requested_teams.map((name) => ({ kind: 'team' as const, name }))];
}

function teamNode(org: string, slug: string, store: GraphqlStore): Record<string, unknown> {
  const team = store.team(org, slug);
  return {
    __typename: 'Team',
    id: Buffer.from(`04:Team${team.id}`).toString('base64'),
    databaseId: team.id,
    slug,
    name: team.name,
    combinedSlug: `${org}/${slug}`,
    url: `${store.webUrl}/orgs/${org}/teams/${slug}`,
    organization: {
      __typename: 'Organization',
      id: Buffer.from(`012:Organization${org}`).toString('base64'),
      login: org,
      url: `${store.webUrl}/${org}`,
      resourcePath: `/${org}`,
      avatarUrl: `https://avatars.github.test/${org}`,
    },
  };
}

interface Analysis {
  cost: number;
  nodeCount: number;
  /** top-level fields other than rateLimit: the aliases a batch asks for */
  aliases: number;
  errors: GraphQLFormattedError[];
}

/**
 * GitHub's static analysis before execution: every connection needs `first` or `last` within
 * 1-100; the cost is one request per connection times the page sizes of the connections around
 * it, divided by 100 and rounded (at least 1); more than 500,000 nodes is refused.
 */
function analyse(document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined): Analysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && (operationName === undefined || d.name?.value === operationName));
  const errors: GraphQLFormattedError[] = [];
  let requests = 0;
  let nodes = 0;
  let aliases = 0;
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return { cost: 1, nodeCount: 0, aliases, errors };

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, multiplier: number, top: boolean): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
        if (fragment && type && (isObjectType(type) || isInterfaceType(type))) walk(fragment.selectionSet, type, multiplier, top);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && (isObjectType(type) || isInterfaceType(type))) walk(selection.selectionSet, type, multiplier, top);
        continue;
      }
      const name = selection.name.value;
      if (top && name !== 'rateLimit' && name !== '__typename') aliases += 1;
      if (name.startsWith('__') || !('getFields' in parent)) continue;
      const field = parent.getFields()[name];
      if (!field) continue;
      const type = getNamedType(field.type);
      let childMultiplier = multiplier;
      if (type.name.endsWith('Connection')) {
        const argument = (arg: string): unknown => {
          const node = selection.arguments?.find((a) => a.name.value === arg);
          return node ? valueFromASTUntyped(node.value, variables) : undefined;
        };
        const first = argument('first');
        const last = argument('last');
        const size = typeof first === 'number' ? first : typeof last === 'number' ? last : undefined;
        const alias = selection.alias?.value ?? name;
        if (size === undefined) {
          errors.push({ message: `You must provide a \`first\` or \`last\` value to properly paginate the \`${alias}\` connection.` } as GraphQLFormattedError);
        } else if (size < 1 || size > MAX_PAGE) {
          const which = typeof first === 'number' ? 'first' : 'last';
          errors.push({
            message: `Requesting ${size} records on the \`${alias}\` connection exceeds the \`${which}\` limit of ${MAX_PAGE} records.`,
          } as GraphQLFormattedError);
        }
        requests += multiplier;
        nodes += multiplier * (size ?? 0);
        childMultiplier = multiplier * (size ?? 0);
      }
      if (selection.selectionSet && (isObjectType(type) || isInterfaceType(type))) walk(selection.selectionSet, type, childMultiplier, false);
    }
  };
  const query = schema.getQueryType();
  if (query) walk(operation.selectionSet, query, 1, true);
  if (nodes > MAX_NODES) {
    errors.push({
      type: 'MAX_NODE_LIMIT_EXCEEDED',
      message: `This query requests up to ${nodes} possible nodes which exceeds the maximum limit of ${MAX_NODES}.`,
    } as GraphQLFormattedError);
  }
  return { cost: Math.max(1, Math.round(requests / 100)), nodeCount: nodes, aliases, errors };
}
