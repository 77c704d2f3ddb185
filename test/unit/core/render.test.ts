import { describe, expect, it } from 'vitest';
import { maxBlocksPerMessage, maxSectionTextChars, type Block } from '../../../app/src/core/messages.ts';
import { formatAge, renderDigest, renderPersonal, renderReviews, reviewSummary } from '../../../app/src/core/render.ts';
import { selectPullRequests, UserDirectory } from '../../../app/src/core/select.ts';
import { aPullRequest, alice, bob, filters, hoursAgo, now } from './builders.ts';

const directory = new UserDirectory([alice, bob]);
const blockTexts = (blocks: Block[]): string[] =>
  blocks.map((b) => (b.type === 'section' ? b.text.text : b.type === 'header' ? b.text.text : b.type === 'context' ? (b.elements[0]?.text ?? '') : '---'));

describe('formatAge', () => {
  it('speaks in hours under two days and in days after', () => {
    expect([0, 1, 47, 48, 24 * 20 + 5].map(formatAge)).toEqual(['less than an hour', '1 hour', '47 hours', '2 days', '20 days']);
  });
});

describe('renderDigest', () => {
  it('renders a parent with counts and one reply per PR, oldest first, stale ones with a reaction', () => {
    const selected = selectPullRequests(
      [
        aPullRequest({
          number: 7,
          title: 'Add <b> & more',
          createdAt: hoursAgo(3),
          author: 'bob',
          requestedReviewers: ['alice', 'carol'],
          requestedTeams: ['acme/core'],
        }),
        aPullRequest({ number: 4, createdAt: hoursAgo(24 * 20), author: 'dave', draft: true, reviewState: 'changes_requested' }),
        aPullRequest({ number: 5, repository: 'acme/web', createdAt: hoursAgo(26), reviewState: 'approved' }),
      ],
      filters(),
      now,
    );
    const digest = renderDigest({ scheduleName: 'morning', selected, failures: [], directory, staleAfterDays: 14 });

    expect(digest.parent).toHaveLength(1);
    expect(digest.parent[0]?.text).toBe('3 open pull requests in 2 repositories (1 stale)');
    expect(blockTexts(digest.parent[0]?.blocks ?? [])).toEqual([
      'Pull request digest: morning',
      ':mag: *3 open pull requests in 2 repositories*\n1 stale (over 14 days) · 1 waiting for review · 1 approved · 1 draft',
      'One reply per pull request in this thread, oldest first.',
    ]);
    expect(digest.replies.map((r) => blockTexts(r.message.blocks)[0])).toEqual([
      '<https://github.com/acme/api/pull/4|acme/api#4 Change 4>\nby dave · open 20 days · :x: changes requested · :construction: draft · :hourglass_flowing_sand: stale (open over 14 days)',
      '<https://github.com/acme/web/pull/5|acme/web#5 Change 5>\nby <@U0ALICE> · open 26 hours · :white_check_mark: approved',
      '<https://github.com/acme/api/pull/7|acme/api#7 Add &lt;b&gt; &amp; more>\nby <@U0BOB> · open 3 hours · :eyes: waiting for <@U0ALICE>, carol, @acme/core',
    ]);
    expect(digest.replies.map((r) => r.reaction)).toEqual(['hourglass_flowing_sand', undefined, undefined]);
    expect(digest.replies[0]?.message.text).toBe('acme/api#4 Change 4');
  });

  it('says so when nothing is open', () => {
    const digest = renderDigest({ scheduleName: 'morning', selected: [], failures: [], directory, staleAfterDays: 14 });
    expect(digest.replies).toEqual([]);
    expect(digest.parent[0]?.text).toBe('No open pull requests');
    expect(blockTexts(digest.parent[0]?.blocks ?? [])).toEqual([
      'Pull request digest: morning',
      ':tada: *No open pull requests.* Nothing to review right now.',
    ]);
  });

  it('does not celebrate an empty digest when repositories could not be read', () => {
    const digest = renderDigest({
      scheduleName: 'm',
      selected: [],
      failures: [{ repository: 'acme/*', reason: 'HTTP 401 Bad credentials' }],
      directory,
      staleAfterDays: 14,
    });
    expect(digest.parent[0]?.text).toBe('No open pull requests in the repositories that could be read');
    expect(blockTexts(digest.parent[0]?.blocks ?? [])[1]).toBe(
      '*No open pull requests in the repositories that could be read.*\n:warning: *Could not read 1 repository* (their pull requests are missing below):\n• acme/*: HTTP 401 Bad credentials',
    );
  });

  it('names the repositories that could not be read', () => {
    const selected = selectPullRequests([aPullRequest()], filters(), now);
    const digest = renderDigest({
      scheduleName: 'm',
      selected,
      failures: [{ repository: 'acme/secret', reason: 'HTTP 404 Not Found' }],
      directory,
      staleAfterDays: 14,
    });
    expect(blockTexts(digest.parent[0]?.blocks ?? [])[1]).toContain(
      ':warning: *Could not read 1 repository* (their pull requests are missing below):\n• acme/secret: HTTP 404 Not Found',
    );
  });

  it('keeps a parent listing 5,000 failed repositories within Slack limits', () => {
    const failures = Array.from({ length: 5000 }, (_, i) => ({ repository: `acme/repo-${i}`, reason: 'HTTP 500 Internal Server Error' }));
    const digest = renderDigest({ scheduleName: 'm', selected: [], failures, directory, staleAfterDays: 14 });
    expect(digest.parent.length).toBeGreaterThan(1);
    const all = digest.parent.flatMap((m) => m.blocks);
    for (const message of digest.parent) expect(message.blocks.length).toBeLessThanOrEqual(maxBlocksPerMessage);
    for (const text of blockTexts(all)) expect(text.length).toBeLessThanOrEqual(maxSectionTextChars);
    expect(blockTexts(all).join('\n')).toContain('acme/repo-4999: HTTP 500');
  });
});

describe('personal and review DMs', () => {
  const selected = selectPullRequests(
    Array.from({ length: 400 }, (_, i) =>
      aPullRequest({
        number: i + 1,
        author: 'alice',
        requestedReviewers: ['bob'],
        title: `A title that is reasonably long to fill the block, number ${i + 1}`,
      }),
    ),
    filters(),
    now,
  );

  it('splits a long personal list across messages within 50 blocks and 3,000 chars', () => {
    const messages = renderPersonal(alice, selected, directory, 14);
    const blocks = messages.flatMap((m) => m.blocks);
    for (const m of messages) expect(m.blocks.length).toBeLessThanOrEqual(50);
    for (const text of blockTexts(blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    const lines = blockTexts(blocks).slice(1).join('\n').split('\n');
    expect(lines).toHaveLength(400);
    expect(blockTexts(blocks)[0]).toBe('Your open pull requests, Alice (400)');
  });

  it('sends nothing to a user without PRs', () => {
    expect(renderPersonal(bob, [], directory, 14)).toEqual([]);
    expect(renderReviews(alice, [], directory, 14)).toEqual([]);
  });

  it('lists reviews with the author mention', () => {
    const [message] = renderReviews(bob, selected.slice(0, 1), directory, 14);
    expect(blockTexts(message?.blocks ?? [])).toEqual([
      'Pull requests waiting for your review, Bob (1)',
      '• <https://github.com/acme/api/pull/1|acme/api#1 A title that is reasonably long to fill the block, number 1> · by <@U0ALICE> · open 30 hours · :eyes: waiting for <@U0BOB>',
    ]);
  });
});

describe('reviewSummary', () => {
  const at = hoursAgo(1);
  it('names who approved, who asked for changes, and who is still asked', () => {
    expect(
      reviewSummary(
        aPullRequest({
          reviewState: 'approved',
          reviews: [{ login: 'alice', state: 'approved', submittedAt: at }],
          requestedReviewers: ['carol'],
          requestedTeams: ['acme/core'],
        }),
        directory,
      ),
    ).toBe(':white_check_mark: approved by <@U0ALICE> · :eyes: waiting for carol, @acme/core');
    expect(
      reviewSummary(
        aPullRequest({
          reviewState: 'changes_requested',
          reviews: [
            { login: 'bob', state: 'changes_requested', submittedAt: at },
            { login: 'alice', state: 'approved', submittedAt: at },
          ],
        }),
        directory,
      ),
    ).toBe(':x: changes requested by <@U0BOB>');
  });

  it('says when nobody was asked', () => {
    expect(reviewSummary(aPullRequest(), directory)).toBe(':grey_question: no reviewer requested');
    expect(reviewSummary(aPullRequest({ requestedReviewers: ['bob'] }), directory)).toBe(':eyes: waiting for <@U0BOB>');
  });
});

describe('the stale flag with staleBy: updated', () => {
  it('says the PR was not updated, not how long it is open', () => {
    const selected = selectPullRequests(
      [aPullRequest({ number: 7, author: 'carol', createdAt: hoursAgo(30 * 24), updatedAt: hoursAgo(15 * 24) })],
      filters({ staleBy: 'updated' }),
      now,
    );
    const digest = renderDigest({ scheduleName: 'team', selected, failures: [], directory, staleAfterDays: 14 });
    expect(blockTexts(digest.replies[0]?.message.blocks ?? [])[0]).toBe(
      '<https://github.com/acme/api/pull/7|acme/api#7 Change 7>\nby carol · open 30 days · :grey_question: no reviewer requested · :hourglass_flowing_sand: stale (not updated in over 14 days)',
    );
  });
});
