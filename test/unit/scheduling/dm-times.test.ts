import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../app/src/config/schema.ts';
import type { FireGate } from '../../../app/src/core/ports.ts';
import { dmTimeClaimName, DmTimeTicker } from '../../../app/src/scheduling/dm-times.ts';
import type { CycleReport } from '../../../app/src/scheduling/cycle.ts';
import { MemoryPersonalSettings } from '../../../app/src/store/personal-settings.ts';
import { capturedLogger } from '../support.ts';

const schedules: Schedule[] = [
  { name: 'digest', channel: 'C0TEAM', cron: '0 9 * * 1-5', timezone: 'UTC', kind: 'digest' },
  { name: 'reviews', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', kind: 'reviews' },
];
const report = (schedule: string): CycleReport => ({ schedule, outcome: 'success', posted: 1, failedPosts: 0, pullRequests: 1, failedRepositories: 0 });

async function ticker(gate?: FireGate) {
  const settings = new MemoryPersonalSettings();
  await settings.save({ slackUserId: 'U0ALICE', dmTime: '08:30', updatedAt: '2026-03-01T00:00:00Z' });
  const runs: [string, string, string][] = [];
  const { logger, lines } = capturedLogger();
  const dmTimes = new DmTimeTicker({
    schedules,
    settings,
    run: async (schedule, minute, _group, trigger) => {
      runs.push([schedule.name, minute.toISOString(), trigger]);
      return report(schedule.name);
    },
    logger,
    ...(gate ? { gate } : {}),
  });
  return { dmTimes, runs, lines, settings };
}

describe('DmTimeTicker', () => {
  it("runs a DM schedule's cycle in the minute someone's DM time falls in (in the schedule's zone), never a digest", async () => {
    const { dmTimes, runs } = await ticker();
    // 08:30 in Berlin on 10 March is 07:30 UTC.
    expect(await dmTimes.tick(new Date('2026-03-10T07:29:00Z'))).toEqual([]);
    expect(await dmTimes.tick(new Date('2026-03-10T07:30:00.120Z'))).toEqual([report('reviews')]);
    expect(runs).toEqual([['reviews', '2026-03-10T07:30:00.000Z', 'dm-time']]);
  });

  it("runs only when the gate gives this replica the tick, claimed under the schedule's DM-time name", async () => {
    const asked: [string, string][] = [];
    const { dmTimes, runs } = await ticker({
      shouldRun: async (name, fire) => {
        asked.push([name, fire.toISOString()]);
        return false;
      },
    });
    expect(await dmTimes.tick(new Date('2026-03-10T07:30:00Z'))).toEqual([]);
    expect(asked).toEqual([[dmTimeClaimName(schedules[1]!), '2026-03-10T07:30:00.000Z']]);
    expect(asked[0]?.[0]).toBe('reviews@dm-time');
    expect(runs).toEqual([]);
  });

  it('logs and skips the minute when the settings cannot be read', async () => {
    const { dmTimes, runs, lines, settings } = await ticker();
    settings.all = () => Promise.reject(new Error('Elasticsearch unavailable'));
    expect(await dmTimes.tick(new Date('2026-03-10T07:30:00Z'))).toEqual([]);
    expect(runs).toEqual([]);
    expect(lines().map((l) => l.message)).toContain('personal settings unreadable: DM times of this minute skipped');
  });
});
