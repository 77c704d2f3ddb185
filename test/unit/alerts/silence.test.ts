import { describe, expect, it } from 'vitest';
import { alertActions, silenceLengths } from '../../../app/src/alerts/actions.ts';
import { isOperator } from '../../../app/src/alerts/operators.ts';
import { buildSilence, groupMatchers } from '../../../app/src/alerts/silence.ts';
import { nextDayAt } from '../../../app/src/alerts/time.ts';

const group = { groupLabels: { alertname: 'DiskFull', instance: 'db1' }, commonLabels: { alertname: 'DiskFull', instance: 'db1', severity: 'warning' } };
const actor = { id: 'U0ALICE', name: 'alice' };

describe('nextDayAt', () => {
  it('is 09:00 the next calendar day in the zone, not in UTC', () => {
    // 23:30 UTC on 28 Nov is already 29 Nov 00:30 in Berlin: tomorrow there is the 30th.
    expect(nextDayAt(new Date('2026-11-28T23:30:00Z'), 'Europe/Berlin', 9, 0).toISOString()).toBe('2026-11-30T08:00:00.000Z');
    expect(nextDayAt(new Date('2026-11-28T12:00:00Z'), 'UTC', 9, 0).toISOString()).toBe('2026-11-29T09:00:00.000Z');
    // 20:00 on 28 Nov in Los Angeles is 04:00 UTC on the 29th.
    expect(nextDayAt(new Date('2026-11-29T04:00:00Z'), 'America/Los_Angeles', 9, 0).toISOString()).toBe('2026-11-29T17:00:00.000Z');
  });

  it('follows the new offset across a daylight-saving change', () => {
    // Berlin springs forward on 29 March 2026 (+01:00 → +02:00) and falls back on 25 October.
    expect(nextDayAt(new Date('2026-03-28T18:00:00Z'), 'Europe/Berlin', 9, 0).toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(nextDayAt(new Date('2026-10-24T18:00:00Z'), 'Europe/Berlin', 9, 0).toISOString()).toBe('2026-10-25T08:00:00.000Z');
    // New York springs forward on 8 March 2026 at 02:00.
    expect(nextDayAt(new Date('2026-03-07T20:00:00Z'), 'America/New_York', 9, 0).toISOString()).toBe('2026-03-08T13:00:00.000Z');
  });

  it('resolves a wall time inside a spring-forward gap to just after it', () => {
    // 02:30 does not exist in Berlin on 29 March 2026.
    expect(nextDayAt(new Date('2026-03-28T12:00:00Z'), 'Europe/Berlin', 2, 30).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('buildSilence', () => {
  const now = new Date('2026-11-28T10:15:00Z');

  it('matches the group labels for the chosen length and names the Slack user', () => {
    const silence = buildSilence({ payload: group, length: silenceLengths[alertActions.silence1h], timeZone: 'UTC', now, actor, channel: 'C0ALERTS' });
    expect(silence).toEqual({
      matchers: [
        { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
        { name: 'instance', value: 'db1', isRegex: false, isEqual: true },
      ],
      startsAt: '2026-11-28T10:15:00.000Z',
      endsAt: '2026-11-28T11:15:00.000Z',
      createdBy: 'alice (Slack U0ALICE)',
      comment: 'Silenced from Slack by alice in channel C0ALERTS until 2026-11-28T11:15:00.000Z',
    });
    expect(buildSilence({ payload: group, length: silenceLengths[alertActions.silence4h], timeZone: 'UTC', now, actor, channel: 'C0' }).endsAt).toBe(
      '2026-11-28T14:15:00.000Z',
    );
    expect(
      buildSilence({ payload: group, length: silenceLengths[alertActions.silenceTomorrow], timeZone: 'Europe/Berlin', now, actor, channel: 'C0' }).endsAt,
    ).toBe('2026-11-29T08:00:00.000Z');
  });

  it('falls back to the common labels and never builds an empty matcher set', () => {
    expect(groupMatchers({ groupLabels: {}, commonLabels: { job: 'x' } })).toEqual([{ name: 'job', value: 'x', isRegex: false, isEqual: true }]);
    expect(() => groupMatchers({ groupLabels: {}, commonLabels: {} })).toThrow(/no labels in common/);
  });
});

describe('isOperator', () => {
  const operators = ['U0ALICE', 'S0ONCALL'];
  it('admits listed users and members of listed user groups only', () => {
    const members = new Map([
      ['S0ONCALL', ['U0BOB']],
      ['S0OTHER', ['U0EVE']],
    ]);
    expect(isOperator('U0ALICE', operators, members)).toBe(true);
    expect(isOperator('U0BOB', operators, members)).toBe(true);
    expect(isOperator('U0EVE', operators, members)).toBe(false);
    expect(isOperator('U0BOB', operators, new Map())).toBe(false);
    expect(isOperator('S0ONCALL', ['U0ALICE'], members)).toBe(false);
  });
});
