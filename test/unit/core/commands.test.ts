import { describe, expect, it } from 'vitest';
import { parsePrsCommand, renderCommandReply, renderHelp } from '../../../app/src/core/commands.ts';
import type { Block } from '../../../app/src/core/messages.ts';
import { aPullRequest, alice, bob, filters, now, snapshot } from './builders.ts';

const texts = (blocks: Block[]): string[] => blocks.map((b) => (b.type === 'section' || b.type === 'header' ? b.text.text : b.type));

describe('parsePrsCommand', () => {
  it('reads each action, ignoring case and surrounding space', () => {
    expect(['mine', ' Reviews ', 'ALL', 'help'].map(parsePrsCommand)).toEqual([
      { ok: true, action: 'mine' },
      { ok: true, action: 'reviews' },
      { ok: true, action: 'all' },
      { ok: true, action: 'help' },
    ]);
  });
  it('treats an empty command as help', () => {
    expect(parsePrsCommand('   ')).toEqual({ ok: true, action: 'help' });
  });
  it('rejects unknown words and extra words with a helpful message', () => {
    expect(parsePrsCommand('everything <!here>')).toEqual({ ok: false, message: 'Unknown option "everything &lt;!here&gt;". Try one of:' });
    expect(parsePrsCommand('mine please')).toEqual({ ok: false, message: '`/prs mine` takes no further words (got "please"). Try one of:' });
  });
});

describe('renderCommandReply', () => {
  const data = snapshot([aPullRequest({ number: 1, author: 'alice', requestedReviewers: ['bob'] }), aPullRequest({ number: 2, author: 'bob' })]);
  const base = { snapshot: data, filters: filters(), users: [alice, bob], now };

  it('lists the requester’s own PRs for mine', () => {
    const [message] = renderCommandReply({ ...base, action: 'mine', slackUserId: 'U0BOB' });
    expect(texts(message?.blocks ?? [])).toEqual([
      'Your open pull requests (1)',
      '• <https://github.com/acme/api/pull/2|acme/api#2 Change 2> · by <@U0BOB> · open 30 hours · :grey_question: no reviewer requested',
    ]);
  });

  it('lists PRs waiting for the requester for reviews', () => {
    const [message] = renderCommandReply({ ...base, action: 'reviews', slackUserId: 'U0BOB' });
    expect(texts(message?.blocks ?? [])[0]).toBe('Pull requests waiting for your review (1)');
    expect(texts(message?.blocks ?? [])[1]).toContain('acme/api#1');
  });

  it('says so when nothing waits', () => {
    const [message] = renderCommandReply({ ...base, action: 'reviews', slackUserId: 'U0ALICE' });
    expect(texts(message?.blocks ?? [])).toEqual(['Pull requests waiting for your review', ':tada: Nothing waits for your review.']);
  });

  it('tells an unmapped user how to get mapped', () => {
    const [message] = renderCommandReply({ ...base, action: 'mine', slackUserId: 'U0STRANGER' });
    expect(message?.text).toBe('I do not know your GitHub login');
    expect(texts(message?.blocks ?? [])[0]).toContain('add you under `users` in config.yml: `{ slack: U0STRANGER, github: <your-login>, name: <your name> }`');
  });

  it('answers all for anyone', () => {
    const [message] = renderCommandReply({ ...base, action: 'all', slackUserId: 'U0STRANGER' });
    expect(texts(message?.blocks ?? [])[0]).toBe('Open pull requests (2)');
  });
});

describe('renderHelp', () => {
  it('lists every action', () => {
    const [message] = renderHelp();
    expect(texts(message?.blocks ?? [])[1]).toContain('`/prs mine`');
    expect(texts(message?.blocks ?? [])[1]).toContain('`/prs help`');
  });
});
