// The review-health series (app/src/core/review-health.ts computes their values). Names are a
// contract with prometheus/rules/review-health.yml and grafana/src/review-health.ts.
import { Gauge, Histogram, type Registry } from 'prom-client';
import { openStates } from '../core/review-health.ts';

const hour = 3600;
/** 15 min to 4 weeks: review and merge times span minutes to weeks. */
export const reviewTimeBuckets = [hour / 4, hour, 2 * hour, 4 * hour, 8 * hour, 24 * hour, 48 * hour, 72 * hour, 168 * hour, 336 * hour, 672 * hour];

export interface ReviewHealthMetrics {
  openPullRequests: Gauge<'repository' | 'team' | 'state'>;
  oldestWaiting: Gauge<'repository' | 'team'>;
  sloBreaches: Gauge<'repository' | 'team'>;
  timeToFirstReview: Histogram<'repository' | 'team'>;
  timeToMerge: Histogram<'repository' | 'team'>;
  sloHours: Gauge<'team'>;
  teamInfo: Gauge<'team' | 'channel'>;
  updated: Gauge;
}

export function createReviewHealthMetrics(registry: Registry): ReviewHealthMetrics {
  const registers = [registry];
  const labels = ['repository', 'team'] as const;
  return {
    openPullRequests: new Gauge({
      name: 'chatops_review_open_pull_requests',
      help: 'Open PRs by state (draft, waiting, changes_requested, approved) per repository (beyond the top N: "other") and team ("" for every PR).',
      labelNames: [...labels, 'state'],
      registers,
    }),
    oldestWaiting: new Gauge({
      name: 'chatops_review_oldest_waiting_seconds',
      help: 'Age of the oldest PR waiting for review (open, not a draft, neither approved nor changes requested).',
      labelNames: labels,
      registers,
    }),
    sloBreaches: new Gauge({
      name: 'chatops_review_slo_breaches',
      help: "PRs waiting for review for longer than filters.reviewSloHours (the team schedule's own, for team series).",
      labelNames: labels,
      registers,
    }),
    timeToFirstReview: new Histogram({
      name: 'chatops_review_time_to_first_review_seconds',
      help: 'From opening to the first review, for PRs first reviewed since the previous read.',
      labelNames: labels,
      buckets: reviewTimeBuckets,
      registers,
    }),
    timeToMerge: new Histogram({
      name: 'chatops_review_time_to_merge_seconds',
      help: 'From opening to the merge, for PRs merged since the previous read.',
      labelNames: labels,
      buckets: reviewTimeBuckets,
      registers,
    }),
    sloHours: new Gauge({
      name: 'chatops_review_slo_hours',
      help: 'The review SLO in hours, per team ("" for the global filters.reviewSloHours).',
      labelNames: ['team'],
      registers,
    }),
    teamInfo: new Gauge({
      name: 'chatops_review_team_info',
      help: 'Always 1: the Slack channel of the first digest schedule naming the team, where ChatOpsReviewSloBreached goes.',
      labelNames: ['team', 'channel'],
      registers,
    }),
    updated: new Gauge({
      name: 'chatops_review_health_updated_timestamp_seconds',
      help: 'Unix time of the read the review-health series come from.',
      registers,
    }),
  };
}

/**
 * The most series the review-health metrics can have with `top` named repositories and `teams`
 * teams: every (repository or other) x (team or none) pair, each with its gauges and the
 * histograms' buckets, sum and count, plus the per-team series.
 */
export function reviewHealthSeriesBound(top: number, teams: number): number {
  const pairs = (top + 1) * (teams + 1);
  const perHistogram = reviewTimeBuckets.length + 1 + 2;
  return pairs * (openStates.length + 2 + 2 * perHistogram) + (teams + 1) + teams + 1;
}
