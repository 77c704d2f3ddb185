import { describe, expect, it } from 'vitest';
import type { PullRequest } from '../../../app/src/core/types.ts';
import { applyReview, renderReplyUpdate, renderReviewRequest } from '../../../app/src/webhooks/render.ts';

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
    const before = pullRequest({ reviews: [{ login: 'bob', state: 'changes_requested', submittedAt: '2026-01-02T00:00:00Z' }], reviewState: 'changes_requested' });
    const after = applyReview(before, { login: 'Bob', state: 'approved', submittedAt: '2026-01-03T00:00:00Z' });
    expect(after.reviews).toEqual([{ login: 'Bob', state: 'approved', submittedAt: '2026-01-03T00:00:00Z' }]);
    expect(after.requestedReviewers).toEqual([]);
    expect(after.reviewState).toBe('approved');
    expect(before.reviews).toHaveLength(1);
  });
});

describe('renderReviewRequest', () => {
  it('names the requester and the author by Slack mention and links the PR', () => {
    const message = renderReviewRequest({ repository: 'acme/api', number: 7, title: 'Fix\nit', url: 'https://github.test/acme/api/pull/7', author: 'alice', requester: 'carol' }, users);
    expect(message.text).toBe('Review requested: acme/api#7');
    expect(sectionText(message)).toBe(':eyes: carol asked for your review on <https://github.test/acme/api/pull/7|acme/api#7 Fix it> (by <@U0ALICE>)');
  });

  it('says the team was asked when the request went to a team', () => {
    const message = renderReviewRequest({ repository: 'acme/api', number: 7, title: 'Fix', url: 'https://github.test/acme/api/pull/7', author: 'alice', requester: 'bob' }, users, 'acme/back<end>');
    expect(sectionText(message)).toBe(':eyes: <@U0BOB> asked your team @acme/back&lt;end&gt; for a review on <https://github.test/acme/api/pull/7|acme/api#7 Fix> (by <@U0ALICE>)');
  });
});
