// Which open pull requests a reminder talks about, and in what order. Pure.
import type { Filters, User } from '../config/schema.ts';
import type { PullRequest } from './types.ts';

const hourMs = 3_600_000;

export interface SelectedPullRequest {
  pr: PullRequest;
  /** whole hours since the PR was opened */
  ageHours: number;
  /** open, or without an update (`filters.staleBy`), for at least `filters.staleAfterDays` */
  stale: boolean;
  staleBy: Filters['staleBy'];
}

function hasAny(labels: string[], wanted: string[]): boolean {
  const set = new Set(labels.map((label) => label.toLowerCase()));
  return wanted.some((label) => set.has(label.toLowerCase()));
}

/** `approvalsRequired`, or the old `skipApproved: true` as 1. */
export function requiredApprovals(filters: Filters): number {
  return filters.approvalsRequired ?? (filters.skipApproved ? 1 : 0);
}

/** Why a PR is left out, or undefined when it is kept. */
export function exclusionReason(pr: PullRequest, filters: Filters, now: Date): string | undefined {
  if (pr.draft && !filters.includeDrafts) return 'draft';
  if (filters.labels.include.length > 0 && !hasAny(pr.labels, filters.labels.include)) return 'missing an included label';
  if (hasAny(pr.labels, filters.labels.exclude)) return 'has an excluded label';
  const title = pr.title.toLowerCase();
  const term = filters.ignoredTitleTerms.find((t) => title.includes(t.toLowerCase()));
  if (term !== undefined) return `title contains "${term}"`;
  const ageHours = (now.getTime() - Date.parse(pr.createdAt)) / hourMs;
  if (ageHours < filters.minimumAgeHours) return 'younger than the minimum age';
  const required = requiredApprovals(filters);
  // An approved summary is at least one approval, however few reviews were read.
  const approvals = Math.max(1, pr.reviews.filter((r) => r.state === 'approved').length);
  if (required > 0 && pr.reviewState === 'approved' && approvals >= required) return `approved ${approvals} of ${required} times`;
  return undefined;
}

/** Applies the filters and orders the rest oldest first (ties by repository and number). */
export function selectPullRequests(prs: readonly PullRequest[], filters: Filters, now: Date): SelectedPullRequest[] {
  const staleAfterHours = filters.staleAfterDays * 24;
  return prs
    .filter((pr) => exclusionReason(pr, filters, now) === undefined)
    .map((pr) => {
      const ageHours = Math.max(0, Math.floor((now.getTime() - Date.parse(pr.createdAt)) / hourMs));
      const idleHours = filters.staleBy === 'updated' ? (now.getTime() - Date.parse(pr.updatedAt)) / hourMs : ageHours;
      return { pr, ageHours, stale: idleHours >= staleAfterHours, staleBy: filters.staleBy };
    })
    .sort((a, b) => Date.parse(a.pr.createdAt) - Date.parse(b.pr.createdAt) || a.pr.repository.localeCompare(b.pr.repository) || a.pr.number - b.pr.number);
}

export function authoredBy(selected: readonly SelectedPullRequest[], login: string): SelectedPullRequest[] {
  const wanted = login.toLowerCase();
  return selected.filter((s) => s.pr.author.toLowerCase() === wanted);
}

/** Everyone still asked to review `pr`, in lower case: people asked by name and the members of teams asked. */
export function requestedReviewerLogins(pr: PullRequest, teams: ReadonlyMap<string, readonly string[]>): Set<string> {
  const logins = new Set(pr.requestedReviewers.map((login) => login.toLowerCase()));
  for (const team of pr.requestedTeams) for (const member of teams.get(team.toLowerCase()) ?? []) logins.add(member.toLowerCase());
  return logins;
}

/** PRs on which `login` is still a requested reviewer, by name or as a member of a team asked (`teams`: "org/slug" lower case -> logins). */
export function awaitingReviewFrom(
  selected: readonly SelectedPullRequest[],
  login: string,
  teams: ReadonlyMap<string, readonly string[]> = new Map(),
): SelectedPullRequest[] {
  const wanted = login.toLowerCase();
  return selected.filter((s) => requestedReviewerLogins(s.pr, teams).has(wanted));
}

/** Looks users up by GitHub login (case-insensitive) or Slack id. */
export class UserDirectory {
  private readonly byLogin = new Map<string, User>();
  private readonly bySlack = new Map<string, User>();

  constructor(readonly users: readonly User[]) {
    for (const user of users) {
      this.byLogin.set(user.github.toLowerCase(), user);
      this.bySlack.set(user.slack, user);
    }
  }

  byGitHubLogin(login: string): User | undefined {
    return this.byLogin.get(login.toLowerCase());
  }

  bySlackId(id: string): User | undefined {
    return this.bySlack.get(id);
  }
}
