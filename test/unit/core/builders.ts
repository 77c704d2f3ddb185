// Builders for core tests: a valid pull request with overridable fields.
import { filtersSchema, type Filters, type User } from '../../../app/src/config/schema.ts';
import type { PullRequest, PullRequestSnapshot } from '../../../app/src/core/types.ts';

export const now = new Date('2026-03-10T09:00:00Z');

export function hoursAgo(hours: number): string {
  return new Date(now.getTime() - hours * 3_600_000).toISOString();
}

export function aPullRequest(overrides: Partial<PullRequest> = {}): PullRequest {
  const number = overrides.number ?? 1;
  const repository = overrides.repository ?? 'acme/api';
  return {
    repository,
    number,
    title: `Change ${number}`,
    url: `https://github.com/${repository}/pull/${number}`,
    author: 'alice',
    draft: false,
    labels: [],
    createdAt: hoursAgo(30),
    updatedAt: hoursAgo(1),
    requestedReviewers: [],
    requestedTeams: [],
    reviews: [],
    reviewState: 'pending',
    ...overrides,
  };
}

export function filters(overrides: Partial<Filters> = {}): Filters {
  return { ...filtersSchema.parse({}), ...overrides };
}

export function snapshot(pullRequests: PullRequest[], failedRepositories: PullRequestSnapshot['failedRepositories'] = []): PullRequestSnapshot {
  return { pullRequests, failedRepositories, fetchedAt: now.toISOString() };
}

export const alice: User = { slack: 'U0ALICE', github: 'alice', name: 'Alice' };
export const bob: User = { slack: 'U0BOB', github: 'Bob', name: 'Bob' };
