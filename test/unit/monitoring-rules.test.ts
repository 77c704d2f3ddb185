// The alert rules ask for the app's metrics by the names the app registers (a renamed metric
// would otherwise silently stop an alert from ever firing).
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../app/src/metrics.ts';
import { createReviewHealthMetrics } from '../../app/src/review-health/metrics.ts';
import { metricNames } from '../support/dashboards.ts';

const rulesDir = join(import.meta.dirname, '..', '..', 'prometheus', 'rules');

async function ruleExpressions(): Promise<{ alert: string; expr: string }[]> {
  const out: { alert: string; expr: string }[] = [];
  for (const file of await readdir(rulesDir)) {
    const rules = parse(await readFile(join(rulesDir, file), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    out.push(...rules.groups.flatMap((g) => g.rules));
  }
  return out;
}

describe('alert rules', () => {
  it('ask only for chatops_* metrics the app registers', async () => {
    const { registry } = createMetrics();
    createReviewHealthMetrics(registry);
    const registered = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const asked = (await ruleExpressions())
      .flatMap((r) => metricNames(r.expr).map((name) => ({ alert: r.alert, name })))
      .filter((m) => m.name.startsWith('chatops_'));
    expect(asked.map((m) => m.name).sort()).toEqual([
      'chatops_coordinator_degraded',
      'chatops_github_rate_limit_limit',
      'chatops_github_rate_limit_remaining',
      'chatops_reminder_cycles_total',
      'chatops_review_slo_breaches',
      'chatops_review_team_info',
      'chatops_slack_api_errors_total',
    ]);
    expect(asked.filter((m) => !registered.has(m.name))).toEqual([]);
  });

  it('have unique names per severity', async () => {
    const names = (await ruleExpressions()).map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
  });
});
