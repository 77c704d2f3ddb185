// What the GitHub fake knows: owners, repositories, pull requests, reviews, teams, and GitHub Apps
// with their installations and tokens. The seeding methods check their input as GitHub would (a
// login as GitHub allows it, a repository that exists) and store timestamps as GitHub serves them.
import { createHash } from 'node:crypto';

export type GitHubReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface PullRequestInput {
  number?: number;
  title?: string;
  user?: string;
  draft?: boolean;
  labels?: string[];
  created_at?: string;
  updated_at?: string;
  requested_reviewers?: string[];
  /** team slugs of the repository's organisation */
  requested_teams?: string[];
  body?: string;
}

export interface ReviewInput {
  user: string;
  state: GitHubReviewState | Lowercase<GitHubReviewState>;
  submitted_at?: string;
  body?: string;
}

export interface TeamInput {
  name?: string;
  description?: string;
  /** member logins */
  members?: string[];
}

export interface Owner {
  login: string;
  id: number;
  type: 'Organization' | 'User';
}

export interface Review {
  id: number;
  user: string;
  state: GitHubReviewState;
  submitted_at: string;
  body: string;
}

export interface Pull {
  id: number;
  number: number;
  title: string;
  user: string;
  draft: boolean;
  labels: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  state: 'open' | 'closed';
  requested_reviewers: string[];
  requested_teams: string[];
  body: string;
  reviews: Review[];
}

export interface Repository {
  id: number;
  owner: Owner;
  name: string;
  private: boolean;
  archived: boolean;
  created_at: string;
  pulls: Map<number, Pull>;
  nextNumber: number;
}

export interface Team {
  id: number;
  org: Owner;
  slug: string;
  name: string;
  description: string;
  members: string[];
  created_at: string;
}

/** A GitHub App and the public half of its key (GitHub keeps no private key). */
export interface App {
  id: number;
  slug: string;
  name: string;
  publicKey: string;
  permissions: Record<string, 'read' | 'write'>;
  events: string[];
  created_at: string;
}

export interface Installation {
  id: number;
  appId: number;
  account: Owner;
  repositorySelection: 'all' | 'selected';
  created_at: string;
}

export interface InstallationToken {
  installationId: number;
  /** epoch milliseconds, whole seconds as the served `expires_at` */
  expiresAt: number;
}

// Letters and digits, single hyphens inside, at most 39 characters; Enterprise Managed Users add
// `_shortcode`, bots `[bot]`.
const LOGIN = /^(?=[A-Za-z0-9-]{1,39}(?:_|\[|$))[A-Za-z0-9](?:-?[A-Za-z0-9])*(?:_[A-Za-z0-9]+)?(?:\[bot\])?$/;

/** A login GitHub would accept, or an error naming the field. */
export function checkedLogin(login: string, field: string): string {
  if (!LOGIN.test(login)) {
    throw new Error(
      `GitHub fake: ${field} "${login}" is not a GitHub login (letters, digits and single inner hyphens, at most 39, optionally _shortcode or [bot])`,
    );
  }
  return login;
}

/** A time as GitHub serves it: ISO 8601 in UTC, whole seconds, e.g. 2026-11-28T09:00:00Z. */
export function githubTime(at: Date | string | number = Date.now()): string {
  const time = new Date(at);
  if (Number.isNaN(time.getTime())) throw new Error(`GitHub fake: "${String(at)}" is not a time`);
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class GitHubState {
  readonly owners = new Map<string, Owner>();
  readonly repositories = new Map<string, Repository>();
  readonly teams = new Map<string, Team>();
  readonly apps = new Map<number, App>();
  readonly installations = new Map<number, Installation>();
  readonly tokens = new Map<string, InstallationToken>();
  /** How long a new installation token lives. */
  tokenLifetimeMs = 3_600_000;
  private nextId = 1000;

  repository(fullName: string): Repository {
    const repo = this.repositories.get(lowerKey(fullName));
    if (!repo) throw new Error(`GitHub fake: no repository ${fullName}; call addRepository first`);
    return repo;
  }

  pull(fullName: string, number: number): Pull {
    const pr = this.repository(fullName).pulls.get(number);
    if (!pr) throw new Error(`GitHub fake: no pull request ${fullName}#${number}`);
    return pr;
  }

  repoById(id: number): Repository | undefined {
    for (const repo of this.repositories.values()) if (repo.id === id) return repo;
    return undefined;
  }

  ownerById(id: number): Owner | undefined {
    for (const owner of this.owners.values()) if (owner.id === id) return owner;
    return undefined;
  }

  team(org: string, slug: string): Team | undefined {
    return this.teams.get(lowerKey(`${org}/${slug}`));
  }

  teamById(orgId: number, teamId: number): Team | undefined {
    for (const team of this.teams.values()) if (team.id === teamId && team.org.id === orgId) return team;
    return undefined;
  }

  addRepository(fullName: string, opts: { archived?: boolean; private?: boolean; ownerType?: 'Organization' | 'User' } = {}): void {
    const [ownerLogin, name] = splitFullName(fullName);
    const owner = this.owner(ownerLogin, opts.ownerType ?? 'Organization');
    if (this.repositories.has(lowerKey(fullName))) throw new Error(`GitHub fake: repository ${fullName} already exists`);
    this.repositories.set(lowerKey(fullName), {
      id: this.nextId++,
      owner,
      name,
      private: opts.private ?? false,
      archived: opts.archived ?? false,
      created_at: githubTime(Date.UTC(2024, 0, 1) + this.repositories.size * 60_000),
      pulls: new Map(),
      nextNumber: 1,
    });
  }

  addPullRequest(fullName: string, input: PullRequestInput = {}): number {
    const repo = this.repository(fullName);
    const number = input.number ?? repo.nextNumber;
    if (repo.pulls.has(number)) throw new Error(`GitHub fake: ${fullName}#${number} already exists`);
    const user = checkedLogin(input.user ?? 'octocat', 'user');
    const reviewers = (input.requested_reviewers ?? []).map((login) => checkedLogin(login, 'requested_reviewers'));
    repo.nextNumber = Math.max(repo.nextNumber, number + 1);
    const createdAt = githubTime(input.created_at);
    repo.pulls.set(number, {
      id: this.nextId++,
      number,
      title: input.title ?? `Pull request ${number}`,
      user,
      draft: input.draft ?? false,
      labels: input.labels ?? [],
      created_at: createdAt,
      updated_at: input.updated_at === undefined ? createdAt : githubTime(input.updated_at),
      closed_at: null,
      merged_at: null,
      state: 'open',
      requested_reviewers: reviewers,
      requested_teams: input.requested_teams ?? [],
      body: input.body ?? '',
      reviews: [],
    });
    return number;
  }

  updatePullRequest(fullName: string, number: number, patch: Omit<PullRequestInput, 'number'>): void {
    const pr = this.pull(fullName, number);
    if (patch.user !== undefined) checkedLogin(patch.user, 'user');
    for (const login of patch.requested_reviewers ?? []) checkedLogin(login, 'requested_reviewers');
    const times = {
      ...(patch.created_at === undefined ? {} : { created_at: githubTime(patch.created_at) }),
      ...(patch.updated_at === undefined ? {} : { updated_at: githubTime(patch.updated_at) }),
    };
    Object.assign(pr, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)), times);
    if (patch.updated_at === undefined) touch(pr);
  }

  addReview(fullName: string, number: number, input: ReviewInput): void {
    const pr = this.pull(fullName, number);
    const submittedAt = githubTime(input.submitted_at);
    pr.reviews.push({
      id: this.nextId++,
      user: checkedLogin(input.user, 'user'),
      state: input.state.toUpperCase() as GitHubReviewState,
      submitted_at: submittedAt,
      body: input.body ?? '',
    });
    // Submitting a review fulfils the review request and updates the pull request, as on GitHub.
    if (input.state.toUpperCase() !== 'PENDING') {
      pr.requested_reviewers = pr.requested_reviewers.filter((login) => login !== input.user);
      touch(pr, submittedAt);
    }
  }

  /** Closes the PR; `merged` merges it first, as the merge button does (closed_at and merged_at alike). */
  closePullRequest(fullName: string, number: number, options: { merged?: boolean } = {}): void {
    const pr = this.pull(fullName, number);
    pr.state = 'closed';
    pr.closed_at = githubTime();
    if (options.merged) pr.merged_at = pr.closed_at;
    touch(pr);
  }

  addTeam(org: string, slug: string, input: TeamInput = {}): void {
    if (!/^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/.test(slug)) {
      throw new Error(`GitHub fake: team slug "${slug}" must be lower-case letters, digits, hyphens and underscores`);
    }
    const owner = this.owner(checkedLogin(org, 'org'), 'Organization');
    if (owner.type !== 'Organization') throw new Error(`GitHub fake: ${org} is a user; teams belong to organisations`);
    if (this.team(org, slug)) throw new Error(`GitHub fake: team ${org}/${slug} already exists`);
    this.teams.set(lowerKey(`${org}/${slug}`), {
      id: this.nextId++,
      org: owner,
      slug,
      name: input.name ?? slug,
      description: input.description ?? '',
      members: (input.members ?? []).map((login) => checkedLogin(login, 'members')),
      created_at: githubTime(),
    });
  }

  setTeamMembers(org: string, slug: string, members: string[]): void {
    const team = this.team(org, slug);
    if (!team) throw new Error(`GitHub fake: no team ${org}/${slug}; call addTeam first`);
    team.members = members.map((login) => checkedLogin(login, 'members'));
  }

  addApp(app: { id: number; publicKey: string; slug?: string; name?: string; permissions?: Record<string, 'read' | 'write'> }): void {
    if (!Number.isInteger(app.id) || app.id <= 0) throw new Error(`GitHub fake: app id must be a positive integer, got ${app.id}`);
    if (this.apps.has(app.id)) throw new Error(`GitHub fake: app ${app.id} already exists`);
    this.apps.set(app.id, {
      id: app.id,
      slug: app.slug ?? `app-${app.id}`,
      name: app.name ?? `App ${app.id}`,
      publicKey: app.publicKey,
      permissions: app.permissions ?? { metadata: 'read', pull_requests: 'read', members: 'read' },
      events: ['pull_request', 'pull_request_review'],
      created_at: githubTime(),
    });
  }

  addInstallation(installation: { id: number; appId: number; account: string; repositorySelection?: 'all' | 'selected' }): void {
    if (!this.apps.has(installation.appId)) throw new Error(`GitHub fake: no app ${installation.appId}; call addApp first`);
    if (this.installations.has(installation.id)) throw new Error(`GitHub fake: installation ${installation.id} already exists`);
    this.installations.set(installation.id, {
      id: installation.id,
      appId: installation.appId,
      account: this.owner(checkedLogin(installation.account, 'account'), 'Organization'),
      repositorySelection: installation.repositorySelection ?? 'all',
      created_at: githubTime(),
    });
  }

  private owner(login: string, type: Owner['type']): Owner {
    let owner = this.owners.get(login.toLowerCase());
    if (!owner) {
      owner = { login, id: this.nextId++, type };
      this.owners.set(login.toLowerCase(), owner);
    }
    return owner;
  }
}

export function lowerKey(fullName: string): string {
  return fullName.toLowerCase();
}

function touch(pr: Pull, at?: string): void {
  // updated_at only moves forward, even when a test submits a review dated in the past.
  const candidate = at ?? githubTime();
  pr.updated_at = candidate > pr.updated_at ? candidate : githubTime(Date.parse(pr.updated_at) + 1000);
}

function splitFullName(fullName: string): [string, string] {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(fullName);
  if (!match?.[1] || !match[2]) throw new Error(`GitHub fake: expected "owner/repo", got "${fullName}"`);
  return [match[1], match[2]];
}

// Memoised: the benchmark renders thousands of PRs per second and the inputs repeat.
const ids = new Map<string, number>();
export function stableId(text: string): number {
  let id = ids.get(text);
  if (id === undefined) {
    id = createHash('sha1').update(text).digest().readUInt32BE(0) % 100_000_000;
    ids.set(text, id);
  }
  return id;
}

const shas = new Map<string, string>();
export function sha1(text: string): string {
  let sha = shas.get(text);
  if (sha === undefined) {
    sha = createHash('sha1').update(text).digest('hex');
    shas.set(text, sha);
  }
  return sha;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
