import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../app/src/config/schema.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { CycleRunner } from '../../../app/src/scheduling/cycle.ts';
import { Scheduler } from '../../../app/src/scheduling/scheduler.ts';
import { SharedReads } from '../../../app/src/scheduling/shared-reads.ts';
import { checkScheduleTeams } from '../../../app/src/scheduling/team-check.ts';
import { DryRunPoster } from '../../../app/src/slack/web-api.ts';
import { aPullRequest, now, snapshot } from '../core/builders.ts';
import { aConfig, capturedLogger, fixedSource } from '../support.ts';

const at = (name: string, cron: string, timezone: string, extra: Partial<Schedule> = {}): Schedule => ({
  name,
  channel: 'C0TEAM',
  cron,
  timezone,
  kind: 'digest',
  ...extra,
});
const data = snapshot([
  aPullRequest({ repository: 'acme/api', number: 1, author: 'alice' }),
  aPullRequest({ repository: 'acme/web', number: 2, author: 'erin', requestedTeams: ['acme/frontend'] }),
  aPullRequest({ repository: 'acme/web', number: 3, author: 'erin' }),
]);

function recordingSource() {
  const source = fixedSource(data, { 'acme/frontend': ['carol'], 'acme/backend': ['alice'] });
  const calls: { patterns: string[]; exclude: string[] }[] = [];
  const teamCalls: string[][] = [];
  return {
    calls,
    teamCalls,
    source: {
      ...source,
      fetchOpenPullRequests: (patterns: string[], exclude: string[]) => (calls.push({ patterns, exclude }), source.fetchOpenPullRequests(patterns, exclude)),
      fetchTeamMembers: (teams: readonly string[]) => (teamCalls.push([...teams]), source.fetchTeamMembers(teams)),
    },
  };
}

describe('SharedReads', () => {
  it('reads the union of one fire’s schedules once, teams included', async () => {
    const { source, calls, teamCalls } = recordingSource();
    const backend = at('backend', '0 9 * * *', 'UTC', { repositories: ['acme/api'], team: 'acme/backend' });
    const frontend = at('frontend', '0 9 * * *', 'UTC', { repositories: ['acme/web'], exclude: [] });
    const reads = new SharedReads(source, { repositories: ['acme/*'], exclude: ['acme/docs-*'] });
    const fire = new Date('2026-03-10T09:00:00Z');
    const [a, b] = await Promise.all([reads.read([backend, frontend], fire), reads.read([frontend, backend], fire)]);
    expect(a).toBe(b);
    expect(calls).toEqual([{ patterns: ['acme/api', 'acme/web'], exclude: [] }]);
    // The audience's team beside the PR read, then the team a PR asks for review.
    expect(teamCalls).toEqual([['acme/backend'], ['acme/frontend']]);
    expect([...a.roster.members.keys()]).toEqual(['acme/backend', 'acme/frontend']);
    await reads.read([backend], new Date('2026-03-10T09:01:00Z'));
    expect(calls).toHaveLength(2);
  });

  it('reads the audiences’ teams while the PR read is still on its way, and a team asked for review only once', async () => {
    const { source, teamCalls } = recordingSource();
    let finishRead: () => void = () => undefined;
    const slowSource = {
      ...source,
      fetchOpenPullRequests: async (patterns: string[], exclude: string[]) => {
        await new Promise<void>((resolve) => (finishRead = resolve));
        return source.fetchOpenPullRequests(patterns, exclude);
      },
    };
    const frontend = at('frontend', '0 9 * * *', 'UTC', { repositories: ['acme/web'], team: 'acme/frontend' });
    const read = new SharedReads(slowSource, { repositories: ['acme/*'], exclude: [] }).read([frontend], new Date('2026-03-10T09:00:00Z'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(teamCalls).toEqual([['acme/frontend']]);
    finishRead();
    expect([...(await read).roster.members.entries()]).toEqual([['acme/frontend', ['carol']]]);
    // PR 2 asks acme/frontend for review: already read as the audience, not read again.
    expect(teamCalls).toEqual([['acme/frontend']]);
  });
});

describe('CycleRunner with team schedules', () => {
  it('posts each schedule’s own PRs from one shared read', async () => {
    const { source, calls } = recordingSource();
    const lines: string[] = [];
    const config = aConfig({
      users: [
        { slack: 'U0ALICE', github: 'alice', name: 'Alice' },
        { slack: 'U0CAROL', github: 'carol', name: 'Carol' },
      ],
      schedules: [
        at('backend', '0 9 * * *', 'UTC', { team: 'acme/backend' }),
        at('frontend', '0 9 * * *', 'UTC', { repositories: ['acme/web'], team: 'acme/frontend' }),
      ],
    });
    const runner = new CycleRunner({
      config,
      source,
      poster: new DryRunPoster((line) => lines.push(line)),
      metrics: createMetrics({ defaultMetrics: false }),
      logger: capturedLogger().logger,
      clock: () => now,
    });
    const fire = new Date('2026-03-10T09:00:00Z');
    const [backend, frontend] = config.schedules as [Schedule, Schedule];
    const reports = await Promise.all([runner.run(backend, fire, [backend, frontend]), runner.run(frontend, fire, [frontend, backend])]);
    expect(calls).toHaveLength(1);
    expect(reports.map((r) => [r.schedule, r.outcome, r.posted, r.pullRequests])).toEqual([
      ['backend', 'success', 2, 3],
      ['frontend', 'success', 2, 2],
    ]);
    const replies = lines.map((line) => JSON.parse(line) as { args: { thread_ts?: string; text: string } }).filter((call) => call.args.thread_ts);
    expect(replies.map((call) => call.args.text)).toEqual(['acme/api#1 Change 1', 'acme/web#2 Change 2']);
  });
});

describe('Scheduler groups', () => {
  it('hands every schedule matching the fire time, in any zone, to the run', async () => {
    const groups: string[][] = [];
    const berlin = at('berlin', '0 10 * * *', 'Europe/Berlin');
    const utc = at('utc', '0 9 * * *', 'UTC');
    const later = at('later', '0 11 * * *', 'UTC');
    const scheduler = new Scheduler({
      schedules: [berlin, utc, later],
      run: async (schedule, _fireTime, group) => {
        groups.push(group.map((s) => s.name));
        return { schedule: schedule.name, outcome: 'success', posted: 0, failedPosts: 0, pullRequests: 0, failedRepositories: 0 };
      },
      logger: capturedLogger().logger,
    });
    await scheduler.start();
    try {
      await scheduler.fire(utc, new Date('2026-03-10T09:00:00Z'));
      await scheduler.fire(later, new Date('2026-03-10T11:00:00Z'));
    } finally {
      await scheduler.stop();
    }
    expect(groups).toEqual([['utc', 'berlin'], ['later']]);
  });
});

describe('checkScheduleTeams', () => {
  it('warns naming the schedule and the team it cannot read, and goes on', async () => {
    const log = capturedLogger();
    const unreadable = await checkScheduleTeams(
      [at('backend', '0 9 * * *', 'UTC', { team: 'acme/backend' }), at('ghosts', '0 9 * * *', 'UTC', { team: 'acme/nope' })],
      fixedSource(data, { 'acme/backend': ['alice'] }),
      log.logger,
    );
    expect(unreadable).toEqual([{ schedule: 'ghosts', team: 'acme/nope', reason: 'HTTP 404: Not Found' }]);
    expect(log.lines().filter((l) => l['log.level'] === 'warn')).toMatchObject([{ schedule: 'ghosts', team: 'acme/nope', reason: 'HTTP 404: Not Found' }]);
  });
});
