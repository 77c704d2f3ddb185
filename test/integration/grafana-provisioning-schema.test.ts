// Every provisioning file the grafana role installs, rendered through Ansible as the role does,
// against Grafana's documented provisioning schema (strict: an unknown key fails, since Grafana
// would skip it silently), and every dashboard's data source reference against the provisioned
// uids and types. monitoring-grafana.test.ts checks the values (URLs, CA, auth); this checks shape.
import { readdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dashboardProvidersFile, datasourceReferences, datasourcesFile, type DatasourcesFile } from '../support/grafana-provisioning.ts';
import { renderTemplates, repoRoot } from '../support/monitoring.ts';
import { createTestCertificates, type TestCertificates } from '../support/test-certificates.ts';

const provisioning = join(repoRoot, 'grafana/provisioning');
const dashboardsDir = join(repoRoot, 'grafana/dashboards');

/** Every file under grafana/provisioning, as the role's find task lists them. */
async function provisioningFiles(): Promise<string[]> {
  const entries = await readdir(provisioning, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(provisioning.length + 1));
}

describe("Grafana provisioning against Grafana's documented schema", () => {
  let work: string;
  let certificates: TestCertificates;
  /** Rendered content by provisioning path (without .j2) and variant. */
  const rendered = new Map<string, unknown>();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chatops-grafana-schema-'));
    certificates = await createTestCertificates();
    const inventory = await readFile(join(repoRoot, 'test/fixtures/monitoring/inventory.yml'), 'utf8');
    const files = await provisioningFiles();
    const templates = files.filter((f) => f.endsWith('.j2'));
    // Both sides of the template's `elasticsearch_username is defined` branch.
    const variants = { plain: {}, 'elasticsearch-auth': { elasticsearch_username: 'grafana', elasticsearch_password: 'es-password-for-test' } };
    await renderTemplates(
      inventory,
      { chatops_certs_dir: certificates.dir, prometheus_web_username: 'prometheus', prometheus_web_password: 'prometheus-password-for-test' },
      Object.entries(variants).flatMap(([variant, vars]) =>
        templates.map((src, i) => ({ src: join('grafana/provisioning', src), dest: join(work, `${variant}-${i}.yml`), vars })),
      ),
    );
    for (const variant of Object.keys(variants))
      for (const [i, src] of templates.entries())
        rendered.set(`${variant}:${src.replace(/\.j2$/, '')}`, parse(await readFile(join(work, `${variant}-${i}.yml`), 'utf8')));
    for (const src of files.filter((f) => !f.endsWith('.j2'))) rendered.set(`static:${src}`, parse(await readFile(join(provisioning, src), 'utf8')));
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
    await certificates?.remove();
  });

  const ofKind = (kind: 'datasources' | 'dashboards'): [string, unknown][] => [...rendered].filter(([key]) => key.split(':')[1]?.startsWith(`${kind}/`));

  it('finds data source and dashboard provider files, and nothing it cannot check', () => {
    expect(ofKind('datasources').length).toBeGreaterThanOrEqual(2);
    expect(ofKind('dashboards').length).toBeGreaterThanOrEqual(1);
    expect(ofKind('datasources').length + ofKind('dashboards').length).toBe(rendered.size);
  });

  it('renders every data source file to the documented keys only', () => {
    for (const [name, content] of ofKind('datasources')) {
      const result = datasourcesFile.safeParse(content);
      expect(result.success, `${name}: ${result.error?.message}`).toBe(true);
    }
  });

  it('names the key when a data source file carries one Grafana does not read', () => {
    const [, content] = ofKind('datasources')[0] ?? [];
    const misspelt = structuredClone(content) as { datasources: Record<string, unknown>[] };
    const first = misspelt.datasources[0] as Record<string, unknown>;
    first.isDefualt = first.isDefault;
    delete first.isDefault;
    const result = datasourcesFile.safeParse(misspelt);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['isDefualt'], path: ['datasources', 0] })]);
    const twoDefaults = structuredClone(content) as { datasources: Record<string, unknown>[] };
    for (const d of twoDefaults.datasources) d.isDefault = true;
    expect(datasourcesFile.safeParse(twoDefaults).error?.issues.map((i) => i.message)).toEqual(['more than one isDefault data source in an org']);
  });

  it('renders every dashboard provider file to the documented keys, pointing at the folder the role fills', async () => {
    const defaults = parse(await readFile(join(repoRoot, 'ansible/roles/grafana/defaults/main.yml'), 'utf8')) as { grafana_dashboards_dir: string };
    for (const [name, content] of ofKind('dashboards')) {
      const result = dashboardProvidersFile.safeParse(content);
      expect(result.success, `${name}: ${result.error?.message}`).toBe(true);
      expect(result.data?.providers.map((p) => p.options.path)).toEqual([defaults.grafana_dashboards_dir]);
    }
    const [, content] = ofKind('dashboards')[0] ?? [];
    const nested = structuredClone(content) as { providers: { options: Record<string, unknown> }[] };
    (nested.providers[0] as { options: Record<string, unknown> }).options.foldersFromFileStructure = true;
    expect(dashboardProvidersFile.safeParse(nested).error?.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['foldersFromFileStructure'], path: ['providers', 0, 'options'] }),
    ]);
  });

  it("resolves every dashboard's data source references to a provisioned uid of the same type", async () => {
    const files = (await readdir(dashboardsDir)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const [variant, content] of ofKind('datasources')) {
      const provisioned = new Map(((content as DatasourcesFile).datasources ?? []).map((d) => [d.uid, d.type]));
      for (const file of files) {
        const dashboard = JSON.parse(await readFile(join(dashboardsDir, file), 'utf8')) as unknown;
        const references = datasourceReferences(dashboard);
        expect(references.length, file).toBeGreaterThan(0);
        for (const { path, ref } of references) {
          // A bare string or a missing uid would fall back to the default data source, whatever it is.
          expect(ref, `${variant} ${file} ${path}`).toEqual({ type: expect.any(String), uid: expect.any(String) });
          const { type, uid } = ref as { type: string; uid: string };
          expect(provisioned.get(uid), `${variant} ${file} ${path}: uid ${uid} is not provisioned`).toBe(type);
        }
      }
    }
  });
});
