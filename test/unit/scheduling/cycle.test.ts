import { describe, expect, it } from 'vitest';
import type { ReplyRecord } from '../../../app/src/core/ports.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { CycleRunner } from '../../../app/src/scheduling/cycle.ts';
import { Scheduler } from '../../../app/src/scheduling/scheduler.ts';
import { DryRunPoster } from '../../../app/src/slack/web-api.ts';
import { aPullRequest, hoursAgo, now, snapshot } from '../core/builders.ts';
import { aConfig, capturedLogger, fixedSource } from '../support.ts';

function setup(data: Parameters<typeof fixedSource>[0], configOverrides: Record<string, unknown> = {}) {
  const config = aConfig(configOverrides);
  const metrics = createMetrics({ defaultMetrics: false });
  const lines: string[] = [];
  const poster = new DryRunPoster((line) => lines.push(line));
  const recorded: ReplyRecord[] = [];
  const { logger } = capturedLogger();
  const runner = new CycleRunner({
    config,
    source: fixedSource(data),
    poster,
    metrics,
    logger,
    history: { recordReply: async (record) => void recorded.push(record) },
    clock: () => now,
  });
  return { config, metrics, lines, poster, recorded, runner };
}

const value = async (metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
};

describe('CycleRunner', () => {
  it('posts the digest parent, one threaded reply per PR and a reaction on stale ones', async () => {
    const { runner, lines, recorded, metrics, config } = setup(
      snapshot([aPullRequest({ number: 2, createdAt: hoursAgo(24 * 15) }), aPullRequest({ number: 3 })]),
    );
    const report = await runner.run(config.schedules[0]!);
    expect(report).toEqual({ schedule: 'morning', outcome: 'success', posted: 3, failedPosts: 0, pullRequests: 2, failedRepositories: 0 });
    const calls = lines.map((l) => JSON.parse(l) as { method: string; args: Record<string, unknown> });
    expect(calls.map((c) => [c.method, c.args.channel, c.args.thread_ts ?? c.args.timestamp ?? null])).toEqual([
      ['chat.postMessage', 'C0TEAM', null],
      ['chat.postMessage', 'C0TEAM', '<dry-run: ts of chat.postMessage #1>'],
      ['reactions.add', 'C0TEAM', '<dry-run: ts of chat.postMessage #2>'],
      ['chat.postMessage', 'C0TEAM', '<dry-run: ts of chat.postMessage #1>'],
    ]);
    expect(calls[2]?.args.name).toBe('hourglass_flowing_sand');
    expect(calls[0]?.args).toMatchObject({ text: '2 open pull requests in 1 repository (1 stale)', unfurl_links: false });
    expect(recorded.map((r) => [r.pr.number, r.ts, r.threadTs, r.schedule])).toEqual([
      [2, '<dry-run: ts of chat.postMessage #2>', '<dry-run: ts of chat.postMessage #1>', 'morning'],
      [3, '<dry-run: ts of chat.postMessage #3>', '<dry-run: ts of chat.postMessage #1>', 'morning'],
    ]);
    expect(await value(metrics, 'chatops_reminders_sent_total', { schedule: 'morning', kind: 'reply' })).toBe(2);
    expect(await value(metrics, 'chatops_reminder_cycles_total', { schedule: 'morning', outcome: 'success' })).toBe(1);
    expect(await value(metrics, 'chatops_reminder_last_success_timestamp_seconds', { schedule: 'morning' })).toBeGreaterThan(0);
  });

  it('reports a partial cycle when repositories could not be read', async () => {
    const { runner, config, metrics } = setup(snapshot([], [{ repository: 'acme/x', reason: 'HTTP 500' }]));
    const report = await runner.run(config.schedules[0]!);
    expect(report.outcome).toBe('partial');
    expect(await value(metrics, 'chatops_github_repositories_failed', {})).toBe(1);
  });

  it('fails the cycle when no configured repository could be read, still telling the channel', async () => {
    const { runner, config, lines, metrics } = setup(snapshot([], [{ repository: 'acme/*', reason: 'HTTP 401 Bad credentials' }]));
    const report = await runner.run(config.schedules[0]!);
    expect([report.outcome, report.error, report.posted]).toEqual(['failure', 'no configured repository could be read', 1]);
    expect(lines).toHaveLength(1);
    expect(await value(metrics, 'chatops_reminder_cycles_total', { schedule: 'morning', outcome: 'failure' })).toBe(1);
  });

  it('fails the cycle, posting nothing, when GitHub cannot be read at all', async () => {
    const { runner, config, lines, metrics } = setup(new Error('connect ECONNREFUSED'));
    const report = await runner.run(config.schedules[0]!);
    expect([report.outcome, report.error, lines]).toEqual(['failure', 'connect ECONNREFUSED', []]);
    expect(await value(metrics, 'chatops_reminder_cycles_total', { schedule: 'morning', outcome: 'failure' })).toBe(1);
  });

  it('sends personal DMs to the authors’ user ids', async () => {
    const { runner, config, lines } = setup(snapshot([aPullRequest({ author: 'bob' })]), {
      schedules: [{ name: 'mine', channel: 'C0TEAM', cron: '0 9 * * *', timezone: 'UTC', kind: 'personal' }],
    });
    await runner.run(config.schedules[0]!);
    expect(lines.map((l) => (JSON.parse(l) as { args: { channel: string } }).args.channel)).toEqual(['U0BOB']);
  });

  it('lets drain() wait for cycles in flight', async () => {
    const { runner, config, lines } = setup(snapshot([aPullRequest()]));
    void runner.run(config.schedules[0]!);
    expect(runner.busy).toBe(1);
    await runner.drain();
    expect([runner.busy, lines.length]).toEqual([0, 2]);
  });
});

describe('Scheduler.fire', () => {
  it('asks the gate with the fire minute and runs only when allowed', async () => {
    const { runner, config, lines } = setup(snapshot([aPullRequest()]));
    const asked: [string, string][] = [];
    let allow = false;
    const scheduler = new Scheduler({
      schedules: config.schedules,
      run: (s) => runner.run(s),
      gate: { shouldRun: async (name, fireTime) => (asked.push([name, fireTime.toISOString()]), allow) },
      logger: capturedLogger().logger,
    });
    expect(await scheduler.fire(config.schedules[0]!, new Date('2026-03-10T08:00:00.412Z'))).toBeUndefined();
    allow = true;
    const report = await scheduler.fire(config.schedules[0]!, new Date('2026-03-10T08:00:00.997Z'));
    expect(report?.outcome).toBe('success');
    expect(asked).toEqual([
      ['morning', '2026-03-10T08:00:00.000Z'],
      ['morning', '2026-03-10T08:00:00.000Z'],
    ]);
    expect(lines).toHaveLength(2);
  });

  it('skips the fire when the gate fails', async () => {
    const { runner, config, lines } = setup(snapshot([aPullRequest()]));
    const scheduler = new Scheduler({
      schedules: config.schedules,
      run: (s) => runner.run(s),
      gate: { shouldRun: () => Promise.reject(new Error('es down')) },
      logger: capturedLogger().logger,
    });
    expect(await scheduler.fire(config.schedules[0]!, new Date())).toBeUndefined();
    expect(lines).toEqual([]);
  });
});
