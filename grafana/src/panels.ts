// Small constructors shared by every dashboard: one Prometheus data source, time series and
// stat panels with a query each, and the host variable. The SDK lays panels out
// left to right, wrapping at 24 columns, each row panel starting a new line.
import { DashboardBuilder, QueryVariableBuilder, RowBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** The uid grafana/provisioning/datasources/chatops.yml.j2 gives the Prometheus data source. */
export const prometheusDatasource = { type: 'prometheus', uid: 'chatops-prometheus' };

export interface Query {
  expr: string;
  legend?: string;
  /** Table panels read the latest value only. */
  instant?: boolean;
}

function target(query: Query, refId: string): DataqueryBuilder {
  const builder = new DataqueryBuilder().datasource(prometheusDatasource).expr(query.expr).refId(refId);
  if (query.legend) builder.legendFormat(query.legend);
  if (query.instant) builder.instant().format(PromQueryFormat.Table);
  return builder;
}

const refIds = 'ABCDEFGHIJ';

interface PanelOptions {
  title: string;
  description: string;
  unit?: string;
  queries: Query[];
  width?: number;
  height?: number;
  stack?: boolean;
}

export function timeseries(options: PanelOptions): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(prometheusDatasource)
    .unit(options.unit ?? 'short')
    .gridPos({ x: 0, y: 0, w: options.width ?? 12, h: options.height ?? 8 })
    .fillOpacity(10);
  options.queries.forEach((q, i) => panel.withTarget(target(q, refIds[i] ?? `Q${i}`)));
  return panel;
}

export function stat(options: PanelOptions): StatPanelBuilder {
  const panel = new StatPanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(prometheusDatasource)
    .unit(options.unit ?? 'short')
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .gridPos({ x: 0, y: 0, w: options.width ?? 6, h: options.height ?? 4 });
  options.queries.forEach((q, i) => panel.withTarget(target(q, refIds[i] ?? `Q${i}`)));
  return panel;
}

export function table(options: PanelOptions): TablePanelBuilder {
  const panel = new TablePanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(prometheusDatasource)
    .gridPos({ x: 0, y: 0, w: options.width ?? 24, h: options.height ?? 8 });
  options.queries.forEach((q, i) => panel.withTarget(target({ ...q, instant: true }, refIds[i] ?? `Q${i}`)));
  return panel;
}

/** A multi-value variable over the values of `label` in the series `selector` names. */
export function labelVariable(label: string, title: string, selector: string): QueryVariableBuilder {
  return new QueryVariableBuilder(label)
    .label(title)
    .datasource(prometheusDatasource)
    .query(`label_values(${selector}, ${label})`)
    .definition(`label_values(${selector}, ${label})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.NaturalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

/** A multi-value `host` variable from the `host` label our scrape config puts on every target. */
export function hostVariable(metric: string): QueryVariableBuilder {
  return labelVariable('host', 'Host', metric);
}

export function dashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['chatops', 'generated'])
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .readonly();
}

export function row(title: string): RowBuilder {
  return new RowBuilder(title);
}

export type { Dashboard };
