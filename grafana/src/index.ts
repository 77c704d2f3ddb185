// Every dashboard, keyed by the file name it is generated to in grafana/dashboards/.
import { alertsDashboard } from './alerts.ts';
import { chatopsDashboard } from './chatops.ts';
import { containersDashboard } from './containers.ts';
import { haproxyDashboard } from './haproxy.ts';
import { nodesDashboard } from './nodes.ts';
import type { Dashboard } from './panels.ts';
import { reviewHealthDashboard } from './review-health.ts';

export function buildDashboards(): Record<string, Dashboard> {
  return {
    'chatops-app.json': chatopsDashboard(),
    'haproxy.json': haproxyDashboard(),
    'nodes.json': nodesDashboard(),
    'containers.json': containersDashboard(),
    'alerts.json': alertsDashboard(),
    'review-health.json': reviewHealthDashboard(),
  };
}

/** The JSON text written for a dashboard: stable key order, two-space indent, final newline. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
