// The ChatOps app: reminders, cycles, GitHub quota and conditional requests, Slack, claims.
// Metric names: app/src/metrics.ts (docs/architecture.md).
import { dashboard, hostVariable, row, stat, timeseries, type Dashboard } from './panels.ts';

const replicas = 'job="chatops", host=~"$host"';

export function chatopsDashboard(): Dashboard {
  return dashboard('chatops-app', 'ChatOps app', 'Reminders, reminder cycles, GitHub and Slack usage and fire claims of every replica.')
    .withVariable(hostVariable('up{job="chatops"}'))
    .withRow(row('Replicas'))
    .withPanel(stat({ title: 'Replicas up', description: 'Replicas Prometheus scrapes successfully.', queries: [{ expr: `sum(up{${replicas}})` }] }))
    .withPanel(
      stat({
        title: 'Replicas degraded',
        description: 'Replicas coordinating without Elasticsearch (fail-safe).',
        queries: [{ expr: `sum(chatops_coordinator_degraded{${replicas}})` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Since last successful cycle',
        description: 'Age of the newest successful reminder cycle, any schedule.',
        unit: 's',
        queries: [{ expr: `time() - max(chatops_reminder_last_success_timestamp_seconds{${replicas}})` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Resident memory',
        description: 'Largest resident set of a replica.',
        unit: 'bytes',
        queries: [{ expr: `max(chatops_process_resident_memory_bytes{${replicas}})` }],
      }),
    )
    .withRow(row('Reminders'))
    .withPanel(
      timeseries({
        title: 'Reminders sent',
        description: 'Messages posted per minute by schedule and kind.',
        unit: 'short',
        queries: [{ expr: `sum by (schedule, kind) (increase(chatops_reminders_sent_total{${replicas}}[$__rate_interval]))`, legend: '{{schedule}} {{kind}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Reminder cycles by outcome',
        description: 'Cycles run, by schedule and outcome (success, partial, failure).',
        queries: [
          { expr: `sum by (schedule, outcome) (increase(chatops_reminder_cycles_total{${replicas}}[$__rate_interval]))`, legend: '{{schedule}} {{outcome}}' },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Cycle duration',
        description: 'Median and 95th percentile wall time of a reminder cycle, by schedule.',
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (le, schedule) (rate(chatops_reminder_cycle_duration_seconds_bucket{${replicas}}[$__rate_interval])))`,
            legend: 'p50 {{schedule}}',
          },
          {
            expr: `histogram_quantile(0.95, sum by (le, schedule) (rate(chatops_reminder_cycle_duration_seconds_bucket{${replicas}}[$__rate_interval])))`,
            legend: 'p95 {{schedule}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Fire claims',
        description: 'Scheduled fires each replica won, lost to another replica, or skipped.',
        queries: [{ expr: `sum by (outcome) (increase(chatops_fire_claims_total{${replicas}}[$__rate_interval]))`, legend: '{{outcome}}' }],
      }),
    )
    .withRow(row('GitHub'))
    .withPanel(
      timeseries({
        title: 'GitHub quota left',
        description: 'x-ratelimit-remaining over x-ratelimit-limit, per replica and budget (core for REST, graphql).',
        unit: 'percentunit',
        queries: [
          {
            expr: `chatops_github_rate_limit_remaining{${replicas}} / (chatops_github_rate_limit_limit{${replicas}} > 0)`,
            legend: '{{host}} {{unit}} {{resource}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Conditional request hit ratio',
        description: 'Share of GitHub requests answered 304 Not Modified (free of quota).',
        unit: 'percentunit',
        queries: [
          {
            expr: `sum(rate(chatops_github_requests_total{status="304", ${replicas}}[$__rate_interval])) / sum(rate(chatops_github_requests_total{${replicas}}[$__rate_interval]))`,
            legend: '304 ratio',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'GitHub requests by status',
        description: 'REST and GraphQL requests per second by API and HTTP status ("error" for network failures).',
        unit: 'reqps',
        queries: [{ expr: `sum by (api, status) (rate(chatops_github_requests_total{${replicas}}[$__rate_interval]))`, legend: '{{api}} {{status}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Repositories failing',
        description: 'Repositories that could not be read in the latest cycle.',
        queries: [{ expr: `max by (host, unit) (chatops_github_repositories_failed{${replicas}})`, legend: '{{host}} {{unit}}' }],
      }),
    )
    .withRow(row('Slack'))
    .withPanel(
      timeseries({
        title: 'Slack API errors',
        description: 'Failed Slack Web API calls by method and Slack error code.',
        queries: [{ expr: `sum by (method, error) (increase(chatops_slack_api_errors_total{${replicas}}[$__rate_interval]))`, legend: '{{method}} {{error}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Slack API calls',
        description: 'Slack Web API calls per second by method.',
        unit: 'reqps',
        queries: [{ expr: `sum by (method) (rate(chatops_slack_api_calls_total{${replicas}}[$__rate_interval]))`, legend: '{{method}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'GitHub webhook deliveries',
        description: 'Webhook deliveries by event and outcome (processed, duplicate, rejected).',
        queries: [
          { expr: `sum by (event, outcome) (increase(chatops_webhook_deliveries_total{${replicas}}[$__rate_interval]))`, legend: '{{event}} {{outcome}}' },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Event loop lag',
        description: 'Node.js event loop lag p99 per replica.',
        unit: 's',
        queries: [{ expr: `chatops_nodejs_eventloop_lag_p99_seconds{${replicas}}`, legend: '{{host}} {{unit}}' }],
      }),
    )
    .build();
}
