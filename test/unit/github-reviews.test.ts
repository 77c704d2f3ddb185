import { describe, expect, it } from 'vitest';
import { globToRegExp, isExcluded, parseRepositoryPattern } from '../../app/src/github/patterns.ts';
import { latestReviewPerReviewer, summarizeReviews, type GitHubReview } from '../../app/src/github/reviews.ts';

const review = (login: string, state: string, at: string): GitHubReview => ({ user: { login }, state, submitted_at: `2026-01-0${at}T00:00:00Z` });

describe('latestReviewPerReviewer', () => {
  it('keeps an approval when the same reviewer comments later', () => {
    expect(latestReviewPerReviewer([review('bob', 'APPROVED', '1'), review('bob', 'COMMENTED', '2')])).toEqual([
      { login: 'bob', state: 'approved', submittedAt: '2026-01-01T00:00:00Z' },
    ]);
  });

  it('lets a later approval replace a change request, whatever the listing order', () => {
    expect(latestReviewPerReviewer([review('bob', 'APPROVED', '3'), review('bob', 'CHANGES_REQUESTED', '1')])).toEqual([
      { login: 'bob', state: 'approved', submittedAt: '2026-01-03T00:00:00Z' },
    ]);
  });

  it('forgets a dismissed review and falls back to the reviewer’s comment', () => {
    expect(latestReviewPerReviewer([review('bob', 'COMMENTED', '1'), review('bob', 'CHANGES_REQUESTED', '2'), review('bob', 'DISMISSED', '3')])).toEqual([
      { login: 'bob', state: 'commented', submittedAt: '2026-01-01T00:00:00Z' },
    ]);
  });

  it('ignores pending drafts and deleted users', () => {
    expect(
      latestReviewPerReviewer([
        { user: { login: 'bob' }, state: 'PENDING' },
        { user: null, state: 'APPROVED', submitted_at: '2026-01-01T00:00:00Z' },
      ]),
    ).toEqual([]);
  });
});

describe('summarizeReviews', () => {
  it('blocks on any change request, then approved, then commented, else pending', () => {
    const approved = { login: 'a', state: 'approved', submittedAt: 'x' } as const;
    const changes = { login: 'b', state: 'changes_requested', submittedAt: 'x' } as const;
    const commented = { login: 'c', state: 'commented', submittedAt: 'x' } as const;
    expect(summarizeReviews([approved, changes])).toBe('changes_requested');
    expect(summarizeReviews([commented, approved])).toBe('approved');
    expect(summarizeReviews([commented])).toBe('commented');
    expect(summarizeReviews([])).toBe('pending');
  });
});

describe('repository patterns', () => {
  it('parses owner/repo and owner/* and rejects anything else with the field name', () => {
    expect(parseRepositoryPattern('acme/api')).toEqual({ owner: 'acme', repo: 'api', wildcard: false });
    expect(parseRepositoryPattern('acme/*')).toEqual({ owner: 'acme', repo: '*', wildcard: true });
    expect(() => parseRepositoryPattern('acme')).toThrow('github.repositories: "acme" is not "owner/repo" or "owner/*"');
  });

  it('matches exclude globs case-insensitively within one path segment', () => {
    const exclude = ['acme/legacy-*', 'acme/tmp?'].map(globToRegExp);
    expect(isExcluded('acme/legacy-billing', exclude)).toBe(true);
    expect(isExcluded('ACME/Legacy-x', exclude)).toBe(true);
    expect(isExcluded('acme/tmp1', exclude)).toBe(true);
    expect(isExcluded('acme/tmp12', exclude)).toBe(false);
    expect(isExcluded('acme/api', exclude)).toBe(false);
    expect(globToRegExp('a.b/*').test('axb/c')).toBe(false);
  });
});
