// GitHub review semantics, pure: which review counts for each reviewer, and the PR's summary.
import type { Review, ReviewState } from '../core/types.ts';

/** A review as the REST API lists it (GET /repos/{owner}/{repo}/pulls/{n}/reviews). */
export interface GitHubReview {
  user: { login: string } | null;
  state: string;
  submitted_at?: string | null;
}

/** A review as the GraphQL API returns it (PullRequest.reviews nodes: state, submittedAt, author). */
export interface GitHubGraphQLReview {
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING' | (string & {});
  submittedAt?: string | null;
  /** null for a deleted account ("ghost") */
  author: { login: string } | null;
}

/** The GraphQL shape in the REST one: the states are the same enum, only the field names differ. */
export function fromGraphQLReview(review: GitHubGraphQLReview): GitHubReview {
  return { user: review.author ? { login: review.author.login } : null, state: review.state, submitted_at: review.submittedAt ?? null };
}

/**
 * The review that counts per reviewer, as GitHub's merge box shows it: the latest approval or
 * change request wins over later comments, a dismissal clears it, pending drafts are invisible.
 * Reviewers come out in the order of their first review.
 */
export function latestReviewPerReviewer(reviews: readonly GitHubReview[]): Review[] {
  const byReviewer = new Map<string, { decisive?: Review; comment?: Review }>();
  const ordered = [...reviews].sort((a, b) => (a.submitted_at ?? '').localeCompare(b.submitted_at ?? ''));
  for (const review of ordered) {
    const login = review.user?.login;
    if (!login || !review.submitted_at || review.state === 'PENDING') continue;
    const entry = byReviewer.get(login) ?? {};
    byReviewer.set(login, entry);
    const submittedAt = review.submitted_at;
    switch (review.state) {
      case 'APPROVED':
        entry.decisive = { login, state: 'approved', submittedAt };
        break;
      case 'CHANGES_REQUESTED':
        entry.decisive = { login, state: 'changes_requested', submittedAt };
        break;
      case 'DISMISSED':
        delete entry.decisive;
        break;
      case 'COMMENTED':
        entry.comment = { login, state: 'commented', submittedAt };
        break;
      default:
        break;
    }
  }
  const result: Review[] = [];
  for (const entry of byReviewer.values()) {
    const counted = entry.decisive ?? entry.comment;
    if (counted) result.push(counted);
  }
  return result;
}

/** One word for the PR: a change request blocks, then approvals, then comments, else pending. */
export function summarizeReviews(reviews: readonly Review[]): ReviewState {
  if (reviews.some((r) => r.state === 'changes_requested')) return 'changes_requested';
  if (reviews.some((r) => r.state === 'approved')) return 'approved';
  if (reviews.some((r) => r.state === 'commented')) return 'commented';
  return 'pending';
}
