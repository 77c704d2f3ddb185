// Domain shapes shared by the pure core and the adapters. No I/O here.

/** `unknown`: GitHub did not answer the review read; the PR is listed all the same. */
export type ReviewState = 'approved' | 'changes_requested' | 'commented' | 'pending' | 'unknown';

export interface Review {
  login: string;
  state: Exclude<ReviewState, 'pending' | 'unknown'>;
  submittedAt: string;
}

export interface PullRequest {
  /** "owner/repo" */
  repository: string;
  number: number;
  title: string;
  url: string;
  /** GitHub login of the author */
  author: string;
  draft: boolean;
  labels: string[];
  /** ISO 8601 */
  createdAt: string;
  updatedAt: string;
  /** GitHub logins still asked to review */
  requestedReviewers: string[];
  /** "org/team" slugs still asked to review */
  requestedTeams: string[];
  /** latest review per reviewer */
  reviews: Review[];
  /** summary over `reviews` */
  reviewState: ReviewState;
}

/** What a digest reply shows beyond the PR: its age and stale flag when first posted. */
export interface ReplyShown {
  ageHours: number;
  stale: boolean;
  staleBy: 'created' | 'updated';
  staleAfterDays: number;
}

export interface RepositoryFailure {
  repository: string;
  reason: string;
}

/** A PR that left the open set since the previous read of its repository. */
export interface ClosedPullRequest {
  /** "owner/repo" */
  repository: string;
  number: number;
  /** ISO 8601; null when it was closed without a merge */
  mergedAt: string | null;
}

/** What one GitHub read cycle produced: a failing repo does not sink the cycle. */
export interface PullRequestSnapshot {
  pullRequests: PullRequest[];
  failedRepositories: RepositoryFailure[];
  /** repositories whose PRs are listed with their review state unknown, and why */
  reviewsUnknown?: RepositoryFailure[];
  /** PRs that left the open set since the previous read of their repository (review-health metrics time merges with them) */
  closedPullRequests?: ClosedPullRequest[];
  fetchedAt: string;
}

/** One Slack Web API call the app would make; dry-run prints these as JSON lines. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
}

export interface TeamFailure {
  /** "org/slug" */
  team: string;
  reason: string;
}

/** Members of GitHub teams as one read found them. */
export interface TeamRoster {
  /** "org/slug" in lower case -> GitHub logins */
  members: ReadonlyMap<string, readonly string[]>;
  failures: readonly TeamFailure[];
}
