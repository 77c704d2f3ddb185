// Ansible keeps its own spelling of the service catalogue (role defaults, the HAProxy template,
// the lab's group_vars); these tests fail when it and ops/services.ts drift apart.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APP_REPLICAS, FRONT_DOOR, frontServices, LAB_CONTROLLER_IP, LAB_SANDBOX_PORTS, SERVICES } from '../../../ops/services.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');
const read = (file: string): string => readFileSync(path.join(REPO, file), 'utf8');
const yamlOf = (file: string): Record<string, unknown> => parse(read(file)) as Record<string, unknown>;
const defaults = (role: string): Record<string, unknown> => yamlOf(`ansible/roles/${role}/defaults/main.yml`);

describe('the service catalogue and the Ansible roles', () => {
  it('has a role for every service, which owns its ports and its on/off switch with the same defaults', () => {
    for (const service of SERVICES) {
      expect(existsSync(path.join(REPO, 'ansible/roles', service.name)), service.name).toBe(true);
      const vars = defaults(service.name);
      expect(Object.fromEntries(service.listeners.map((l) => [l.variable, vars[l.variable]])), service.name).toEqual(
        Object.fromEntries(service.listeners.map((l) => [l.variable, l.port])),
      );
      if (service.enabledVar) expect(vars[service.enabledVar], service.name).toBe(true);
      for (const other of service.otherPorts ?? []) expect(vars[other.variable] ?? other.port, `${service.name} ${other.variable}`).toBe(other.port);
    }
  });

  it('agrees with the haproxy and chatops roles on the front door and the replicas', () => {
    const haproxy = defaults('haproxy');
    expect([haproxy[FRONT_DOOR.https.variable], haproxy[FRONT_DOOR.http.variable]]).toEqual([FRONT_DOOR.https.port, FRONT_DOOR.http.port]);
    const chatops = defaults('chatops');
    expect([chatops[APP_REPLICAS.base.variable], chatops[APP_REPLICAS.count.variable]]).toEqual([APP_REPLICAS.base.port, APP_REPLICAS.count.default]);
    for (const inventory of ['lab', 'example']) {
      expect(yamlOf(`ansible/inventories/${inventory}/group_vars/all/main.yml`)[APP_REPLICAS.base.variable], inventory).toBe(APP_REPLICAS.base.port);
    }
  });
});

describe('the service catalogue and the HAProxy template', () => {
  const template = read('haproxy/haproxy.cfg.j2');

  it('routes the same sub-domains, from the same groups, in the same order', () => {
    const routes = [...template.matchAll(/enabled\('(\w+)', '(\w+)'\) \| bool %\}\{% set _ = routes\.append\('(\w+)'\)/g)].map((m) => [m[3], m[1], m[2]]);
    expect(routes).toEqual(frontServices().map((s) => [s.subdomain, s.group, s.name]));
  });

  it('sends each route to the same port with the same health check', () => {
    const backends = [...template.matchAll(/\('(\w+)', '(\w+)', (\w+) \| default\((\d+)\), '([^']+)'\)/g)].map((m) => [m[1], m[2], m[3], Number(m[4]), m[5]]);
    const expected = frontServices()
      .filter((s) => s.listeners.length > 0)
      .map((s) => [s.subdomain, s.group, s.listeners[0]?.variable, s.listeners[0]?.port, s.front.check]);
    expect(backends).toEqual(expected);
  });

  it('checks the app replicas where the catalogue says they listen', () => {
    const chatops = frontServices().find((s) => s.name === 'chatops');
    expect(template).toContain(`uri ${chatops?.front.check} ver HTTP/1.1 hdr Host chatops.{{ haproxy_domain }}`);
    expect(template).toContain(`${APP_REPLICAS.count.variable} | default(${APP_REPLICAS.count.default})`);
    expect(template).toContain(`${APP_REPLICAS.base.variable} | default(${APP_REPLICAS.base.port})`);
  });
});

describe('the service catalogue and every template that spells a port', () => {
  it("uses the catalogue's port wherever a template falls back to a default", () => {
    const ports = new Map<string, number>([
      ...SERVICES.flatMap((s) => [...s.listeners, ...(s.otherPorts ?? [])].map((p): [string, number] => [p.variable, p.port])),
      [FRONT_DOOR.https.variable, FRONT_DOOR.https.port],
      [FRONT_DOOR.http.variable, FRONT_DOOR.http.port],
      [APP_REPLICAS.base.variable, APP_REPLICAS.base.port],
    ]);
    const templates = ['haproxy', 'prometheus', 'filebeat', 'logstash', 'grafana', 'elasticsearch'].flatMap((dir) =>
      existsSync(path.join(REPO, dir))
        ? readdirSync(path.join(REPO, dir), { recursive: true, encoding: 'utf8' })
            .filter((f) => f.endsWith('.j2'))
            .map((f) => `${dir}/${f}`)
        : [],
    );
    const fallbacks = templates.flatMap((file) =>
      [...read(file).matchAll(/(\w+_port) \| default\((\d+)\)/g)].map((m) => ({ file, variable: m[1] ?? '', port: Number(m[2]) })),
    );
    expect(fallbacks.length).toBeGreaterThan(10);
    expect(fallbacks.filter((f) => ports.has(f.variable) && ports.get(f.variable) !== f.port)).toEqual([]);
    expect(fallbacks.filter((f) => !ports.has(f.variable)).map((f) => f.variable)).toEqual([]);
  });
});

describe('the lab addresses and the lab inventory', () => {
  it('points the lab app and Alertmanager at the sandbox on the controller', () => {
    const main = yamlOf('ansible/inventories/lab/group_vars/all/main.yml');
    const secrets = yamlOf('ansible/inventories/lab/group_vars/all/secrets.yml');
    const github = `https://${LAB_CONTROLLER_IP}:${LAB_SANDBOX_PORTS.github}`;
    const slack = `https://${LAB_CONTROLLER_IP}:${LAB_SANDBOX_PORTS.slack}`;
    expect(main['chatops_github_base_url']).toContain(`'${github}'`);
    expect(main['chatops_slack_api_url']).toContain(`'${slack}/api/'`);
    expect(secrets['alertmanager_slack_api_url']).toContain(`'${slack}/services/`);
    expect(main['alertmanager_smtp_smarthost']).toMatch(new RegExp(`^${LAB_CONTROLLER_IP.replace(/\./g, '\\.')}:\\d+$`));
  });

  it("puts every lab host in the controller's /24", () => {
    const hosts = read('ansible/inventories/lab/hosts.yml');
    const addresses = [...hosts.matchAll(/ansible_host: (\S+)/g)].map((m) => m[1] ?? '');
    const subnet = LAB_CONTROLLER_IP.replace(/\.\d+$/, '.');
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((a) => !a.startsWith(subnet) || a === LAB_CONTROLLER_IP)).toEqual([]);
  });
});
