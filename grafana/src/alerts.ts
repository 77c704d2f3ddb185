// Alerts overview: what fires now, by severity, and whether notifications get out.
import { dashboard, row, stat, table, timeseries, type Dashboard } from './panels.ts';

export function alertsDashboard(): Dashboard {
  return dashboard('chatops-alerts', 'Alerts overview', 'Firing and pending alerts, scrape health, and Alertmanager notifications.')
    .withRow(row('Now'))
    .withPanel(
      stat({
        title: 'Critical firing',
        description: 'Alerts with severity critical in state firing.',
        queries: [{ expr: 'count(ALERTS{alertstate="firing", severity="critical"}) or vector(0)' }],
      }),
    )
    .withPanel(
      stat({
        title: 'Warnings firing',
        description: 'Alerts with severity warning in state firing.',
        queries: [{ expr: 'count(ALERTS{alertstate="firing", severity="warning"}) or vector(0)' }],
      }),
    )
    .withPanel(stat({ title: 'Targets down', description: 'Scrape targets Prometheus cannot reach.', queries: [{ expr: 'count(up == 0) or vector(0)' }] }))
    .withPanel(
      stat({
        title: 'Notification failures (1h)',
        description: 'Alertmanager notifications that failed in the last hour.',
        queries: [{ expr: 'sum(increase(alertmanager_notifications_failed_total[1h])) or vector(0)' }],
      }),
    )
    .withPanel(table({ title: 'Firing and pending alerts', description: 'Every active alert with its labels.', queries: [{ expr: 'ALERTS' }] }))
    .withRow(row('History'))
    .withPanel(
      timeseries({
        title: 'Firing alerts by name',
        description: 'Number of firing alerts over time.',
        queries: [{ expr: 'sum by (alertname, severity) (ALERTS{alertstate="firing"})', legend: '{{alertname}} ({{severity}})' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Notifications by integration',
        description: 'Notifications Alertmanager sent per minute, and failures.',
        queries: [
          { expr: 'sum by (integration) (increase(alertmanager_notifications_total[$__rate_interval]))', legend: 'sent {{integration}}' },
          { expr: 'sum by (integration) (increase(alertmanager_notifications_failed_total[$__rate_interval]))', legend: 'failed {{integration}}' },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Certificate expiry',
        description: 'Days until the earliest certificate of each TLS endpoint expires.',
        unit: 'd',
        queries: [{ expr: '(probe_ssl_earliest_cert_expiry{job="tls"} - time()) / 86400', legend: '{{service}} {{instance}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Rule evaluation failures',
        description: 'Failed rule evaluations in Prometheus.',
        queries: [{ expr: 'sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total[$__rate_interval]))', legend: '{{rule_group}}' }],
      }),
    )
    .build();
}
