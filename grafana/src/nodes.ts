// Hosts and their systemd units, from node_exporter and systemd_exporter.
import { dashboard, hostVariable, row, table, timeseries, type Dashboard } from './panels.ts';

const node = 'job="node", host=~"$host"';
const fs = `${node}, fstype!~"tmpfs|overlay|squashfs|ramfs"`;

export function nodesDashboard(): Dashboard {
  return dashboard('chatops-nodes', 'Nodes and systemd units', 'CPU, memory, disks and network of every host, and the state of the managed units.')
    .withVariable(hostVariable('up{job="node"}'))
    .withRow(row('Hosts'))
    .withPanel(
      timeseries({
        title: 'CPU busy',
        description: 'Share of CPU time not idle, per host.',
        unit: 'percentunit',
        queries: [{ expr: `1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle", ${node}}[$__rate_interval]))`, legend: '{{host}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Load per core',
        description: '1-minute load average divided by the number of cores.',
        queries: [{ expr: `max by (host) (node_load1{${node}}) / count by (host) (node_cpu_seconds_total{mode="idle", ${node}})`, legend: '{{host}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Memory used',
        description: 'Share of memory not available to new processes.',
        unit: 'percentunit',
        queries: [{ expr: `1 - node_memory_MemAvailable_bytes{${node}} / node_memory_MemTotal_bytes{${node}}`, legend: '{{host}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Disk space free',
        description: 'Free share of each real filesystem; DiskFillingUp fires below 15% when shrinking.',
        unit: 'percentunit',
        queries: [{ expr: `node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}}`, legend: '{{host}} {{mountpoint}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Network received',
        description: 'Bytes received per second, loopback excluded.',
        unit: 'Bps',
        queries: [{ expr: `sum by (host) (rate(node_network_receive_bytes_total{device!="lo", ${node}}[$__rate_interval]))`, legend: '{{host}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Network sent',
        description: 'Bytes sent per second, loopback excluded.',
        unit: 'Bps',
        queries: [{ expr: `sum by (host) (rate(node_network_transmit_bytes_total{device!="lo", ${node}}[$__rate_interval]))`, legend: '{{host}}' }],
      }),
    )
    .withRow(row('systemd units'))
    .withPanel(
      table({
        title: 'Failed or inactive units',
        description: 'Service units in state failed or inactive (managed or not).',
        queries: [{ expr: 'systemd_unit_state{job="systemd", host=~"$host", type="service", state=~"failed|inactive"} == 1' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Active service units',
        description: 'Service units active per host.',
        queries: [{ expr: 'sum by (host) (systemd_unit_state{job="systemd", host=~"$host", type="service", state="active"})', legend: '{{host}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Unit restarts',
        description: 'Restarts of service units (NRestarts), per unit.',
        queries: [
          {
            expr: 'sum by (host, name) (increase(systemd_service_restart_total{job="systemd", host=~"$host"}[$__rate_interval])) > 0',
            legend: '{{host}} {{name}}',
          },
        ],
      }),
    )
    .build();
}
