import { describe, expect, it } from 'vitest';
import {
  actionsBlockId,
  decideClick,
  encodeButtonValue,
  markChosen,
  parseButtonValue,
  reminderActions,
  reminderButtons,
} from '../../../app/src/core/reminder-buttons.ts';
import { planReminder } from '../../../app/src/core/plan.ts';
import type { Schedule } from '../../../app/src/config/schema.ts';
import { aPullRequest, alice, filters, now, snapshot } from './builders.ts';

const pr = { repository: 'acme/api', number: 12, url: 'https://github.com/acme/api/pull/12' };

describe('button values', () => {
  it('round-trips the scope and the PR', () => {
    expect(encodeButtonValue({ kind: 'channel', id: 'C0TEAM' }, pr)).toBe('r1|c|C0TEAM|acme/api|12');
    expect(parseButtonValue('r1|u|U0ALICE|acme/my.repo_x-y|12')).toEqual({
      ok: true,
      scope: { kind: 'user', id: 'U0ALICE' },
      pr: { repository: 'acme/my.repo_x-y', number: 12 },
    });
  });

  it.each([
    [undefined, 'value must be a non-empty string of at most 2000 characters'],
    ['', 'value must be a non-empty string of at most 2000 characters'],
    ['x'.repeat(2001), 'value must be a non-empty string of at most 2000 characters'],
    ['r2|c|C1|acme/api|1', 'value must look like "r1|c|C123|owner/repo|12"'],
    ['r1|c|C1|acme/api|1|extra', 'value must look like "r1|c|C123|owner/repo|12"'],
    ['r1|x|C1|acme/api|1', 'value scope must be "c" (channel) or "u" (user)'],
    ['r1|c|c0lower|acme/api|1', 'value must name a Slack channel or user id (capital letters and digits)'],
    ['r1|c|C1|acme|1', 'value must name a repository as owner/repo'],
    ['r1|c|C1|acme/api/../x|1', 'value must name a repository as owner/repo'],
    ['r1|c|C1|acme/api|0', 'value must end with a pull request number'],
    ['r1|c|C1|acme/api|1e3', 'value must end with a pull request number'],
  ])('refuses %j: %s', (value, problem) => {
    expect(parseButtonValue(value)).toEqual({ ok: false, problem });
  });
});

describe('decideClick', () => {
  const value = (kind: 'c' | 'u', id: string) => `r1|${kind}|${id}|acme/api|12`;
  const click = (actionId: string, v: unknown, user = 'U0ALICE', channel = 'C0TEAM') => decideClick({ actionId, value: v, user, channel }, now);

  it("snoozes a digest's PR for its channel for a day", () => {
    expect(click(reminderActions.snoozeDay, value('c', 'C0TEAM'), 'U0BOB')).toEqual({
      ok: true,
      kind: 'snooze',
      scope: { kind: 'channel', id: 'C0TEAM' },
      pr: { repository: 'acme/api', number: 12 },
      end: { until: new Date('2026-03-11T09:00:00Z') },
      note: ':zzz: Snoozed for a day by <@U0BOB> (until <!date^1773219600^{date_short_pretty} {time}|2026-03-11T09:00:00Z>).',
      text: "acme/api#12 is snoozed in <#C0TEAM>'s digest until 2026-03-11T09:00:00Z.",
    });
  });

  it("snoozes a DM's PR until the next push for its recipient, and Not mine is the clicker's", () => {
    expect(click(reminderActions.snoozePush, value('u', 'U0ALICE'), 'U0ALICE', 'D0ALICE')).toMatchObject({
      kind: 'snooze',
      scope: { kind: 'user', id: 'U0ALICE' },
      end: { untilPush: true },
      text: 'acme/api#12 is snoozed in your reminders until the next push.',
    });
    expect(click(reminderActions.notMine, value('c', 'C0TEAM'), 'U0BOB')).toMatchObject({ kind: 'not-mine', user: 'U0BOB' });
  });

  it("refuses someone else's DM, another channel's digest, a bad value and an unknown action", () => {
    expect(click(reminderActions.snoozeDay, value('u', 'U0ALICE'), 'U0EVE', 'D0ALICE')).toEqual({
      ok: false,
      text: 'This reminder was sent to <@U0ALICE>: only they can change it.',
    });
    expect(click(reminderActions.notMine, value('u', 'U0ALICE'), 'U0EVE', 'D0ALICE').ok).toBe(false);
    expect(click(reminderActions.snoozeDay, value('c', 'C0TEAM'), 'U0BOB', 'C0ELSE')).toEqual({
      ok: false,
      text: 'This button belongs to a digest in another channel; nothing was changed.',
    });
    expect(click(reminderActions.snoozeDay, 'r1|c|C0TEAM|acme/api|-1')).toEqual({
      ok: false,
      text: 'This button is not one ChatOps made (value must end with a pull request number); nothing was changed.',
    });
    expect(click('reminder_delete_everything', value('c', 'C0TEAM'))).toEqual({ ok: false, text: 'Unknown reminder action reminder_delete_everything.' });
    expect(click(reminderActions.open, 'anything')).toEqual({ ok: true, kind: 'none' });
  });
});

describe('rendered buttons', () => {
  it('puts Snooze 1 day, Snooze until next push, Not mine and Open under a line, all with the same value', () => {
    const block = reminderButtons({ kind: 'user', id: 'U0ALICE' }, pr);
    expect(block.block_id).toBe('reminder:acme/api#12');
    expect(block.elements.map((e) => [e.action_id, e.text.text, e.value, e.url])).toEqual([
      ['reminder_snooze_day', 'Snooze 1 day', 'r1|u|U0ALICE|acme/api|12', undefined],
      ['reminder_snooze_push', 'Snooze until next push', 'r1|u|U0ALICE|acme/api|12', undefined],
      ['reminder_not_mine', 'Not mine', 'r1|u|U0ALICE|acme/api|12', undefined],
      ['reminder_open', 'Open', 'r1|u|U0ALICE|acme/api|12', 'https://github.com/acme/api/pull/12'],
    ]);
  });

  it('gives each digest reply and each DM line its buttons', () => {
    const schedule = (kind: Schedule['kind']): Schedule => ({ name: kind, channel: 'C0TEAM', cron: '0 9 * * 1-5', timezone: 'UTC', kind });
    const data = snapshot([aPullRequest({ number: 1 }), aPullRequest({ number: 2 })]);
    const digest = planReminder({ schedule: schedule('digest'), snapshot: data, filters: filters(), users: [alice], now });
    if (digest.kind !== 'digest') throw new Error('expected a digest');
    expect(digest.digest.replies.map((r) => r.message.blocks.map((b) => b.type))).toEqual([
      ['section', 'actions'],
      ['section', 'actions'],
    ]);
    expect(JSON.stringify(digest.digest.replies[1]?.message.blocks[1])).toContain('r1|c|C0TEAM|acme/api|2');
    const personal = planReminder({ schedule: schedule('personal'), snapshot: data, filters: filters(), users: [alice], now });
    if (personal.kind !== 'personal') throw new Error('expected DMs');
    const blocks = personal.messages[0]?.messages[0]?.blocks ?? [];
    expect(blocks.map((b) => (b.type === 'actions' ? b.block_id : b.type))).toEqual([
      'header',
      'section',
      'reminder:acme/api#1',
      'section',
      'reminder:acme/api#2',
    ]);
    expect(JSON.stringify(blocks[4])).toContain('r1|u|U0ALICE|acme/api|2');
  });

  it("replaces only the chosen line's buttons with the note", () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'x' } },
      reminderButtons({ kind: 'channel', id: 'C1' }, pr),
      { type: 'actions', block_id: 'other' },
    ];
    expect(markChosen(blocks, pr, 'done')).toEqual([
      blocks[0],
      { type: 'context', block_id: actionsBlockId(pr), elements: [{ type: 'mrkdwn', text: 'done' }] },
      blocks[2],
    ]);
  });
});
