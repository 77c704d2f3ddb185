// Reads the PromQL out of generated Grafana dashboards and substitutes the template variables
// the way Grafana would before sending a query to Prometheus.
export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

interface PanelJson {
  title?: string;
  targets?: { expr?: string }[];
  panels?: PanelJson[];
}

interface DashboardJson {
  title: string;
  panels?: PanelJson[];
  templating?: { list?: { name: string; query?: string | { query?: string } }[] };
}

export function dashboardQueries(dashboard: DashboardJson): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const visit = (panels: PanelJson[] | undefined): void => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (target.expr) queries.push({ dashboard: dashboard.title, panel: panel.title ?? '(untitled)', expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    // label_values(selector, label) runs as the selector; Grafana asks /api/v1/series with it.
    const selector = query ? /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1] : undefined;
    if (selector) queries.push({ dashboard: dashboard.title, panel: `variable ${variable.name}`, expr: selector });
  }
  return queries;
}

/** Grafana's built-in and our dashboard variables, as Grafana substitutes them for "All". */
export function substituteVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('$host', '.*')
    .replaceAll('$team', '.*');
}

/** Metric names a PromQL expression refers to: identifiers that are not functions, keywords,
 *  label names (in braces or grouping clauses), durations or numbers. */
export function metricNames(expr: string): string[] {
  const code = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);
  const names = new Set<string>();
  for (const match of code.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    const name = match[1] ?? '';
    if (!keywords.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}
