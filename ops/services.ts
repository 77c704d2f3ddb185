// The appliance's services in one table: which host group runs each, its ports (and the
// inventory variable that moves each), the sub-domain HAProxy routes to it, and the lab's fixed
// addresses. `certs` (certs/plan.ts), `status`, and the lab read it; Ansible keeps its own role
// defaults and HAProxy template, and test/unit/ops/services.test.ts checks that they agree.

export type HostGroup = 'lb' | 'app' | 'monitoring' | 'logging' | 'all';

export interface Port {
  /** the inventory variable (the role's default) that moves it */
  variable: string;
  port: number;
}

export interface Listener extends Port {
  /** what `chatops status` calls it */
  label: string;
  /** the path `chatops status` probes on each host */
  probe: string;
}

export interface Service {
  /** the Ansible role and the certificate leaf */
  name: string;
  group: HostGroup;
  /** an inventory variable that switches the service off when false */
  enabledVar?: string;
  listeners: Listener[];
  /** ports the appliance's own parts connect to that `status` does not probe */
  otherPorts?: Port[];
  /** `<subdomain>.<domain>` is on its certificate */
  subdomain?: string;
  /** HAProxy routes the sub-domain to it: the backend's health check, and what `status` probes there */
  front?: { check: string; probe: string };
}

const listener = (label: string, variable: string, port: number, probe: string): Listener => ({ label, variable, port, probe });

export const SERVICES: Service[] = [
  {
    name: 'haproxy',
    group: 'lb',
    listeners: [listener('haproxy exporter', 'haproxy_exporter_port', 8405, '/metrics'), listener('haproxy stats', 'haproxy_stats_port', 8404, '/')],
  },
  { name: 'chatops', group: 'app', listeners: [], subdomain: 'chatops', front: { check: '/ready', probe: '/ready' } },
  { name: 'cadvisor', group: 'app', enabledVar: 'cadvisor_enabled', listeners: [listener('cadvisor', 'cadvisor_port', 8080, '/healthz')] },
  {
    name: 'prometheus',
    group: 'monitoring',
    listeners: [listener('prometheus', 'prometheus_port', 9090, '/-/ready')],
    subdomain: 'prometheus',
    front: { check: '/-/healthy', probe: '/-/ready' },
  },
  {
    name: 'alertmanager',
    group: 'monitoring',
    listeners: [listener('alertmanager', 'alertmanager_port', 9093, '/-/ready')],
    subdomain: 'alertmanager',
    front: { check: '/-/healthy', probe: '/-/ready' },
  },
  {
    name: 'grafana',
    group: 'monitoring',
    enabledVar: 'grafana_enabled',
    listeners: [listener('grafana', 'grafana_port', 3000, '/api/health')],
    subdomain: 'grafana',
    front: { check: '/api/health', probe: '/api/health' },
  },
  { name: 'blackbox_exporter', group: 'monitoring', listeners: [listener('blackbox_exporter', 'blackbox_exporter_port', 9115, '/-/healthy')] },
  {
    name: 'elasticsearch',
    group: 'logging',
    listeners: [listener('elasticsearch', 'elasticsearch_port', 9200, '/_cluster/health')],
    // Prometheus scrapes the exporter where one runs; no role installs it yet.
    otherPorts: [{ variable: 'elasticsearch_exporter_port', port: 9114 }],
    subdomain: 'elasticsearch',
  },
  {
    name: 'kibana',
    group: 'logging',
    enabledVar: 'kibana_enabled',
    listeners: [listener('kibana', 'kibana_port', 5601, '/api/status')],
    subdomain: 'kibana',
    front: { check: '/api/status', probe: '/api/status' },
  },
  { name: 'logstash', group: 'logging', enabledVar: 'logstash_enabled', listeners: [], otherPorts: [{ variable: 'logstash_beats_port', port: 5044 }] },
  { name: 'node_exporter', group: 'all', listeners: [listener('node_exporter', 'node_exporter_port', 9100, '/metrics')] },
  { name: 'systemd_exporter', group: 'all', listeners: [listener('systemd_exporter', 'systemd_exporter_port', 9558, '/metrics')] },
  { name: 'filebeat', group: 'all', enabledVar: 'filebeat_enabled', listeners: [] },
];

/** HAProxy's front door on the balancers: HTTPS routes by host name, HTTP only redirects. */
export const FRONT_DOOR: { https: Port; http: Port } = {
  https: { variable: 'haproxy_https_port', port: 443 },
  http: { variable: 'haproxy_http_port', port: 80 },
};

/** The app's replicas on each app host listen on base + 1 ... base + count. */
export const APP_REPLICAS = {
  base: { variable: 'chatops_base_port', port: 8440 },
  count: { variable: 'chatops_replicas', default: 2 },
  probe: '/health',
};

/** The services HAProxy routes a sub-domain to, in routing order. */
export function frontServices(): (Service & { subdomain: string; front: NonNullable<Service['front']> })[] {
  return SERVICES.flatMap((s) => (s.subdomain && s.front ? [{ ...s, subdomain: s.subdomain, front: s.front }] : []));
}

/** The lab controller on bridge chatopsbr0: the hosts' gateway, apt proxy and GitHub + Slack sandbox. */
export const LAB_CONTROLLER_IP = '10.77.0.1';
export const LAB_SANDBOX_PORTS = { github: 9443, slack: 9444 };
