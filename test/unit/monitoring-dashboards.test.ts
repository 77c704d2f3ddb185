// Dashboards as code: the committed JSON is what the TypeScript generates, every panel reads
// our Prometheus data source, and every chatops_* metric a panel asks for exists in the app.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../app/src/metrics.ts';
import { createReviewHealthMetrics } from '../../app/src/review-health/metrics.ts';
import { buildDashboards, dashboardJson } from '../../grafana/src/index.ts';
import { dashboardQueries, metricNames } from '../support/dashboards.ts';

const dashboardsDir = join(import.meta.dirname, '..', '..', 'grafana', 'dashboards');

describe('Grafana dashboards', () => {
  it('match the committed JSON byte for byte (run `npx tsx grafana/generate.ts` after a change)', async () => {
    const built = buildDashboards();
    expect((await readdir(dashboardsDir)).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(built).sort());
    for (const [file, dashboard] of Object.entries(built)) {
      expect(await readFile(join(dashboardsDir, file), 'utf8'), file).toBe(dashboardJson(dashboard));
    }
  });

  it('cover the app, HAProxy, nodes and systemd units, containers, alerts and review health, each with a unique uid', () => {
    const dashboards = Object.values(buildDashboards());
    expect(dashboards.map((d) => d.uid)).toEqual([
      'chatops-app',
      'chatops-haproxy',
      'chatops-nodes',
      'chatops-containers',
      'chatops-alerts',
      'chatops-review-health',
    ]);
  });

  it('query only the provisioned Prometheus data source, from every panel', () => {
    for (const dashboard of Object.values(buildDashboards())) {
      for (const panel of dashboard.panels ?? []) {
        if (panel.type === 'row') continue;
        const withTargets = panel as { datasource?: { uid?: string }; targets?: { datasource?: { uid?: string } }[]; title: string };
        expect(withTargets.datasource?.uid, withTargets.title).toBe('chatops-prometheus');
        expect(withTargets.targets?.length, withTargets.title).toBeGreaterThan(0);
        for (const target of withTargets.targets ?? []) expect(target.datasource?.uid, withTargets.title).toBe('chatops-prometheus');
      }
    }
  });

  it('show the app metrics the issue asks for: reminders, cycle time, GitHub quota and 304s, Slack errors, claims', () => {
    const app = dashboardQueries(buildDashboards()['chatops-app.json'] as never)
      .map((q) => q.expr)
      .join('\n');
    for (const needed of [
      'chatops_reminders_sent_total',
      'chatops_reminder_cycle_duration_seconds_bucket',
      'chatops_github_rate_limit_remaining',
      'status="304"',
      'chatops_slack_api_errors_total',
      'chatops_fire_claims_total',
    ])
      expect(app).toContain(needed);
  });

  it('show review health: open PRs by state, oldest waiting, SLO breaches, time to first review and to merge', () => {
    const review = dashboardQueries(buildDashboards()['review-health.json'] as never)
      .map((q) => q.expr)
      .join('\n');
    for (const needed of [
      'chatops_review_open_pull_requests',
      'chatops_review_oldest_waiting_seconds',
      'chatops_review_slo_breaches',
      'chatops_review_time_to_first_review_seconds_bucket',
      'chatops_review_time_to_merge_seconds_bucket',
    ])
      expect(review).toContain(needed);
  });

  it('ask only for chatops_* metrics the app registers', async () => {
    const registered = new Set<string>();
    const { registry } = createMetrics();
    createReviewHealthMetrics(registry);
    for (const metric of await registry.getMetricsAsJSON()) {
      registered.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) registered.add(`${metric.name}${suffix}`);
    }
    const asked = Object.values(buildDashboards())
      .flatMap((d) => dashboardQueries(d as never))
      .flatMap((q) => metricNames(q.expr))
      .filter((n) => n.startsWith('chatops_'));
    expect(asked.length).toBeGreaterThan(15);
    expect(asked.filter((name) => !registered.has(name))).toEqual([]);
  });
});
