// `chatops certs` with the real openssl CLI and ansible-inventory on a throwaway inventory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates } from '../../../certs/generate.ts';
import { planCertificates } from '../../../certs/plan.ts';
import { ensureCertificates } from '../../../ops/certs.ts';
import { REPO_ROOT } from '../../../ops/paths.ts';

let dir: string;
let inventory: string;
let out: string;

function writeInventory(apps: string[]): void {
  const hosts = apps.map((a, i) => `        ${a}:\n          ansible_host: 10.9.0.${21 + i}`).join('\n');
  writeFileSync(
    path.join(inventory, 'hosts.yml'),
    `all:\n  vars:\n    chatops_domain: certs.example.org\n  children:\n    lb:\n      hosts:\n        lb1:\n          ansible_host: 10.9.0.11\n    app:\n      hosts:\n${hosts}\n`,
  );
}

function openssl(...args: string[]): { code: number; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chatops-certs-test-'));
  inventory = path.join(dir, 'inventory');
  out = path.join(dir, 'generated');
  mkdirSync(inventory);
  writeInventory(['app1']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chatops certs', () => {
  it('issues a CA and leaves with 0600 keys that verify against the CA with the planned names', async () => {
    const report = await ensureCertificates({ outDir: out, inventoryDir: inventory, renewDays: 30 });
    expect(report.ca.outcome).toBe('issued');
    expect(report.leaves.every((l) => l.outcome === 'issued')).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    for (const name of ['ca', 'haproxy', 'chatops']) expect(statSync(path.join(out, `${name}.key`)).mode & 0o777).toBe(0o600);
    expect(openssl('verify', '-CAfile', path.join(out, 'ca.crt'), path.join(out, 'chatops.crt')).code).toBe(0);
    // The domain came from the inventory's chatops_domain; the lab-only sandbox leaf is absent.
    const san = openssl('x509', '-in', path.join(out, 'haproxy.crt'), '-noout', '-ext', 'subjectAltName').out;
    expect(san).toContain('DNS:prometheus.certs.example.org');
    expect(san).toContain('IP Address:10.9.0.11');
    expect(report.leaves.some((l) => l.name === 'sandbox')).toBe(false);
  });

  it('keeps every certificate on a second run', async () => {
    const before = statSync(path.join(out, 'chatops.crt')).mtimeMs;
    const report = await ensureCertificates({ outDir: out, inventoryDir: inventory, renewDays: 30 });
    expect([report.ca, ...report.leaves].map((c) => c.outcome)).toEqual(Array(report.leaves.length + 1).fill('kept'));
    expect(statSync(path.join(out, 'chatops.crt')).mtimeMs).toBe(before);
  });

  it('re-issues only the leaves whose names change when a host joins', async () => {
    writeInventory(['app1', 'app2']);
    const report = await ensureCertificates({ outDir: out, inventoryDir: inventory, renewDays: 30 });
    const remade = report.leaves
      .filter((l) => l.outcome !== 'kept')
      .map((l) => `${l.name}:${l.reason}`)
      .sort();
    expect(remade).toEqual([
      'cadvisor:names changed',
      'chatops:names changed',
      'filebeat:names changed',
      'node_exporter:names changed',
      'systemd_exporter:names changed',
    ]);
    expect(openssl('x509', '-in', path.join(out, 'chatops.crt'), '-noout', '-ext', 'subjectAltName').out).toContain('DNS:app2.certs.example.org');
  });

  it('renews leaves that expire within the renewal window and keeps the CA', async () => {
    const hosts = [{ name: 'lb1', address: '10.9.0.11', groups: ['lb'] }];
    const leaves = planCertificates(hosts, 'certs.example.org', false).filter((l) => l.name === 'haproxy');
    const report = await generateCertificates({ outDir: out, domain: 'certs.example.org', leaves, renewDays: 366 });
    expect(report.ca.outcome).toBe('kept');
    expect(report.leaves).toMatchObject([{ name: 'haproxy', outcome: 'renewed', reason: 'expires within 366 days' }]);
  });

  it('re-issues every leaf when the CA is replaced', async () => {
    rmSync(path.join(out, 'ca.key'));
    const report = await ensureCertificates({ outDir: out, inventoryDir: inventory, renewDays: 30 });
    expect(report.ca.outcome).toBe('issued');
    expect(new Set(report.leaves.map((l) => l.reason))).toEqual(new Set(['not signed by the current CA']));
    expect(openssl('verify', '-CAfile', path.join(out, 'ca.crt'), path.join(out, 'haproxy.crt')).code).toBe(0);
  });

  it('rejects a bad domain and a missing inventory with the flag and the fix, exit 2', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/chatops.mjs'), 'certs', '--out', out, ...args], { encoding: 'utf8' });
    const badDomain = run('--inventory', inventory, '--domain', 'Not_A_Domain');
    expect(badDomain.status).toBe(2);
    expect(badDomain.stderr).toContain('--domain: "Not_A_Domain" is not a DNS domain');
    const noInventory = run('--inventory', path.join(dir, 'missing'));
    expect(noInventory.status).toBe(2);
    expect(noInventory.stderr).toContain('--inventory:');
    const badFlag = run('--renew', '3');
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain("Unknown option '--renew'");
  });
});
