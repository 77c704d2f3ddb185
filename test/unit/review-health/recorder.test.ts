import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { PullRequest, PullRequestSnapshot } from '../../../app/src/core/types.ts';
import { createReviewHealthMetrics, reviewHealthSeriesBound } from '../../../app/src/review-health/metrics.ts';
import { ReviewHealthRecorder, reviewHealthTeams, withReviewHealth } from '../../../app/src/review-health/recorder.ts';
import { aPullRequest, hoursAgo, now } from '../core/builders.ts';
import { aConfig, capturedLogger, fixedSource } from '../support.ts';

const teamSchedules = ['backend', 'frontend', 'platform'].map((slug, i) => ({
  name: slug,
  channel: `C0${slug.toUpperCase()}`,
  cron: '0 9 * * 1-5',
  timezone: 'UTC',
  kind: 'digest',
  team: `acme/${slug}`,
  ...(i === 0 ? { filters: { reviewSloHours: 4 } } : {}),
}));

function setup(top = 20) {
  const config = aConfig({ schedules: teamSchedules, metrics: { reviewHealthTopRepositories: top } });
  const registry = new Registry();
  const metrics = createReviewHealthMetrics(registry);
  const recorder = new ReviewHealthRecorder({ config, metrics, logger: capturedLogger().logger, clock: () => now });
  const series = async (): Promise<number> => (await registry.getMetricsAsJSON()).reduce((total, metric) => total + metric.values.length, 0);
  return { recorder, registry, series };
}

const members = new Map([
  ['acme/backend', ['bob']],
  ['acme/frontend', ['carol']],
  ['acme/platform', ['dave']],
]);

function snapshot(pullRequests: PullRequest[], closedPullRequests: PullRequestSnapshot['closedPullRequests'] = []): PullRequestSnapshot {
  return { pullRequests, failedRepositories: [], closedPullRequests, fetchedAt: now.toISOString() };
}

/** `repositories` repositories, the i-th with 1 + i % 7 PRs, by or for the three teams' members in turn. */
function manyRepositories(repositories: number, reviewed: boolean): PullRequest[] {
  const people = ['alice', 'bob', 'carol', 'dave'];
  return Array.from({ length: repositories }, (_, i) =>
    Array.from({ length: 1 + (i % 7) }, (_, n) =>
      aPullRequest({
        repository: `acme/repo-${String(i).padStart(4, '0')}`,
        number: n + 1,
        author: people[(i + n) % 4] ?? 'alice',
        requestedReviewers: [people[(i + n + 1) % 4] ?? 'bob'],
        createdAt: hoursAgo(1 + ((i * 7 + n) % 72)),
        ...(reviewed && n === 0
          ? { reviews: [{ login: 'erin', state: 'commented' as const, submittedAt: hoursAgo(0.5) }], reviewState: 'commented' as const }
          : {}),
      }),
    ),
  ).flat();
}

describe('review-health recorder', () => {
  it('keeps the series of 3,000 repositories under the bound: the top 20 by open PRs and "other"', async () => {
    const { recorder, registry, series } = setup(20);
    recorder.recordRoster({ members, failures: [] });
    recorder.recordSnapshot(['acme/*'], [], snapshot(manyRepositories(3000, false)));
    // Reviews on every repository, merges in every repository, and a shifting top: histograms must stay bounded too.
    const merged = Array.from({ length: 3000 }, (_, i) => ({
      repository: `acme/repo-${String(i).padStart(4, '0')}`,
      number: 1 + (i % 7),
      mergedAt: hoursAgo(0.2),
    }));
    recorder.recordSnapshot(['acme/*'], [], snapshot(manyRepositories(3000, true), merged));
    recorder.recordSnapshot(['acme/*'], [], snapshot(manyRepositories(2500, true).filter((pr) => pr.number < 4)));
    const count = await series();
    const bound = reviewHealthSeriesBound(20, 3);
    console.log(
      `review-health series for 3,000 repositories, top 20, 3 teams: ${count} (bound ${bound}; one series set per repository would be ${reviewHealthSeriesBound(3000, 3)})`,
    );
    expect(count).toBeLessThanOrEqual(bound);
    const open = (await registry.getSingleMetric('chatops_review_open_pull_requests')?.get())?.values ?? [];
    const repositories = new Set(open.map((v) => v.labels.repository));
    expect(repositories.size).toBe(21);
    expect(repositories.has('other')).toBe(true);
    const merges = ((await registry.getSingleMetric('chatops_review_time_to_merge_seconds')?.get())?.values ?? []) as {
      metricName?: string;
      labels: Record<string, string | number>;
      value: number;
    }[];
    expect(new Set(merges.map((v) => v.labels.repository)).size).toBeLessThanOrEqual(21);
    // The first read was the baseline; the second timed every first review and merge.
    const mergeCount = merges.find(
      (v) => v.metricName === 'chatops_review_time_to_merge_seconds_count' && v.labels.repository === 'other' && v.labels.team === '',
    );
    expect(mergeCount?.value).toBeGreaterThan(2900);
  });

  it('exports the team channel and SLOs, counts breaches against the team SLO, and empties a repository whose PRs all closed', async () => {
    const { recorder, registry } = setup();
    const source = withReviewHealth(
      fixedSource(snapshot([aPullRequest({ number: 1, author: 'bob', createdAt: hoursAgo(6) }), aPullRequest({ repository: 'acme/web', number: 2 })]), {
        'acme/backend': ['bob'],
      }),
      recorder,
      capturedLogger().logger,
    );
    await source.fetchOpenPullRequests(['acme/*'], []);
    await source.fetchTeamMembers(['acme/backend']);
    const text = await registry.metrics();
    expect(text).toContain('chatops_review_team_info{team="acme/backend",channel="C0BACKEND"} 1');
    expect(text).toContain('chatops_review_slo_hours{team="acme/backend"} 4');
    expect(text).toContain('chatops_review_slo_hours{team=""} 24');
    expect(text).toContain('chatops_review_slo_breaches{repository="acme/api",team="acme/backend"} 1');
    expect(text).toContain('chatops_review_slo_breaches{repository="acme/api",team=""} 0');
    expect(text).toContain('chatops_review_slo_breaches{repository="acme/web",team=""} 1');
    recorder.recordSnapshot(['acme/web'], [], snapshot([]));
    const after = await registry.metrics();
    expect(after).not.toContain('repository="acme/web"');
    expect(after).toContain('repository="acme/api"');
  });

  it('names each team once, with the tightest SLO of its schedules and the channel of its first digest', () => {
    const config = aConfig({
      schedules: [
        { name: 'dm', cron: '0 9 * * 1-5', timezone: 'UTC', kind: 'reviews', team: 'acme/backend', filters: { reviewSloHours: 2 } },
        { name: 'one', channel: 'C0ONE', cron: '0 9 * * 1-5', timezone: 'UTC', kind: 'digest', team: 'acme/Backend', repositories: ['acme/api'] },
        { name: 'two', channel: 'C0TWO', cron: '0 9 * * 1-5', timezone: 'UTC', kind: 'digest', team: 'acme/backend' },
      ],
    });
    const { teams, channels } = reviewHealthTeams(config);
    expect(teams).toEqual([{ team: 'acme/backend', scope: { patterns: ['acme/*', 'acme/api'], exclude: [] }, sloHours: 2 }]);
    expect([...channels]).toEqual([['acme/backend', 'C0ONE']]);
  });
});
