// HAProxy: traffic, responses and health per frontend/backend, from its built-in exporter.
import { dashboard, hostVariable, row, table, timeseries, type Dashboard } from './panels.ts';

const lb = 'job="haproxy", host=~"$host"';

export function haproxyDashboard(): Dashboard {
  return dashboard('chatops-haproxy', 'HAProxy', 'Requests, responses, latency and backend health of the load balancer.')
    .withVariable(hostVariable('up{job="haproxy"}'))
    .withRow(row('Traffic'))
    .withPanel(
      timeseries({
        title: 'Requests by frontend',
        description: 'HTTP requests per second per frontend (host-name routing happens behind it).',
        unit: 'reqps',
        queries: [{ expr: `sum by (proxy) (rate(haproxy_frontend_http_requests_total{${lb}}[$__rate_interval]))`, legend: '{{proxy}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Responses by backend and class',
        description: 'HTTP responses per second by backend and status class.',
        unit: 'reqps',
        queries: [{ expr: `sum by (proxy, code) (rate(haproxy_backend_http_responses_total{${lb}}[$__rate_interval]))`, legend: '{{proxy}} {{code}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Backend 5xx ratio',
        description: "Share of each backend's responses that are 5xx.",
        unit: 'percentunit',
        queries: [
          {
            expr: `sum by (proxy) (rate(haproxy_backend_http_responses_total{code="5xx", ${lb}}[$__rate_interval])) / sum by (proxy) (rate(haproxy_backend_http_responses_total{${lb}}[$__rate_interval]))`,
            legend: '{{proxy}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Backend response time',
        description: 'Average response time over the last 1024 requests, per backend.',
        unit: 's',
        queries: [{ expr: `max by (proxy) (haproxy_backend_response_time_average_seconds{${lb}})`, legend: '{{proxy}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Current sessions',
        description: 'Open sessions per frontend.',
        queries: [{ expr: `sum by (proxy) (haproxy_frontend_current_sessions{${lb}})`, legend: '{{proxy}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Bytes in and out',
        description: 'Frontend throughput.',
        unit: 'Bps',
        queries: [
          { expr: `sum(rate(haproxy_frontend_bytes_in_total{${lb}}[$__rate_interval]))`, legend: 'in' },
          { expr: `sum(rate(haproxy_frontend_bytes_out_total{${lb}}[$__rate_interval]))`, legend: 'out' },
        ],
      }),
    )
    .withRow(row('Health'))
    .withPanel(
      timeseries({
        title: 'Active servers per backend',
        description: 'Servers passing their health check; 0 fires HAProxyBackendDown.',
        queries: [{ expr: `sum by (proxy) (haproxy_backend_active_servers{${lb}})`, legend: '{{proxy}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Health check transitions',
        description: 'UP/DOWN transitions of servers per backend.',
        queries: [{ expr: `sum by (proxy) (increase(haproxy_backend_check_up_down_total{${lb}}[$__rate_interval]))`, legend: '{{proxy}}' }],
      }),
    )
    .withPanel(
      table({
        title: 'Servers not up',
        description: 'Every server whose state is not UP, with its backend.',
        queries: [{ expr: `haproxy_server_status{state!="UP", ${lb}} == 1` }],
      }),
    )
    .build();
}
