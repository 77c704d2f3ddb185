// Review health: open PRs by state, the oldest waiting PR, PRs past the review SLO, and the times
// to first review and to merge, per repository (the top N, the rest as "other") and per team.
// Metric names: app/src/review-health/metrics.ts; alert: prometheus/rules/review-health.yml.
// Every replica exports its latest read: gauges take the highest replica, never the sum.
import { dashboard, labelVariable, row, stat, table, timeseries, type Dashboard } from './panels.ts';

/** The repository totals: series without a team. */
const all = 'team=""';
const teams = 'team=~"$team", team!=""';

function quantile(q: number, histogram: string, selector: string, by: string, window: string): string {
  return `histogram_quantile(${q}, sum by (${by}) (increase(${histogram}_bucket{${selector}}[${window}])))`;
}

function nowRow(): ReturnType<typeof stat>[] {
  return [
    stat({
      title: 'Waiting for review',
      description: 'Open PRs that are not drafts and neither approved nor with changes requested.',
      queries: [{ expr: `sum(max by (repository) (chatops_review_open_pull_requests{${all}, state="waiting"}))` }],
    }),
    stat({
      title: 'Past the review SLO',
      description: 'Waiting PRs opened longer ago than filters.reviewSloHours.',
      queries: [{ expr: `sum(max by (repository) (chatops_review_slo_breaches{${all}}))` }],
    }),
    stat({
      title: 'Oldest waiting PR',
      description: 'Age of the oldest PR waiting for review.',
      unit: 's',
      queries: [{ expr: `max(chatops_review_oldest_waiting_seconds{${all}})` }],
    }),
    stat({
      title: 'Since the last read',
      description: 'Age of the newest GitHub read the figures come from (schedules, /prs).',
      unit: 's',
      queries: [{ expr: 'time() - max(chatops_review_health_updated_timestamp_seconds)' }],
    }),
  ];
}

function repositoryPanels() {
  return [
    timeseries({
      title: 'Open PRs by state',
      description: 'Every open PR of the repositories read, by state.',
      queries: [{ expr: `sum by (state) (max by (repository, state) (chatops_review_open_pull_requests{${all}}))`, legend: '{{state}}' }],
    }),
    timeseries({
      title: 'Oldest waiting PR by repository',
      description: 'Age of the oldest waiting PR; repositories beyond the top N are "other".',
      unit: 's',
      queries: [{ expr: `max by (repository) (chatops_review_oldest_waiting_seconds{${all}})`, legend: '{{repository}}' }],
    }),
    table({
      title: 'Repositories',
      description: 'Open PRs by state and PRs past the SLO, per repository (the top N by open PRs, the rest as "other").',
      queries: [
        { expr: `max by (repository, state) (chatops_review_open_pull_requests{${all}})` },
        { expr: `max by (repository) (chatops_review_slo_breaches{${all}})` },
      ],
    }),
  ];
}

function teamPanels() {
  return [
    timeseries({
      title: 'Waiting PRs by team',
      description: 'Open PRs by or for the members of each team a schedule names, waiting for review.',
      queries: [{ expr: `sum by (team) (max by (team, repository) (chatops_review_open_pull_requests{${teams}, state="waiting"}))`, legend: '{{team}}' }],
    }),
    timeseries({
      title: 'PRs past the SLO by team',
      description: "Waiting PRs opened longer ago than the team schedule's reviewSloHours; ChatOpsReviewSloBreached fires on these.",
      queries: [{ expr: `sum by (team) (max by (team, repository) (chatops_review_slo_breaches{${teams}}))`, legend: '{{team}}' }],
    }),
    timeseries({
      title: 'Oldest waiting PR by team',
      description: 'Age of the oldest PR waiting for review per team, against the team SLO.',
      unit: 's',
      queries: [
        { expr: `max by (team) (chatops_review_oldest_waiting_seconds{${teams}})`, legend: '{{team}}' },
        { expr: `max by (team) (chatops_review_slo_hours{${teams}}) * 3600`, legend: 'SLO {{team}}' },
      ],
    }),
  ];
}

function timingPanels() {
  const firstReview = 'chatops_review_time_to_first_review_seconds';
  const merge = 'chatops_review_time_to_merge_seconds';
  return [
    stat({
      title: 'Median time to first review',
      description: 'Over the PRs first reviewed in the dashboard range.',
      unit: 's',
      queries: [{ expr: quantile(0.5, firstReview, all, 'le', '$__range') }],
    }),
    stat({
      title: 'Median time to merge',
      description: 'Over the PRs merged in the dashboard range.',
      unit: 's',
      queries: [{ expr: quantile(0.5, merge, all, 'le', '$__range') }],
    }),
    stat({
      title: 'Reviews and merges timed',
      description: 'PRs first reviewed, and PRs merged, in the dashboard range.',
      queries: [
        { expr: `sum(increase(${firstReview}_count{${all}}[$__range]))`, legend: 'first reviews' },
        { expr: `sum(increase(${merge}_count{${all}}[$__range]))`, legend: 'merges' },
      ],
    }),
    timeseries({
      title: 'Time to first review by team (p50, p90, last day)',
      description: 'From opening to the first review, over the PRs first reviewed in the day before each point.',
      unit: 's',
      queries: [
        { expr: quantile(0.5, firstReview, teams, 'le, team', '1d'), legend: 'p50 {{team}}' },
        { expr: quantile(0.9, firstReview, teams, 'le, team', '1d'), legend: 'p90 {{team}}' },
      ],
    }),
    timeseries({
      title: 'Time to merge by repository (p50, last day)',
      description: 'From opening to the merge, over the PRs merged in the day before each point.',
      unit: 's',
      queries: [{ expr: quantile(0.5, merge, all, 'le, repository', '1d'), legend: '{{repository}}' }],
    }),
  ];
}

export function reviewHealthDashboard(): Dashboard {
  const builder = dashboard(
    'chatops-review-health',
    'Review health',
    'Open pull requests by state, the oldest waiting one, PRs past the review SLO, and the times to first review and to merge, per repository and team.',
  ).withVariable(labelVariable('team', 'Team', 'chatops_review_open_pull_requests{team!=""}'));
  builder.withRow(row('Now'));
  for (const panel of nowRow()) builder.withPanel(panel);
  builder.withRow(row('Repositories'));
  for (const panel of repositoryPanels()) builder.withPanel(panel);
  builder.withRow(row('Teams'));
  for (const panel of teamPanels()) builder.withPanel(panel);
  builder.withRow(row('Review and merge times'));
  for (const panel of timingPanels()) builder.withPanel(panel);
  return builder.build();
}
