// Containers and cgroups on the app hosts, from cAdvisor.
import { dashboard, hostVariable, row, timeseries, type Dashboard } from './panels.ts';

const cadvisor = 'job="cadvisor", host=~"$host", id!="/"';

export function containersDashboard(): Dashboard {
  return dashboard('chatops-containers', 'Containers (cAdvisor)', 'CPU, memory and network per container or systemd cgroup on the app hosts.')
    .withVariable(hostVariable('up{job="cadvisor"}'))
    .withRow(row('Resources'))
    .withPanel(
      timeseries({
        title: 'CPU',
        description: 'CPU cores used per container/cgroup.',
        queries: [{ expr: `sum by (host, id) (rate(container_cpu_usage_seconds_total{${cadvisor}}[$__rate_interval]))`, legend: '{{host}} {{id}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Memory working set',
        description: 'Working set per container/cgroup (what the OOM killer looks at).',
        unit: 'bytes',
        queries: [{ expr: `sum by (host, id) (container_memory_working_set_bytes{${cadvisor}})`, legend: '{{host}} {{id}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Network received',
        description: 'Bytes received per second per container.',
        unit: 'Bps',
        queries: [{ expr: `sum by (host, id) (rate(container_network_receive_bytes_total{${cadvisor}}[$__rate_interval]))`, legend: '{{host}} {{id}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Network sent',
        description: 'Bytes sent per second per container.',
        unit: 'Bps',
        queries: [{ expr: `sum by (host, id) (rate(container_network_transmit_bytes_total{${cadvisor}}[$__rate_interval]))`, legend: '{{host}} {{id}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'CPU throttling',
        description: 'Share of CPU periods throttled by the cgroup limit.',
        unit: 'percentunit',
        queries: [
          {
            expr: `sum by (host, id) (rate(container_cpu_cfs_throttled_periods_total{${cadvisor}}[$__rate_interval])) / sum by (host, id) (rate(container_cpu_cfs_periods_total{${cadvisor}}[$__rate_interval]))`,
            legend: '{{host}} {{id}}',
          },
        ],
      }),
    )
    .build();
}
