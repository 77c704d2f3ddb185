import { describe, expect, it } from 'vitest';
import type { PullRequest } from '../../../app/src/core/types.ts';
import { renderDigest } from '../../../app/src/core/render.ts';
import { selectPullRequests, UserDirectory } from '../../../app/src/core/select.ts';
import { payloadProblem } from '../../../app/src/webhooks/github-webhook.ts';
import { applyReview, dismissReview, renderReplyUpdate, renderReviewRequest, withdrawReviewRequest } from '../../../app/src/webhooks/render.ts';

const users = [
  { slack: 'U0ALICE', github: 'alice', name: 'Alice' },
  { slack: 'U0BOB', github: 'bob', name: 'Bob' },
];

function pullRequest(overrides: Partial<PullRequest> = {}): PullRequest {
  return {
    repository: 'acme/api',
    number: 7,
    title: 'Fix <script> & co',
    url: 'https://github.test/acme/api/pull/7',
    author: 'alice',
    draft: false,
    labels: [],
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    requestedReviewers: ['bob'],
    requestedTeams: [],
    reviews: [],
    reviewState: 'pending',
    ...overrides,
  };
}

function sectionText(message: { blocks: unknown[] }): string {
  return (message.blocks[0] as { text: { text: string } }).text.text;
}

describe('renderReplyUpdate', () => {
  it('marks a merged PR first and escapes the title', () => {
    const message = renderReplyUpdate(pullRequest(), 'merged', users);
    expect(message.text).toBe('[merged] acme/api#7 Fix <script> & co');
    expect(sectionText(message)).toBe(
      ':white_check_mark: *Merged* · <https://github.test/acme/api/pull/7|acme/api#7 Fix &lt;script&gt; &amp; co>\nby <@U0ALICE> · :eyes: waiting for <@U0BOB>',
    );
  });

  it('says closed without merging for a closed PR', () => {
    expect(sectionText(renderReplyUpdate(pullRequest(), 'closed', users))).toMatch(/^:no_entry_sign: \*Closed without merging\* · </);
  });

  it('keeps an open PR without a state prefix', () => {
    const message = renderReplyUpdate(pullRequest(), 'open', users);
    expect(message.text).toBe('acme/api#7 Fix <script> & co');
    expect(sectionText(message).startsWith('<https://github.test/acme/api/pull/7|')).toBe(true);
  });
});

describe('applyReview', () => {
  it('replaces the reviewer’s earlier review, drops them from the requested list and recomputes the state', () => {
    const before = pullRequest({
      reviews: [{ login: 'bob', state: 'changes_requested', submittedAt: '2026-01-02T00:00:00Z' }],
      reviewState: 'changes_requested',
    });
    const after = applyReview(before, { login: 'Bob', state: 'approved', submittedAt: '2026-01-03T00:00:00Z' });
    expect(after.reviews).toEqual([{ login: 'Bob', state: 'approved', submittedAt: '2026-01-03T00:00:00Z' }]);
    expect(after.requestedReviewers).toEqual([]);
    expect(after.reviewState).toBe('approved');
    expect(before.reviews).toHaveLength(1);
  });
});

describe('renderReviewRequest', () => {
  it('names the requester and the author by Slack mention and links the PR', () => {
    const message = renderReviewRequest(
      { repository: 'acme/api', number: 7, title: 'Fix\nit', url: 'https://github.test/acme/api/pull/7', author: 'alice', requester: 'carol' },
      users,
    );
    expect(message.text).toBe('Review requested: acme/api#7');
    expect(sectionText(message)).toBe(':eyes: carol asked for your review on <https://github.test/acme/api/pull/7|acme/api#7 Fix it> (by <@U0ALICE>)');
  });

  it('says the team was asked when the request went to a team', () => {
    const message = renderReviewRequest(
      { repository: 'acme/api', number: 7, title: 'Fix', url: 'https://github.test/acme/api/pull/7', author: 'alice', requester: 'bob' },
      users,
      'acme/back<end>',
    );
    expect(sectionText(message)).toBe(
      ':eyes: <@U0BOB> asked your team @acme/back&lt;end&gt; for a review on <https://github.test/acme/api/pull/7|acme/api#7 Fix> (by <@U0ALICE>)',
    );
  });
});

describe('renderReplyUpdate with what the first post showed', () => {
  it('renders an open PR exactly as the digest did, and a merged one with the same facts after the mark', () => {
    const now = new Date('2026-01-21T00:00:00Z');
    const pr = pullRequest({ draft: true });
    const [item] = selectPullRequests(
      [pr],
      {
        includeDrafts: true,
        labels: { include: [], exclude: [] },
        ignoredTitleTerms: [],
        minimumAgeHours: 0,
        staleAfterDays: 14,
        skipApproved: false,
        staleBy: 'created',
        reviewSloHours: 24,
      },
      now,
    );
    const reply = renderDigest({ scheduleName: 's', selected: item ? [item] : [], failures: [], directory: new UserDirectory(users), staleAfterDays: 14 })
      .replies[0];
    if (!reply) throw new Error('no reply');
    expect(renderReplyUpdate(pr, 'open', users, reply.shown)).toEqual(reply.message);
    expect(sectionText(reply.message)).toContain(
      'open 20 days · :eyes: waiting for <@U0BOB> · :construction: draft · :hourglass_flowing_sand: stale (open over 14 days)',
    );
    expect(sectionText(renderReplyUpdate(pr, 'merged', users, reply.shown))).toBe(`:white_check_mark: *Merged* · ${sectionText(reply.message)}`);
  });
});

describe('dismissReview and withdrawReviewRequest', () => {
  it('drops the dismissed review and recomputes the state', () => {
    const before = pullRequest({
      reviews: [
        { login: 'bob', state: 'approved', submittedAt: '2026-01-02T00:00:00Z' },
        { login: 'carol', state: 'commented', submittedAt: '2026-01-02T00:00:00Z' },
      ],
      reviewState: 'approved',
    });
    const after = dismissReview(before, 'BOB');
    expect([after.reviews.map((r) => r.login), after.reviewState]).toEqual([['carol'], 'commented']);
  });

  it('withdraws a person or a team, case-insensitively', () => {
    const pr = pullRequest({ requestedReviewers: ['Bob', 'carol'], requestedTeams: ['acme/Frontend'] });
    expect(withdrawReviewRequest(pr, { login: 'bob' }).requestedReviewers).toEqual(['carol']);
    expect(withdrawReviewRequest(pr, { team: 'acme/frontend' }).requestedTeams).toEqual([]);
  });
});

describe('payloadProblem for the events handled', () => {
  const base = { repository: { full_name: 'acme/api' }, pull_request: { number: 1, title: 't' } };
  it('accepts the new pull_request and review actions when they carry what is used, and names what is missing', () => {
    for (const action of ['reopened', 'ready_for_review', 'converted_to_draft', 'synchronize'])
      expect(payloadProblem('pull_request', { ...base, action })).toBeUndefined();
    expect(payloadProblem('pull_request', { ...base, action: 'review_request_removed', requested_team: { slug: 'web' } })).toBeUndefined();
    expect(payloadProblem('pull_request', { ...base, action: 'review_request_removed' })).toBe(
      'payload.requested_reviewer or payload.requested_team.slug must be given',
    );
    expect(payloadProblem('pull_request_review', { ...base, action: 'dismissed', review: { state: 'dismissed' } })).toBe(
      'payload.review.user.login must be a string',
    );
    expect(payloadProblem('pull_request', { action: 'synchronize', repository: {} })).toBe('payload.repository.full_name must be a string');
    expect(payloadProblem('pull_request', { action: 'labeled', repository: {} })).toBeUndefined();
  });
});
