import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../app/src/config/schema.ts';
import { localTime } from '../../../app/src/core/schedule.ts';
import { nextFireTimes, Scheduler } from '../../../app/src/scheduling/scheduler.ts';
import { capturedLogger } from '../support.ts';

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

describe('Scheduler', () => {
  it('fires a started schedule through the gate, and stops firing once stopped', async () => {
    const everySecond: Schedule = { name: 'tick', channel: 'C1', cron: '* * * * * *', timezone: 'Pacific/Auckland', kind: 'digest' };
    const gateCalls: [string, number][] = [];
    const runs: string[] = [];
    const scheduler = new Scheduler({
      schedules: [everySecond],
      gate: { shouldRun: async (name, fireTime) => (gateCalls.push([name, fireTime.getTime() % 1000]), true) },
      run: async (schedule) => {
        runs.push(schedule.name);
        return { schedule: schedule.name, outcome: 'success', posted: 0, failedPosts: 0, pullRequests: 0, failedRepositories: 0 };
      },
      logger: capturedLogger().logger,
    });
    await scheduler.start();
    const deadline = Date.now() + 5_000;
    while (runs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await scheduler.stop();
    const afterStop = runs.length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(afterStop).toBeGreaterThan(0);
    expect(runs.length).toBe(afterStop);
    expect(gateCalls[0]).toEqual(['tick', 0]);
  });
});
