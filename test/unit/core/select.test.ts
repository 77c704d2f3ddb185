import { describe, expect, it } from 'vitest';
import { authoredBy, awaitingReviewFrom, selectPullRequests, UserDirectory } from '../../../app/src/core/select.ts';
import { aPullRequest, alice, bob, filters, hoursAgo, now } from './builders.ts';

const numbers = (items: { pr: { number: number } }[]): number[] => items.map((i) => i.pr.number);

describe('selectPullRequests', () => {
  it('orders oldest first, ties by repository then number', () => {
    const prs = [
      aPullRequest({ number: 3, createdAt: hoursAgo(5) }),
      aPullRequest({ number: 2, createdAt: hoursAgo(50) }),
      aPullRequest({ number: 9, repository: 'acme/web', createdAt: hoursAgo(50) }),
      aPullRequest({ number: 1, createdAt: hoursAgo(50) }),
    ];
    expect(selectPullRequests(prs, filters(), now).map((s) => `${s.pr.repository}#${s.pr.number}`)).toEqual([
      'acme/api#1',
      'acme/api#2',
      'acme/web#9',
      'acme/api#3',
    ]);
  });

  it('skips drafts when drafts are excluded and keeps them by default', () => {
    const prs = [aPullRequest({ number: 1, draft: true }), aPullRequest({ number: 2 })];
    expect(numbers(selectPullRequests(prs, filters({ includeDrafts: false }), now))).toEqual([2]);
    expect(numbers(selectPullRequests(prs, filters(), now))).toEqual([1, 2]);
  });

  it('keeps only PRs with an included label and drops excluded labels, case-insensitively', () => {
    const prs = [
      aPullRequest({ number: 1, labels: ['Backend'] }),
      aPullRequest({ number: 2, labels: ['frontend'] }),
      aPullRequest({ number: 3, labels: ['backend', 'WIP'] }),
    ];
    const chosen = selectPullRequests(prs, filters({ labels: { include: ['backend'], exclude: ['wip'] } }), now);
    expect(numbers(chosen)).toEqual([1]);
  });

  it('drops titles containing an ignored term', () => {
    const prs = [aPullRequest({ number: 1, title: 'chore(deps): bump zod' }), aPullRequest({ number: 2, title: 'Add login' })];
    expect(numbers(selectPullRequests(prs, filters({ ignoredTitleTerms: ['Bump'] }), now))).toEqual([2]);
  });

  it('drops PRs younger than the minimum age and approved ones when asked', () => {
    const prs = [
      aPullRequest({ number: 1, createdAt: hoursAgo(2) }),
      aPullRequest({ number: 2, createdAt: hoursAgo(30), reviewState: 'approved' }),
      aPullRequest({ number: 3, createdAt: hoursAgo(30) }),
    ];
    expect(numbers(selectPullRequests(prs, filters({ minimumAgeHours: 4, skipApproved: true }), now))).toEqual([3]);
  });

  it('flags PRs open at least staleAfterDays as stale', () => {
    const prs = [aPullRequest({ number: 1, createdAt: hoursAgo(14 * 24) }), aPullRequest({ number: 2, createdAt: hoursAgo(14 * 24 - 1) })];
    const chosen = selectPullRequests(prs, filters(), now);
    expect(chosen.map((s) => [s.pr.number, s.ageHours, s.stale])).toEqual([
      [1, 336, true],
      [2, 335, false],
    ]);
  });
});

describe('authoredBy and awaitingReviewFrom', () => {
  const chosen = selectPullRequests(
    [
      aPullRequest({ number: 1, author: 'Alice', requestedReviewers: ['bob'] }),
      aPullRequest({ number: 2, author: 'bob', requestedReviewers: ['alice', 'carol'] }),
    ],
    filters(),
    now,
  );
  it('matches GitHub logins case-insensitively', () => {
    expect(numbers(authoredBy(chosen, 'alice'))).toEqual([1]);
    expect(numbers(awaitingReviewFrom(chosen, 'BOB'))).toEqual([1]);
    expect(numbers(awaitingReviewFrom(chosen, 'alice'))).toEqual([2]);
  });
});

describe('UserDirectory', () => {
  it('finds users by login regardless of case and by Slack id', () => {
    const directory = new UserDirectory([alice, bob]);
    expect(directory.byGitHubLogin('bob')).toBe(bob);
    expect(directory.bySlackId('U0ALICE')).toBe(alice);
    expect(directory.byGitHubLogin('mallory')).toBeUndefined();
  });
});

describe('filters.approvalsRequired and filters.staleBy', () => {
  const approvals = (n: number, changes = false) =>
    aPullRequest({
      number: 10 + n,
      reviewState: changes ? 'changes_requested' : n > 0 ? 'approved' : 'pending',
      reviews: [
        ...Array.from({ length: n }, (_, i) => ({ login: `r${i}`, state: 'approved' as const, submittedAt: hoursAgo(2) })),
        ...(changes ? [{ login: 'x', state: 'changes_requested' as const, submittedAt: hoursAgo(1) }] : []),
      ],
    });
  const prs = [approvals(0), approvals(1), approvals(2), approvals(3, true)];

  it('leaves a PR out once it has N approvals and no changes requested; 0 is off, skipApproved means 1', () => {
    expect(numbers(selectPullRequests(prs, filters(), now))).toEqual([10, 11, 12, 13]);
    expect(numbers(selectPullRequests(prs, filters({ approvalsRequired: 0, skipApproved: true }), now))).toEqual([10, 11, 12, 13]);
    expect(numbers(selectPullRequests(prs, filters({ skipApproved: true }), now))).toEqual([10, 13]);
    expect(numbers(selectPullRequests(prs, filters({ approvalsRequired: 1 }), now))).toEqual([10, 13]);
    expect(numbers(selectPullRequests(prs, filters({ approvalsRequired: 2 }), now))).toEqual([10, 11, 13]);
  });

  it('measures staleness from creation by default, from the last update with staleBy: updated', () => {
    const old = [
      aPullRequest({ number: 1, createdAt: hoursAgo(20 * 24), updatedAt: hoursAgo(1) }),
      aPullRequest({ number: 2, createdAt: hoursAgo(20 * 24), updatedAt: hoursAgo(15 * 24) }),
    ];
    expect(selectPullRequests(old, filters(), now).map((s) => [s.pr.number, s.stale, s.staleBy])).toEqual([
      [1, true, 'created'],
      [2, true, 'created'],
    ]);
    expect(selectPullRequests(old, filters({ staleBy: 'updated' }), now).map((s) => [s.pr.number, s.ageHours, s.stale])).toEqual([
      [1, 480, false],
      [2, 480, true],
    ]);
  });
});
