// `npx chatops status`: probes every service over HTTPS, trusting only our CA, through HAProxy
// by host name and directly on each host, and prints a table of what is up.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { parseFlags, UsageError } from '../app/src/cli/flags.ts';
import { summariseServices, upCountLine } from '../app/src/core/service-status.ts';
import { commonVar, hostsInGroup, readInventory, type Inventory } from './inventory.ts';
import { out, table } from './log.ts';
import { DEFAULT_CERTS_DIR, DEFAULT_DOMAIN, LAB_INVENTORY } from './paths.ts';
import { APP_REPLICAS, FRONT_DOOR, frontServices, SERVICES, type Port } from './services.ts';

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

/** An inventory variable as a whole number, or the fallback. */
const num = (vars: Record<string, unknown>, variable: string, fallback: number): number => {
  const v = vars[variable];
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : fallback;
};
const portOf = (vars: Record<string, unknown>, port: Port): number => num(vars, port.variable, port.port);

function enabled(vars: Record<string, unknown>, enabledVar?: string): boolean {
  if (!enabledVar || !(enabledVar in vars)) return true;
  const v = vars[enabledVar];
  return v === true || v === 'true' || v === 'True' || v === 'yes';
}

/** The services HAProxy routes to in this inventory: some host of the group runs them. */
export function routedServices(inventory: Inventory): ReturnType<typeof frontServices> {
  return frontServices().filter((s) => hostsInGroup(inventory, s.group).some((h) => enabled(h.vars, s.enabledVar)));
}

function frontDoorProbes(inventory: Inventory, domain: string): Probe[] {
  const fronts = routedServices(inventory);
  return hostsInGroup(inventory, 'lb').flatMap((lb) => {
    const port = portOf(lb.vars, FRONT_DOOR.https);
    const probes: Probe[] = fronts.map((s) => {
      const name = `${s.subdomain}.${domain}`;
      return {
        service: `${s.name} via haproxy`,
        host: lb.name,
        url: `https://${name}${s.front.probe}`,
        address: lb.address,
        port,
        servername: name,
        path: s.front.probe,
      };
    });
    const name = `chatops.${domain}`;
    const http = portOf(lb.vars, FRONT_DOOR.http);
    probes.push({
      service: 'http redirect',
      host: lb.name,
      url: `http://${name}/`,
      address: lb.address,
      port: http,
      servername: name,
      path: '/',
      redirectOnly: true,
    });
    return probes;
  });
}

function replicaProbes(inventory: Inventory): Probe[] {
  return hostsInGroup(inventory, 'app').flatMap((app) => {
    const replicas = num(app.vars, APP_REPLICAS.count.variable, APP_REPLICAS.count.default);
    const base = portOf(app.vars, APP_REPLICAS.base);
    return Array.from({ length: replicas }, (_, i) => {
      const port = base + i + 1;
      const path = APP_REPLICAS.probe;
      return { service: `chatops@${i + 1}`, host: app.name, url: `https://${app.name}:${port}${path}`, address: app.address, port, servername: app.name, path };
    });
  });
}

/** Every probe the inventory implies: front doors on the balancer, then each service on each host. */
export function planProbes(inventory: Inventory, domain: string): Probe[] {
  const listeners = SERVICES.flatMap((svc) =>
    hostsInGroup(inventory, svc.group)
      .filter((h) => enabled(h.vars, svc.enabledVar))
      .flatMap((h) =>
        svc.listeners.map((l) => {
          const port = portOf(h.vars, l);
          return { service: l.label, host: h.name, url: `https://${h.name}:${port}${l.probe}`, address: h.address, port, servername: h.name, path: l.probe };
        }),
      ),
  );
  return [...frontDoorProbes(inventory, domain), ...replicaProbes(inventory), ...listeners];
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
  return `${table(['service', 'host', 'url', 'state', 'detail'], rows)}\n${upCountLine(summariseServices(results))}`;
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
