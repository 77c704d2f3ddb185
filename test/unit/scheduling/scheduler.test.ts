import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../app/src/config/schema.ts';
import { localTime } from '../../../app/src/core/schedule.ts';
import { nextFireTimes } from '../../../app/src/scheduling/scheduler.ts';

const weekdayNine = (timezone: string): Schedule => ({ name: 'n', channel: 'C1', cron: '0 9 * * 1-5', timezone, kind: 'digest' });

describe('nextFireTimes', () => {
  it('fires at 09:00 on weekdays in each schedule’s own time zone', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC']) {
      const times = nextFireTimes(weekdayNine(zone), 5);
      expect(times).toHaveLength(5);
      for (const time of times) {
        const local = localTime(time, zone);
        expect(local, zone).toMatch(/ 09:00 (Mon|Tue|Wed|Thu|Fri)$/);
      }
    }
  });

  it('gives different instants for the same cron in different zones', () => {
    const berlin = nextFireTimes(weekdayNine('Europe/Berlin'), 1)[0]!;
    const kolkata = nextFireTimes(weekdayNine('Asia/Kolkata'), 1)[0]!;
    // Kolkata is 3h30 or 4h30 ahead of Berlin: never the same instant.
    expect(berlin.getTime()).not.toBe(kolkata.getTime());
    expect(kolkata.getUTCMinutes()).toBe(30);
  });
});
