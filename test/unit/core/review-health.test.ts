import { describe, expect, it } from 'vitest';
import { reviewHealth, topRepositoriesByOpenPullRequests, type ReviewHealthInput } from '../../../app/src/core/review-health.ts';
import type { PullRequest } from '../../../app/src/core/types.ts';
import { aPullRequest, hoursAgo, now } from './builders.ts';

const backend = { team: 'acme/backend', scope: { patterns: ['acme/*'], exclude: [] }, sloHours: 8 };

function input(overrides: Partial<ReviewHealthInput> = {}): ReviewHealthInput {
  return {
    open: [],
    previous: new Map(),
    closed: [],
    teams: [backend],
    members: new Map([['acme/backend', ['Bob']]]),
    sloHours: 24,
    topRepositories: 20,
    histogramRepositories: [],
    now,
    ...overrides,
  };
}

const approved = (login: string, hours: number): PullRequest['reviews'][number] => ({ login, state: 'approved', submittedAt: hoursAgo(hours) });

describe('review health gauges', () => {
  it('counts open PRs by state per repository, and the team series for PRs by or for a member', () => {
    const open = [
      aPullRequest({ number: 1, draft: true }),
      aPullRequest({ number: 2, createdAt: hoursAgo(30) }),
      aPullRequest({ number: 3, createdAt: hoursAgo(10), requestedReviewers: ['bob'] }),
      aPullRequest({ number: 4, reviewState: 'approved', reviews: [approved('carol', 2)] }),
      aPullRequest({ number: 5, reviewState: 'changes_requested' }),
    ];
    const health = reviewHealth(input({ open }));
    expect(health.gauges).toEqual([
      {
        repository: 'acme/api',
        team: '',
        open: { draft: 1, waiting: 2, changes_requested: 1, approved: 1 },
        oldestWaitingSeconds: 30 * 3600,
        // the global SLO is 24 h: only #2 breaches it
        sloBreaches: 1,
      },
      {
        repository: 'acme/api',
        team: 'acme/backend',
        open: { draft: 0, waiting: 1, changes_requested: 0, approved: 0 },
        oldestWaitingSeconds: 10 * 3600,
        // the team's SLO is 8 h
        sloBreaches: 1,
      },
    ]);
  });

  it("counts a PR for a team asked as a team, through its members, only inside the team schedule's repositories", () => {
    const open = [
      aPullRequest({ repository: 'acme/api', number: 1, requestedTeams: ['acme/backend'] }),
      aPullRequest({ repository: 'other/app', number: 2, author: 'bob' }),
    ];
    const health = reviewHealth(input({ open }));
    expect(health.gauges.map((g) => `${g.repository} ${g.team}`)).toEqual(['acme/api ', 'acme/api acme/backend', 'other/app ']);
  });

  it('folds repositories beyond the top N by open PRs into other, ties by name', () => {
    const open = ['b/two', 'b/two', 'a/one', 'c/three', 'a/one', 'd/four'].map((repository, i) => aPullRequest({ repository, number: i + 1 }));
    expect(topRepositoriesByOpenPullRequests(open, 2)).toEqual(['a/one', 'b/two']);
    const health = reviewHealth(input({ open, topRepositories: 2, teams: [] }));
    expect(health.gauges.map((g) => [g.repository, g.open.waiting])).toEqual([
      ['a/one', 2],
      ['b/two', 2],
      ['other', 2],
    ]);
  });
});

describe('review health observations', () => {
  it('observes nothing for a repository read for the first time', () => {
    const open = [aPullRequest({ reviews: [approved('carol', 1)], reviewState: 'approved' })];
    expect(reviewHealth(input({ open })).observations).toEqual([]);
  });

  it('times the first review of a PR unreviewed at the previous read, from opening to the earliest review of another person', () => {
    const before = aPullRequest({ number: 7, createdAt: hoursAgo(30), requestedReviewers: ['bob'] });
    const after = {
      ...before,
      requestedReviewers: [],
      reviews: [approved('bob', 6), { login: 'alice', state: 'commented' as const, submittedAt: hoursAgo(20) }, approved('carol', 4)],
    };
    const health = reviewHealth(input({ open: [after], previous: new Map([['acme/api', [before]]]) }));
    expect(health.observations).toEqual([
      { metric: 'first_review', repository: 'acme/api', team: '', seconds: 24 * 3600 },
      { metric: 'first_review', repository: 'acme/api', team: 'acme/backend', seconds: 24 * 3600 },
    ]);
    // once reviewed, the next read does not time it again
    expect(reviewHealth(input({ open: [after], previous: new Map([['acme/api', [after]]]) })).observations).toEqual([]);
  });

  it('does not time a PR whose reviews were unknown at the previous read', () => {
    const unknown = aPullRequest({ number: 7, reviewState: 'unknown' });
    const after = { ...unknown, reviews: [approved('carol', 40)], reviewState: 'approved' as const };
    expect(reviewHealth(input({ open: [after], previous: new Map([['acme/api', [unknown]]]) })).observations).toEqual([]);
  });

  it('times a PR opened and reviewed between two reads of a known repository', () => {
    const fresh = aPullRequest({ number: 9, createdAt: hoursAgo(3), reviews: [approved('carol', 1)], reviewState: 'approved' });
    expect(reviewHealth(input({ open: [fresh], previous: new Map([['acme/api', []]]), teams: [] })).observations).toEqual([
      { metric: 'first_review', repository: 'acme/api', team: '', seconds: 2 * 3600 },
    ]);
  });

  it('times merges of PRs seen open at the previous read, and not closes without a merge', () => {
    const merged = aPullRequest({ number: 1, createdAt: hoursAgo(50), author: 'bob' });
    const abandoned = aPullRequest({ number: 2 });
    const health = reviewHealth(
      input({
        previous: new Map([['acme/api', [merged, abandoned]]]),
        closed: [
          { repository: 'acme/api', number: 1, mergedAt: hoursAgo(2) },
          { repository: 'acme/api', number: 2, mergedAt: null },
          { repository: 'acme/api', number: 3, mergedAt: hoursAgo(1) },
        ],
      }),
    );
    expect(health.observations).toEqual([
      { metric: 'merge', repository: 'acme/api', team: '', seconds: 48 * 3600 },
      { metric: 'merge', repository: 'acme/api', team: 'acme/backend', seconds: 48 * 3600 },
    ]);
  });

  it('keeps histogram repositories once named, adds newcomers up to the bound (top first, then observed), and folds the rest into other', () => {
    const open = ['a/one', 'b/two', 'b/two'].map((repository, i) => aPullRequest({ repository, number: i + 1 }));
    const closed = [{ repository: 'c/three', number: 9, mergedAt: hoursAgo(1) }];
    const previous = new Map([['c/three', [aPullRequest({ repository: 'c/three', number: 9, createdAt: hoursAgo(3) })]]]);
    const full = reviewHealth(input({ open, closed, previous, teams: [], topRepositories: 2, histogramRepositories: ['z/old'] }));
    expect(full.topRepositories).toEqual(['b/two', 'a/one']);
    expect(full.histogramRepositories).toEqual(['z/old', 'b/two']);
    expect(full.observations).toEqual([{ metric: 'merge', repository: 'other', team: '', seconds: 2 * 3600 }]);
    const roomy = reviewHealth(input({ open, closed, previous, teams: [], topRepositories: 4, histogramRepositories: ['z/old'] }));
    expect(roomy.histogramRepositories).toEqual(['z/old', 'b/two', 'a/one', 'c/three']);
    expect(roomy.observations).toEqual([{ metric: 'merge', repository: 'c/three', team: '', seconds: 2 * 3600 }]);
  });
});
