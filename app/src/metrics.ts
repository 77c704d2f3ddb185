// Every Prometheus metric the app exposes, in one registry. Names are a contract with
// prometheus/rules and grafana dashboards (docs/architecture.md).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface AppMetrics {
  registry: Registry;
  remindersSent: Counter<'schedule' | 'kind'>;
  reminderCycles: Counter<'schedule' | 'outcome'>;
  reminderCycleDuration: Histogram<'schedule'>;
  reminderLastSuccess: Gauge<'schedule'>;
  githubRequests: Counter<'status' | 'api'>;
  githubRateLimitRemaining: Gauge<'resource'>;
  githubRateLimitLimit: Gauge<'resource'>;
  githubRepositoriesFailed: Gauge;
  slackApiCalls: Counter<'method'>;
  slackApiErrors: Counter<'method' | 'error'>;
  fireClaims: Counter<'schedule' | 'outcome'>;
  coordinatorDegraded: Gauge;
  webhookDeliveries: Counter<'event' | 'outcome'>;
  alertmanagerRequests: Counter<'operation' | 'outcome'>;
  alertNotifications: Counter<'outcome'>;
  prometheusRequests: Counter<'operation' | 'outcome'>;
  buildInfo: Gauge<'version' | 'replica'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'chatops_' });
  const registers = [registry];
  return {
    registry,
    remindersSent: new Counter({
      name: 'chatops_reminders_sent_total',
      help: 'Reminder messages posted to Slack (parents, thread replies and DMs).',
      labelNames: ['schedule', 'kind'],
      registers,
    }),
    reminderCycles: new Counter({
      name: 'chatops_reminder_cycles_total',
      help: 'Reminder cycles run, by outcome (success, partial when some repositories failed, failure).',
      labelNames: ['schedule', 'outcome'],
      registers,
    }),
    reminderCycleDuration: new Histogram({
      name: 'chatops_reminder_cycle_duration_seconds',
      help: 'Wall time of one reminder cycle: GitHub read, rendering and Slack posts.',
      labelNames: ['schedule'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    reminderLastSuccess: new Gauge({
      name: 'chatops_reminder_last_success_timestamp_seconds',
      help: 'Unix time of the last reminder cycle that completed.',
      labelNames: ['schedule'],
      registers,
    }),
    githubRequests: new Counter({
      name: 'chatops_github_requests_total',
      help: 'GitHub requests by HTTP status ("304" for conditional hits, "error" for network failures) and API (rest, graphql).',
      labelNames: ['status', 'api'],
      registers,
    }),
    githubRateLimitRemaining: new Gauge({
      name: 'chatops_github_rate_limit_remaining',
      help: 'x-ratelimit-remaining from the latest GitHub response, per x-ratelimit-resource (core for REST, graphql).',
      labelNames: ['resource'],
      registers,
    }),
    githubRateLimitLimit: new Gauge({
      name: 'chatops_github_rate_limit_limit',
      help: 'x-ratelimit-limit from the latest GitHub response, per x-ratelimit-resource (core for REST, graphql).',
      labelNames: ['resource'],
      registers,
    }),
    githubRepositoriesFailed: new Gauge({
      name: 'chatops_github_repositories_failed',
      help: 'Repositories that could not be read in the latest cycle.',
      registers,
    }),
    slackApiCalls: new Counter({
      name: 'chatops_slack_api_calls_total',
      help: 'Slack Web API calls by method.',
      labelNames: ['method'],
      registers,
    }),
    slackApiErrors: new Counter({
      name: 'chatops_slack_api_errors_total',
      help: 'Slack Web API calls that failed, by method and Slack error code.',
      labelNames: ['method', 'error'],
      registers,
    }),
    fireClaims: new Counter({
      name: 'chatops_fire_claims_total',
      help: 'Scheduled fires by claim outcome: won (this replica posts), lost (another did), skipped.',
      labelNames: ['schedule', 'outcome'],
      registers,
    }),
    coordinatorDegraded: new Gauge({
      name: 'chatops_coordinator_degraded',
      help: '1 while Elasticsearch is unreachable and only the primary replica posts.',
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'chatops_webhook_deliveries_total',
      help: 'GitHub webhook deliveries by event and outcome (processed, duplicate, rejected).',
      labelNames: ['event', 'outcome'],
      registers,
    }),
    alertmanagerRequests: new Counter({
      name: 'chatops_alertmanager_requests_total',
      help: 'Alertmanager API v2 requests by operation and outcome (ok, rejected, unreachable, timeout, server_error).',
      labelNames: ['operation', 'outcome'],
      registers,
    }),
    alertNotifications: new Counter({
      name: 'chatops_alert_notifications_total',
      help: 'Alertmanager webhook notifications by outcome (posted, updated, duplicate, unchanged, rejected, failed).',
      labelNames: ['outcome'],
      registers,
    }),
    prometheusRequests: new Counter({
      name: 'chatops_prometheus_requests_total',
      help: 'Prometheus HTTP API requests (/chatops status) by operation and outcome (ok, rejected, unreachable, timeout, server_error).',
      labelNames: ['operation', 'outcome'],
      registers,
    }),
    buildInfo: new Gauge({
      name: 'chatops_build_info',
      help: 'Always 1; labels carry the version and replica id.',
      labelNames: ['version', 'replica'],
      registers,
    }),
  };
}
