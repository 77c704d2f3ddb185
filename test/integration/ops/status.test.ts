// `chatops status` probes against real HTTPS servers with certificates from a CA made by
// `chatops certs`: what counts as up, and that only our CA is trusted.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCertificates } from '../../../ops/certs.ts';
import { readInventory } from '../../../ops/inventory.ts';
import { planProbes, runProbe, type Probe } from '../../../ops/status.ts';

let dir: string;
let ca: Buffer;
let otherCa: Buffer;
let server: https.Server;
let plain: http.Server;
let inventoryDir: string;

async function listen(s: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chatops-status-test-'));
  inventoryDir = path.join(dir, 'inventory');
  mkdirSync(inventoryDir);
  writeFileSync(
    path.join(inventoryDir, 'hosts.yml'),
    [
      'all:',
      '  vars:',
      '    chatops_domain: status.example.org',
      '    grafana_enabled: false',
      '    kibana_enabled: false',
      '    cadvisor_enabled: false',
      '  children:',
      '    lb:',
      '      hosts:',
      '        lb1: {ansible_host: 127.0.0.1}',
      '    app:',
      '      hosts:',
      '        app1: {ansible_host: 127.0.0.1, chatops_replicas: 1}',
      '    monitoring:',
      '      hosts:',
      '        mon1: {ansible_host: 127.0.0.1}',
      '',
    ].join('\n'),
  );
  await ensureCertificates({ outDir: path.join(dir, 'ours'), inventoryDir, renewDays: 30 });
  await ensureCertificates({ outDir: path.join(dir, 'other'), inventoryDir, renewDays: 30 });
  ca = readFileSync(path.join(dir, 'ours/ca.crt'));
  otherCa = readFileSync(path.join(dir, 'other/ca.crt'));
  server = https.createServer({ cert: readFileSync(path.join(dir, 'ours/haproxy.crt')), key: readFileSync(path.join(dir, 'ours/haproxy.key')) }, (req, res) => {
    const code = req.url === '/locked' ? 401 : req.url === '/broken' ? 503 : 200;
    res.writeHead(code).end(`${req.headers.host}`);
  });
  plain = http.createServer((req, res) => {
    if (req.url === '/') res.writeHead(301, { location: `https://${req.headers.host}/` }).end();
    else res.writeHead(200).end('plain');
  });
  await Promise.all([listen(server), listen(plain)]);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => plain.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const probe = (over: Partial<Probe>): Probe => ({
  service: 'test',
  host: 'lb1',
  url: '',
  address: '127.0.0.1',
  port: (server.address() as AddressInfo).port,
  servername: 'chatops.status.example.org',
  path: '/',
  ...over,
});

describe('status probes', () => {
  it('counts a verified answer as up and sends the name as SNI and Host', async () => {
    const r = await runProbe(probe({}), ca);
    expect(r).toMatchObject({ up: true, detail: '200' });
  });

  it('counts 401 as up (TLS verified, auth required) and 503 as down', async () => {
    expect(await runProbe(probe({ path: '/locked' }), ca)).toMatchObject({ up: true, detail: '401 (TLS verified, auth required)' });
    expect(await runProbe(probe({ path: '/broken' }), ca)).toMatchObject({ up: false, detail: '503' });
  });

  it('is down when the certificate is from another CA or lacks the name', async () => {
    expect((await runProbe(probe({}), otherCa)).detail).toMatch(/^UNABLE_TO_VERIFY_LEAF_SIGNATURE|^SELF_SIGNED|certificate/);
    expect((await runProbe(probe({}), otherCa)).up).toBe(false);
    const wrongName = await runProbe(probe({ servername: 'app1' }), ca);
    expect(wrongName).toMatchObject({ up: false });
    expect(wrongName.detail).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('requires plain HTTP to redirect to https', async () => {
    const port = (plain.address() as AddressInfo).port;
    expect(await runProbe(probe({ port, redirectOnly: true }), ca)).toMatchObject({ up: true, detail: '301 -> https://chatops.status.example.org/' });
    expect(await runProbe(probe({ port, redirectOnly: true, path: '/page' }), ca)).toMatchObject({ up: false });
  });

  it('is down with the reason when nothing listens', async () => {
    const r = await runProbe(probe({ port: 1 }), ca);
    expect(r).toMatchObject({ up: false });
    expect(r.detail).toContain('ECONNREFUSED');
  });

  it('plans front doors, replicas and per-host services from the inventory, skipping disabled ones', async () => {
    const probes = planProbes(await readInventory(inventoryDir), 'status.example.org');
    const names = probes.map((p) => `${p.service}@${p.host}:${p.port}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'chatops via haproxy@lb1:443',
        'prometheus via haproxy@lb1:443',
        'alertmanager via haproxy@lb1:443',
        'http redirect@lb1:80',
        'chatops@1@app1:8441',
        'prometheus@mon1:9090',
        'alertmanager@mon1:9093',
        'node_exporter@lb1:9100',
        'systemd_exporter@mon1:9558',
      ]),
    );
    expect(names.some((n) => n.startsWith('grafana') || n.startsWith('kibana') || n.startsWith('cadvisor') || n.startsWith('chatops@2'))).toBe(false);
  });
});
