// Grafana's provisioning, rendered through Ansible with the lab-shaped inventory. Grafana does not
// install here, so the files are checked against what the dashboards and the rest of the
// appliance expect: data source uids, HTTPS with our CA, basic auth, the log index pattern.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildDashboards } from '../../grafana/src/index.ts';
import { renderTemplates, repoRoot } from '../support/monitoring.ts';
import { createTestCertificates, type TestCertificates } from '../support/test-certificates.ts';

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  basicAuth?: boolean;
  basicAuthUser?: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}

describe('Grafana provisioning', () => {
  let work: string;
  let certificates: TestCertificates;
  const password = 'prometheus-password-for-test';

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chatops-grafana-'));
    certificates = await createTestCertificates();
    const inventory = await readFile(join(repoRoot, 'test/fixtures/monitoring/inventory.yml'), 'utf8');
    await renderTemplates(
      inventory,
      {
        chatops_certs_dir: certificates.dir,
        prometheus_web_username: 'prometheus',
        prometheus_web_password: password,
      },
      [{ src: 'grafana/provisioning/datasources/chatops.yml.j2', dest: join(work, 'datasources.yml') }],
    );
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await certificates.remove();
  });

  const datasources = async (): Promise<Datasource[]> =>
    (parse(await readFile(join(work, 'datasources.yml'), 'utf8')) as { apiVersion: number; datasources: Datasource[] }).datasources;

  it('provisions Prometheus over HTTPS with our CA and basic auth, under the uid every dashboard uses', async () => {
    const prometheus = (await datasources()).find((d) => d.type === 'prometheus');
    const used = new Set(
      Object.values(buildDashboards()).flatMap((d) => (d.panels ?? []).map((p) => (p as { datasource?: { uid?: string } }).datasource?.uid).filter(Boolean)),
    );
    expect([...used]).toEqual([prometheus?.uid]);
    // Through HAProxy (the fixture has a balancer): the first healthy Prometheus of the monitoring group.
    expect(prometheus).toMatchObject({
      url: 'https://prometheus.lab.chatops.test/',
      basicAuth: true,
      basicAuthUser: 'prometheus',
      jsonData: { tlsAuthWithCACert: true },
    });
    expect(prometheus?.secureJsonData.basicAuthPassword).toBe(password);
    expect(prometheus?.secureJsonData.tlsCACert).toBe(certificates.ca.trim());
  });

  it("verifies HAProxy's public (ACME) certificate with the system's trust store, not our CA", async () => {
    const inventory = await readFile(join(repoRoot, 'test/fixtures/monitoring/inventory.yml'), 'utf8');
    await renderTemplates(
      inventory,
      { chatops_certs_dir: certificates.dir, prometheus_web_username: 'prometheus', prometheus_web_password: password, chatops_acme_enabled: true },
      [{ src: 'grafana/provisioning/datasources/chatops.yml.j2', dest: join(work, 'datasources-acme.yml') }],
    );
    const sources = (parse(await readFile(join(work, 'datasources-acme.yml'), 'utf8')) as { datasources: Datasource[] }).datasources;
    const prometheus = sources.find((d) => d.type === 'prometheus');
    expect(prometheus).toMatchObject({ url: 'https://prometheus.lab.chatops.test/', jsonData: { tlsAuthWithCACert: false } });
    expect(prometheus?.secureJsonData).toEqual({ basicAuthPassword: password });
  });

  it('provisions the log indices in Elasticsearch over HTTPS with our CA, matching the index template', async () => {
    const logs = (await datasources()).find((d) => d.type === 'elasticsearch');
    const template = JSON.parse(await readFile(join(repoRoot, 'elasticsearch/index-templates/logs-chatops.json'), 'utf8')) as { index_patterns: string[] };
    expect(logs).toMatchObject({
      uid: 'chatops-logs',
      url: 'https://10.77.0.31:9200',
      jsonData: { index: template.index_patterns[0], timeField: '@timestamp', tlsAuthWithCACert: true },
    });
    expect(logs?.secureJsonData.tlsCACert).toBe(certificates.ca.trim());
    expect(logs?.basicAuth).toBeUndefined();
  });

  it('loads the generated dashboards from the folder the role copies them to', async () => {
    const providers = (
      parse(await readFile(join(repoRoot, 'grafana/provisioning/dashboards/chatops.yml'), 'utf8')) as {
        providers: { type: string; options: { path: string } }[];
      }
    ).providers;
    expect(providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '/var/lib/grafana/dashboards/chatops' }) })]);
  });
});
