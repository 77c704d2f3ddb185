// `npx chatops status`: probes every service over HTTPS, trusting only our CA, through HAProxy
// by host name and directly on each host, and prints a table of what is up.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { parseFlags, UsageError } from '../app/src/cli/flags.ts';
import { commonVar, hostsInGroup, readInventory, type Inventory } from './inventory.ts';
import { out, table } from './log.ts';
import { DEFAULT_CERTS_DIR, DEFAULT_DOMAIN, LAB_INVENTORY } from './paths.ts';

export interface Probe {
  service: string;
  host: string;
  url: string;
  /** TCP address to connect to (the URL's host name is kept for SNI and the Host header) */
  address: string;
  port: number;
  servername: string;
  path: string;
  /** plain HTTP probe: up means it redirects to https:// */
  redirectOnly?: boolean;
}

export interface ProbeResult extends Probe {
  up: boolean;
  detail: string;
}

interface Service {
  name: string;
  group: string;
  port: (vars: Record<string, unknown>) => number;
  path: string;
  enabledVar?: string;
  /** sub-domain HAProxy routes to this service, and the path to probe there */
  front?: { subdomain: string; path: string };
}

const num = (vars: Record<string, unknown>, name: string, fallback: number): number => {
  const v = vars[name];
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : fallback;
};

const SERVICES: Service[] = [
  { name: 'haproxy exporter', group: 'lb', port: (v) => num(v, 'haproxy_exporter_port', 8405), path: '/metrics' },
  { name: 'haproxy stats', group: 'lb', port: (v) => num(v, 'haproxy_stats_port', 8404), path: '/' },
  { name: 'prometheus', group: 'monitoring', port: (v) => num(v, 'prometheus_port', 9090), path: '/-/ready', front: { subdomain: 'prometheus', path: '/-/ready' } },
  { name: 'alertmanager', group: 'monitoring', port: (v) => num(v, 'alertmanager_port', 9093), path: '/-/ready', front: { subdomain: 'alertmanager', path: '/-/ready' } },
  { name: 'blackbox_exporter', group: 'monitoring', port: (v) => num(v, 'blackbox_exporter_port', 9115), path: '/-/healthy' },
  { name: 'grafana', group: 'monitoring', port: (v) => num(v, 'grafana_port', 3000), path: '/api/health', enabledVar: 'grafana_enabled', front: { subdomain: 'grafana', path: '/api/health' } },
  { name: 'elasticsearch', group: 'logging', port: (v) => num(v, 'elasticsearch_port', 9200), path: '/_cluster/health' },
  { name: 'kibana', group: 'logging', port: (v) => num(v, 'kibana_port', 5601), path: '/api/status', enabledVar: 'kibana_enabled', front: { subdomain: 'kibana', path: '/api/status' } },
  { name: 'node_exporter', group: 'all', port: (v) => num(v, 'node_exporter_port', 9100), path: '/metrics' },
  { name: 'systemd_exporter', group: 'all', port: (v) => num(v, 'systemd_exporter_port', 9558), path: '/metrics' },
  { name: 'cadvisor', group: 'app', port: (v) => num(v, 'cadvisor_port', 8080), path: '/healthz', enabledVar: 'cadvisor_enabled' },
];

function enabled(vars: Record<string, unknown>, enabledVar?: string): boolean {
  if (!enabledVar || !(enabledVar in vars)) return true;
  const v = vars[enabledVar];
  return v === true || v === 'true' || v === 'True' || v === 'yes';
}

/** Every probe the inventory implies: front doors on the balancer, then each service on each host. */
export function planProbes(inventory: Inventory, domain: string): Probe[] {
  const probes: Probe[] = [];
  const lbs = hostsInGroup(inventory, 'lb');
  for (const lb of lbs) {
    const https443 = num(lb.vars, 'haproxy_https_port', 443);
    const http80 = num(lb.vars, 'haproxy_http_port', 80);
    const fronts = [
      { service: 'chatops', subdomain: 'chatops', path: '/ready' },
      ...SERVICES.filter((s) => s.front && hostsInGroup(inventory, s.group).some((h) => enabled(h.vars, s.enabledVar))).map((s) => ({
        service: s.name,
        subdomain: s.front?.subdomain ?? '',
        path: s.front?.path ?? '/',
      })),
    ];
    for (const f of fronts) {
      const name = `${f.subdomain}.${domain}`;
      probes.push({ service: `${f.service} via haproxy`, host: lb.name, url: `https://${name}${f.path}`, address: lb.address, port: https443, servername: name, path: f.path });
    }
    const name = `chatops.${domain}`;
    probes.push({ service: 'http redirect', host: lb.name, url: `http://${name}/`, address: lb.address, port: http80, servername: name, path: '/', redirectOnly: true });
  }
  for (const app of hostsInGroup(inventory, 'app')) {
    const replicas = num(app.vars, 'chatops_replicas', 2);
    const base = num(app.vars, 'chatops_base_port', 8440);
    for (let n = 1; n <= replicas; n++) {
      probes.push({ service: `chatops@${n}`, host: app.name, url: `https://${app.name}:${base + n}/health`, address: app.address, port: base + n, servername: app.name, path: '/health' });
    }
  }
  for (const svc of SERVICES) {
    for (const h of hostsInGroup(inventory, svc.group)) {
      if (!enabled(h.vars, svc.enabledVar)) continue;
      const port = svc.port(h.vars);
      probes.push({ service: svc.name, host: h.name, url: `https://${h.name}:${port}${svc.path}`, address: h.address, port, servername: h.name, path: svc.path });
    }
  }
  return probes;
}

export async function runProbe(probe: Probe, ca: Buffer, timeoutMs = 5_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const done = (up: boolean, detail: string): void => resolve({ ...probe, up, detail });
    const common = { host: probe.address, port: probe.port, path: probe.path, method: 'GET', timeout: timeoutMs, headers: { host: probe.servername } };
    const onResponse = (res: http.IncomingMessage): void => {
      res.resume();
      const code = res.statusCode ?? 0;
      if (probe.redirectOnly) {
        const location = String(res.headers.location ?? '');
        done(code >= 300 && code < 400 && location.startsWith('https://'), `${code} -> ${location || '(no Location)'}`);
      } else if (code === 401 || code === 403) {
        done(true, `${code} (TLS verified, auth required)`);
      } else {
        done(code >= 200 && code < 400, `${code}`);
      }
    };
    const req = probe.redirectOnly
      ? http.request(common, onResponse)
      : https.request({ ...common, ca, servername: probe.servername, agent: false, minVersion: 'TLSv1.2' }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => done(false, e.code ? `${e.code}: ${e.message}` : e.message));
    req.end();
  });
}

export async function probeAll(inventory: Inventory, domain: string, caFile: string): Promise<ProbeResult[]> {
  if (!existsSync(caFile)) throw new UsageError(`--ca: ${caFile} does not exist; run \`npx chatops certs\` first`);
  const ca = readFileSync(caFile);
  return Promise.all(planProbes(inventory, domain).map((p) => runProbe(p, ca)));
}

export function formatStatus(results: ProbeResult[]): string {
  const rows = results.map((r) => [r.service, r.host, r.url, r.up ? 'up' : 'DOWN', r.detail]);
  const up = results.filter((r) => r.up).length;
  return `${table(['service', 'host', 'url', 'state', 'detail'], rows)}\n${up}/${results.length} up`;
}

export async function statusOf(inventoryDir: string, domain?: string, caFile = path.join(DEFAULT_CERTS_DIR, 'ca.crt')): Promise<ProbeResult[]> {
  const inventory = await readInventory(inventoryDir);
  const fromInventory = commonVar(inventory, 'chatops_domain');
  return probeAll(inventory, domain ?? (typeof fromInventory === 'string' ? fromInventory : DEFAULT_DOMAIN), caFile);
}

/** Probes until everything is up or `timeoutMs` passes; returns the last results. */
export async function waitForGreen(inventoryDir: string, timeoutMs: number): Promise<ProbeResult[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const results = await statusOf(inventoryDir);
    if (results.every((r) => r.up) || Date.now() > deadline) return results;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

export async function statusCommand(argv: string[]): Promise<number> {
  const values = parseFlags(argv, {
    inventory: { type: 'string' },
    domain: { type: 'string' },
    ca: { type: 'string' },
  });
  const results = await statusOf(
    path.resolve(values.inventory ?? LAB_INVENTORY),
    values.domain,
    path.resolve(values.ca ?? path.join(DEFAULT_CERTS_DIR, 'ca.crt')),
  );
  out(formatStatus(results));
  return results.every((r) => r.up) ? 0 : 3;
}
