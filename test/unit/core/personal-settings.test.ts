import { describe, expect, it } from 'vitest';
import {
  dmTimeDue,
  inQuietHours,
  instantAt,
  localTimeOf,
  nextDmTime,
  receivesScheduledDm,
  validateSettings,
  type PersonalSettings,
} from '../../../app/src/core/personal-settings.ts';

// Tuesday 10 March 2026, 09:00 UTC (10:00 in Berlin).
const now = new Date('2026-03-10T09:00:00Z');
const settings = (overrides: Partial<PersonalSettings> = {}): PersonalSettings => ({ slackUserId: 'U0ALICE', updatedAt: now.toISOString(), ...overrides });

describe('validateSettings', () => {
  it('keeps what was typed, trimmed, and stores no working days when all seven are ticked', () => {
    const result = validateSettings(
      'U0ALICE',
      {
        timeZone: ' Europe/Berlin ',
        dmTime: '08:30',
        workingDays: ['1', '2', '3', '4', '5', '6', '7'],
        quietStart: '22:00',
        quietEnd: '07:00',
        pausedUntil: '2026-03-20',
      },
      now,
      'UTC',
    );
    expect(result).toEqual({
      ok: true,
      settings: {
        slackUserId: 'U0ALICE',
        timeZone: 'Europe/Berlin',
        dmTime: '08:30',
        quietHours: { start: '22:00', end: '07:00' },
        pausedUntil: '2026-03-20',
        updatedAt: '2026-03-10T09:00:00.000Z',
      },
    });
  });

  it('stores the working days picked, in order', () => {
    const result = validateSettings('U0ALICE', { workingDays: ['5', '1', '3'] }, now, 'UTC');
    expect(result.ok && result.settings.workingDays).toEqual([1, 3, 5]);
  });

  it('names each bad field with the fix', () => {
    const result = validateSettings(
      'U0ALICE',
      { timeZone: 'Mars/Olympus', dmTime: '9am', workingDays: [], quietStart: '22:00', pausedUntil: '2026-02-30' },
      now,
      'UTC',
    );
    expect(result).toEqual({
      ok: false,
      errors: {
        timeZone: '"Mars/Olympus" is not a time zone: use an IANA name such as Europe/Berlin',
        dmTime: '"9am" is not a time: use HH:MM on a 24-hour clock, e.g. 09:30',
        quietEnd: 'quiet hours need both a start and an end (or neither)',
        workingDays: 'pick at least one working day (to stop all reminders, pause them instead)',
        pausedUntil: '"2026-02-30" is not a date: use YYYY-MM-DD',
      },
    });
  });

  it('refuses a DM time inside the quiet hours, and quiet hours that end when they start', () => {
    expect(validateSettings('U0ALICE', { dmTime: '23:15', quietStart: '22:00', quietEnd: '07:00' }, now, 'UTC')).toEqual({
      ok: false,
      errors: { dmTime: '23:15 is inside your quiet hours (22:00–07:00): pick a DM time outside them' },
    });
    expect(validateSettings('U0ALICE', { quietStart: '22:00', quietEnd: '22:00' }, now, 'UTC')).toEqual({
      ok: false,
      errors: { quietEnd: 'quiet hours must end at another time than they start' },
    });
  });

  it('refuses a pause date that is today or past in the person’s zone', () => {
    expect(validateSettings('U0ALICE', { pausedUntil: '2026-03-10' }, now, 'UTC')).toEqual({
      ok: false,
      errors: { pausedUntil: '2026-03-10 is not in the future: pick a later day, or leave it empty' },
    });
    // 23:30 UTC on the 10th is already the 11th in Tokyo.
    const late = new Date('2026-03-10T23:30:00Z');
    expect(validateSettings('U0ALICE', { pausedUntil: '2026-03-11' }, late, 'UTC').ok).toBe(true);
    expect(validateSettings('U0ALICE', { timeZone: 'Asia/Tokyo', pausedUntil: '2026-03-11' }, late, 'UTC').ok).toBe(false);
  });
});

describe('inQuietHours', () => {
  it('handles spans within a day and past midnight', () => {
    expect(inQuietHours('12:30', { start: '12:00', end: '13:00' })).toBe(true);
    expect(inQuietHours('13:00', { start: '12:00', end: '13:00' })).toBe(false);
    expect(inQuietHours('23:00', { start: '22:00', end: '07:00' })).toBe(true);
    expect(inQuietHours('06:59', { start: '22:00', end: '07:00' })).toBe(true);
    expect(inQuietHours('07:00', { start: '22:00', end: '07:00' })).toBe(false);
    expect(inQuietHours('07:00', undefined)).toBe(false);
  });
});

describe('instantAt across daylight saving changes', () => {
  it('maps a normal wall time to its instant', () => {
    expect(instantAt('2026-03-10', '09:00', 'Europe/Berlin').toISOString()).toBe('2026-03-10T08:00:00.000Z');
    expect(instantAt('2026-07-10', '09:00', 'Europe/Berlin').toISOString()).toBe('2026-07-10T07:00:00.000Z');
    expect(instantAt('2026-07-10', '09:00', 'America/New_York').toISOString()).toBe('2026-07-10T13:00:00.000Z');
  });

  it('moves a time skipped in spring as late as the skip', () => {
    // Berlin jumps from 02:00 to 03:00 on 29 March 2026: 02:30 becomes 03:30 (01:30 UTC).
    expect(instantAt('2026-03-29', '02:30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(localTimeOf(instantAt('2026-03-29', '02:30', 'Europe/Berlin'), 'Europe/Berlin').time).toBe('03:30');
  });

  it('takes the first of a time repeated in autumn', () => {
    // Berlin goes back from 03:00 to 02:00 on 25 October 2026: 02:30 happens at 00:30 and 01:30 UTC.
    expect(instantAt('2026-10-25', '02:30', 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });
});

describe('receivesScheduledDm', () => {
  const tuesday9 = new Date('2026-03-10T09:00:00Z');
  it('sends to people without settings, and to those whose settings do not hold it back', () => {
    expect(receivesScheduledDm(undefined, tuesday9, 'UTC')).toBe(true);
    expect(receivesScheduledDm(settings({ workingDays: [1, 2, 3, 4, 5] }), tuesday9, 'UTC')).toBe(true);
  });

  it('holds back while paused, on days off and in quiet hours, read in the person’s zone', () => {
    expect(receivesScheduledDm(settings({ pausedUntil: '2026-03-11' }), tuesday9, 'UTC')).toBe(false);
    expect(receivesScheduledDm(settings({ pausedUntil: '2026-03-10' }), tuesday9, 'UTC')).toBe(true);
    expect(receivesScheduledDm(settings({ workingDays: [1, 3, 4, 5] }), tuesday9, 'UTC')).toBe(false);
    expect(receivesScheduledDm(settings({ quietHours: { start: '08:00', end: '12:00' } }), tuesday9, 'UTC')).toBe(false);
    // 09:00 UTC is 18:00 in Tokyo: inside 17:00–08:00 quiet hours there, not in UTC.
    const tokyoQuiet = settings({ timeZone: 'Asia/Tokyo', quietHours: { start: '17:00', end: '08:00' } });
    expect(receivesScheduledDm(tokyoQuiet, tuesday9, 'UTC')).toBe(false);
    expect(receivesScheduledDm({ ...tokyoQuiet, timeZone: 'UTC' }, tuesday9, 'UTC')).toBe(true);
  });

  it('leaves people with their own DM time to that time', () => {
    expect(receivesScheduledDm(settings({ dmTime: '09:00' }), tuesday9, 'UTC')).toBe(false);
  });
});

describe('dmTimeDue', () => {
  const berlin = settings({ timeZone: 'Europe/Berlin', dmTime: '08:30' });
  it('is due in the minute the local DM time falls in, not the minute after', () => {
    expect(dmTimeDue(berlin, new Date('2026-03-10T07:30:00Z'), 'UTC')).toBe(true);
    expect(dmTimeDue(berlin, new Date('2026-03-10T07:30:59Z'), 'UTC')).toBe(true);
    expect(dmTimeDue(berlin, new Date('2026-03-10T07:31:00Z'), 'UTC')).toBe(false);
    expect(dmTimeDue(berlin, new Date('2026-03-10T08:30:00Z'), 'UTC')).toBe(false);
  });

  it('follows the zone through summer time', () => {
    expect(dmTimeDue(berlin, new Date('2026-07-10T06:30:00Z'), 'UTC')).toBe(true);
  });

  it('sends a DM time skipped by the spring change once, an hour later, and a repeated one once', () => {
    const skipped = settings({ timeZone: 'Europe/Berlin', dmTime: '02:30' });
    const minutes = Array.from({ length: 24 * 60 }, (_, i) => new Date(Date.parse('2026-03-28T23:00:00Z') + i * 60_000));
    expect(minutes.filter((m) => dmTimeDue(skipped, m, 'UTC')).map((m) => m.toISOString())).toEqual(['2026-03-29T01:30:00.000Z']);
    const autumn = Array.from({ length: 24 * 60 }, (_, i) => new Date(Date.parse('2026-10-24T22:00:00Z') + i * 60_000));
    expect(autumn.filter((m) => dmTimeDue(skipped, m, 'UTC')).map((m) => m.toISOString())).toEqual(['2026-10-25T00:30:00.000Z']);
  });

  it('is never due while paused or on a day off; uses the schedule zone without one of its own', () => {
    expect(dmTimeDue({ ...berlin, pausedUntil: '2026-03-11' }, new Date('2026-03-10T07:30:00Z'), 'UTC')).toBe(false);
    expect(dmTimeDue({ ...berlin, workingDays: [1] }, new Date('2026-03-10T07:30:00Z'), 'UTC')).toBe(false);
    expect(dmTimeDue(settings({ dmTime: '08:30' }), new Date('2026-03-10T08:30:00Z'), 'UTC')).toBe(true);
    expect(dmTimeDue(settings({ dmTime: '08:30' }), new Date('2026-03-10T23:30:00Z'), 'Asia/Tokyo')).toBe(true);
    expect(dmTimeDue(settings(), new Date('2026-03-10T08:30:00Z'), 'UTC')).toBe(false);
  });
});

describe('nextDmTime', () => {
  it('is the next working, unpaused day at the DM time', () => {
    const weekdaysOnly = settings({ timeZone: 'Europe/Berlin', dmTime: '08:30', workingDays: [1, 2, 3, 4, 5] });
    // Friday 13 March, after 08:30 Berlin: next is Monday 16 March.
    expect(nextDmTime(weekdaysOnly, new Date('2026-03-13T09:00:00Z'), 'UTC')?.toISOString()).toBe('2026-03-16T07:30:00.000Z');
    expect(nextDmTime({ ...weekdaysOnly, pausedUntil: '2026-03-18' }, new Date('2026-03-13T09:00:00Z'), 'UTC')?.toISOString()).toBe('2026-03-18T07:30:00.000Z');
    expect(nextDmTime(settings(), now, 'UTC')).toBeUndefined();
  });
});
