import { describe, expect, it } from 'vitest';
import type { PersonalSettings } from '../../../app/src/core/personal-settings.ts';
import { dmRecipients, nothingReadable, planReminder } from '../../../app/src/core/plan.ts';
import { fireSecond, localTime } from '../../../app/src/core/schedule.ts';
import type { Schedule } from '../../../app/src/config/schema.ts';
import { aPullRequest, alice, bob, filters, now, snapshot } from './builders.ts';

const schedule = (kind: Schedule['kind']): Schedule => ({ name: kind, channel: 'C0TEAM', cron: '0 9 * * 1-5', timezone: 'UTC', kind });
const data = snapshot([
  aPullRequest({ number: 1, author: 'alice', requestedReviewers: ['bob', 'alice'] }),
  aPullRequest({ number: 2, author: 'carol', requestedReviewers: ['bob'] }),
]);

describe('planReminder', () => {
  it('plans a digest for the schedule channel', () => {
    const plan = planReminder({ schedule: schedule('digest'), snapshot: data, filters: filters(), users: [alice, bob], now });
    expect(plan.kind).toBe('digest');
    if (plan.kind !== 'digest') return;
    expect(plan.channel).toBe('C0TEAM');
    expect(plan.digest.replies.map((r) => r.item.pr.number)).toEqual([1, 2]);
  });

  it('plans one personal DM per mapped author with PRs', () => {
    const plan = planReminder({ schedule: schedule('personal'), snapshot: data, filters: filters(), users: [alice, bob], now });
    expect(plan.kind === 'personal' && plan.messages.map((m) => m.user.slack)).toEqual(['U0ALICE']);
  });

  it('plans one review DM per mapped reviewer with waiting PRs', () => {
    const plan = planReminder({ schedule: schedule('reviews'), snapshot: data, filters: filters(), users: [alice, bob], now });
    if (plan.kind !== 'reviews') throw new Error('expected a reviews plan');
    expect(plan.messages.map((m) => [m.user.slack, m.messages[0]?.text])).toEqual([
      ['U0ALICE', 'Pull requests waiting for your review, Alice (1)'],
      ['U0BOB', 'Pull requests waiting for your review, Bob (2)'],
    ]);
  });
});

describe('planReminder with personal settings', () => {
  const at = new Date('2026-03-10T09:00:00Z');
  const saved = (slack: string, extra: Partial<PersonalSettings>): [string, PersonalSettings] => [
    slack,
    { slackUserId: slack, updatedAt: at.toISOString(), ...extra },
  ];

  it("leaves out a paused person, and one whose own DM time replaces the schedule's, at a schedule fire", () => {
    const settings = new Map([saved('U0BOB', { pausedUntil: '2026-03-11' })]);
    const plan = planReminder({
      schedule: schedule('reviews'),
      snapshot: data,
      filters: filters(),
      users: [alice, bob],
      now,
      personal: { trigger: 'schedule', at, settings },
    });
    expect(plan.kind === 'reviews' && plan.messages.map((m) => m.user.slack)).toEqual(['U0ALICE']);
    const own = new Map([saved('U0ALICE', { dmTime: '10:00' })]);
    const fire = planReminder({
      schedule: schedule('reviews'),
      snapshot: data,
      filters: filters(),
      users: [alice, bob],
      now,
      personal: { trigger: 'schedule', at, settings: own },
    });
    expect(fire.kind === 'reviews' && fire.messages.map((m) => m.user.slack)).toEqual(['U0BOB']);
  });

  it('sends, at a DM-time tick, only to the people due in that minute', () => {
    const settings = new Map([saved('U0ALICE', { dmTime: '09:00' }), saved('U0BOB', { dmTime: '09:01' })]);
    const plan = planReminder({
      schedule: schedule('reviews'),
      snapshot: data,
      filters: filters(),
      users: [alice, bob],
      now,
      personal: { trigger: 'dm-time', at, settings },
    });
    expect(plan.kind === 'reviews' && plan.messages.map((m) => m.user.slack)).toEqual(['U0ALICE']);
    expect(dmRecipients([alice, bob], schedule('personal'), { trigger: 'dm-time', at, settings: new Map() })).toEqual([]);
    expect(dmRecipients([alice, bob], schedule('personal'), undefined)).toEqual([alice, bob]);
  });
});

describe('schedule helpers', () => {
  it('keys a fire to its whole second', () => {
    expect(fireSecond(new Date('2026-03-10T09:00:00.734Z')).toISOString()).toBe('2026-03-10T09:00:00.000Z');
  });
  it('shows wall-clock time in the schedule time zone', () => {
    const instant = new Date('2026-07-01T07:00:00Z');
    expect(localTime(instant, 'Europe/Berlin')).toBe('2026-07-01 09:00 Wed');
    expect(localTime(instant, 'America/New_York')).toBe('2026-07-01 03:00 Wed');
  });
});

describe('nothingReadable', () => {
  it('is true only when there is no PR and every configured pattern itself failed', () => {
    const failed = (...names: string[]) =>
      snapshot(
        [],
        names.map((repository) => ({ repository, reason: 'HTTP 401' })),
      );
    expect(nothingReadable(['acme/*', 'Other/api'], failed('acme/*', 'other/api'))).toBe(true);
    expect(nothingReadable(['acme/*', 'other/api'], failed('acme/*'))).toBe(false);
    expect(nothingReadable(['acme/*'], snapshot([]))).toBe(false);
    expect(nothingReadable(['acme/*'], snapshot([aPullRequest()], [{ repository: 'acme/*', reason: 'x' }]))).toBe(false);
  });
});
