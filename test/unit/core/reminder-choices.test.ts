import { describe, expect, it } from 'vitest';
import {
  choiceEnd,
  hiddenFor,
  isActive,
  notMineChoice,
  snoozeChoice,
  snoozeOneDay,
  untilPushMaxDays,
  withoutHidden,
} from '../../../app/src/core/reminder-choices.ts';
import { planReminder } from '../../../app/src/core/plan.ts';
import type { Schedule } from '../../../app/src/config/schema.ts';
import { aPullRequest, alice, bob, filters, now, snapshot } from './builders.ts';

const channel = { kind: 'channel', id: 'C0TEAM' } as const;
const api = { repository: 'Acme/API', number: 7 };
const later = (hours: number) => new Date(now.getTime() + hours * 3_600_000);

describe('snooze expiry', () => {
  it('ends a one-day snooze 24 hours after the click', () => {
    const snooze = snoozeChoice(channel, api, snoozeOneDay(now), 'U0ALICE', now);
    expect(snooze.until).toBe('2026-03-11T09:00:00.000Z');
    expect([isActive(snooze, later(23.9)), isActive(snooze, later(24))]).toEqual([true, false]);
  });

  it('keeps an until-push snooze until a push removes it, at most untilPushMaxDays', () => {
    const snooze = snoozeChoice(channel, api, { untilPush: true }, 'U0ALICE', now);
    expect(snooze).toMatchObject({ untilPush: true, prKey: 'acme/api#7', id: 'channel:C0TEAM|snooze|acme/api#7' });
    expect(snooze.until).toBeUndefined();
    expect(choiceEnd(snooze)?.toISOString()).toBe('2026-03-24T09:00:00.000Z');
    expect([isActive(snooze, later(untilPushMaxDays * 24 - 1)), isActive(snooze, later(untilPushMaxDays * 24))]).toEqual([true, false]);
  });

  it('never ends "not mine"', () => {
    const choice = notMineChoice('U0ALICE', api, now);
    expect(choiceEnd(choice)).toBeUndefined();
    expect(isActive(choice, later(24 * 365))).toBe(true);
  });
});

describe('hiddenFor', () => {
  const choices = [
    snoozeChoice(channel, api, snoozeOneDay(now), 'U0BOB', now),
    snoozeChoice({ kind: 'channel', id: 'C0OTHER' }, { repository: 'acme/web', number: 1 }, { untilPush: true }, 'U0BOB', now),
    notMineChoice('U0ALICE', { repository: 'acme/web', number: 2 }, now),
    snoozeChoice({ kind: 'user', id: 'U0ALICE' }, { repository: 'acme/web', number: 3 }, snoozeOneDay(now), 'U0ALICE', now),
  ];

  it("hides a channel's snoozes from its digest only", () => {
    expect([...hiddenFor(choices, channel, now)]).toEqual(['acme/api#7']);
    expect([...hiddenFor(choices, { kind: 'channel', id: 'C0OTHER' }, now)]).toEqual(['acme/web#1']);
  });

  it("hides a person's snoozes and not-mine choices from their reminders, and forgets ended snoozes", () => {
    expect([...hiddenFor(choices, { kind: 'user', id: 'U0ALICE' }, now)].sort()).toEqual(['acme/web#2', 'acme/web#3']);
    expect([...hiddenFor(choices, { kind: 'user', id: 'U0ALICE' }, later(25))]).toEqual(['acme/web#2']);
    expect([...hiddenFor(choices, { kind: 'user', id: 'U0BOB' }, now)]).toEqual([]);
  });

  it('drops hidden PRs from a list, matching repository names case-insensitively', () => {
    const items = [{ pr: aPullRequest({ repository: 'acme/api', number: 7 }) }, { pr: aPullRequest({ repository: 'acme/api', number: 8 }) }];
    expect(withoutHidden(items, choices, channel, now).map((i) => i.pr.number)).toEqual([8]);
  });
});

describe('planReminder with choices', () => {
  const schedule = (kind: Schedule['kind']): Schedule => ({ name: kind, channel: 'C0TEAM', cron: '0 9 * * 1-5', timezone: 'UTC', kind });
  const data = snapshot([
    aPullRequest({ number: 1, author: 'alice', requestedReviewers: ['bob'] }),
    aPullRequest({ number: 2, author: 'alice', requestedReviewers: ['bob'] }),
  ]);
  const choices = [
    snoozeChoice(channel, { repository: 'acme/api', number: 1 }, snoozeOneDay(now), 'U0BOB', now),
    notMineChoice('U0BOB', { repository: 'acme/api', number: 2 }, now),
  ];

  it("leaves the channel's snoozed PR out of its digest, not a person's not-mine", () => {
    const plan = planReminder({ schedule: schedule('digest'), snapshot: data, filters: filters(), users: [alice, bob], now, choices });
    expect(plan.kind === 'digest' && plan.digest.replies.map((r) => r.item.pr.number)).toEqual([2]);
    expect(plan.kind === 'digest' && plan.digest.parent[0]?.text).toBe('1 open pull request in 1 repository');
  });

  it("leaves a not-mine PR out of that person's DMs only", () => {
    const reviews = planReminder({ schedule: schedule('reviews'), snapshot: data, filters: filters(), users: [alice, bob], now, choices });
    expect(reviews.kind === 'reviews' && reviews.messages.map((m) => [m.user.slack, m.messages[0]?.text])).toEqual([
      ['U0BOB', 'Pull requests waiting for your review, Bob (1)'],
    ]);
    const personal = planReminder({ schedule: schedule('personal'), snapshot: data, filters: filters(), users: [alice, bob], now, choices });
    expect(personal.kind === 'personal' && personal.messages.map((m) => [m.user.slack, m.messages[0]?.text])).toEqual([
      ['U0ALICE', 'Your open pull requests, Alice (2)'],
    ]);
  });

  it('shows a snoozed PR again once the snooze ended', () => {
    const plan = planReminder({ schedule: schedule('digest'), snapshot: data, filters: filters(), users: [alice, bob], now: later(24), choices });
    expect(plan.kind === 'digest' && plan.digest.replies.map((r) => r.item.pr.number)).toEqual([1, 2]);
  });
});
