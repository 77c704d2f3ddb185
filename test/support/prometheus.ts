// A real Prometheus for adapter tests: HTTPS and basic auth through the web config the monitoring
// role renders, a test's own scrape jobs (each over HTTPS with our CA), data in a temporary
// folder, run by PID. Resolves once every job's targets have an `up` sample.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, makeTlsDir, monitoringCredentials, renderTemplates, startDaemon, tlsClient, waitFor, type Daemon } from './monitoring.ts';
import type { TestCertificates } from './test-certificates.ts';

export interface ScrapeJob {
  job: string;
  /** host:port, scraped over HTTPS */
  targets: string[];
  labels?: Record<string, string>;
  auth?: { username: string; password: string };
}

export interface PrometheusOptions {
  /** --web.enable-admin-api (TSDB snapshots), as the prometheus role runs it */
  adminApi?: boolean;
  /** --storage.tsdb.path; default a folder in the work directory, removed by stop() (a given one is kept) */
  dataDir?: string;
}

export interface RunningPrometheus {
  url: string;
  /** --storage.tsdb.path */
  dataDir: string;
  auth: { username: string; password: string };
  daemon: Daemon;
  stop(): Promise<void>;
}

export async function startPrometheus(certificates: TestCertificates, jobs: ScrapeJob[], options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const work = await mkdtemp(join(tmpdir(), 'chatops-prometheus-'));
  const tlsDir = await makeTlsDir(certificates, ['prometheus']);
  const credentials = monitoringCredentials('Ab3dEfGhIjKlMnOpQrStUv');
  await renderTemplates('all: {hosts: {localhost: {ansible_connection: local}}}', { ...credentials, chatops_tls_dir: tlsDir }, [
    { src: 'prometheus/web-config.yml.j2', dest: join(work, 'web.yml'), vars: { web_config_service: 'prometheus' } },
  ]);
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    scrape_configs: jobs.map((j) => ({
      job_name: j.job,
      scheme: 'https',
      tls_config: { ca_file: certificates.caFile },
      ...(j.auth ? { basic_auth: j.auth } : {}),
      static_configs: [{ targets: j.targets, ...(j.labels ? { labels: j.labels } : {}) }],
    })),
  };
  // Scrape credentials sit in this file: 0600 like the role's.
  await writeFile(join(work, 'prometheus.yml'), stringify(config), { mode: 0o600 });
  const port = await freePort();
  const dataDir = options.dataDir ?? join(work, 'data');
  const daemon = startDaemon('prometheus', [
    `--config.file=${join(work, 'prometheus.yml')}`,
    `--web.config.file=${join(work, 'web.yml')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${dataDir}`,
    ...(options.adminApi ? ['--web.enable-admin-api'] : []),
  ]);
  const url = `https://127.0.0.1:${port}`;
  const auth = { username: credentials.prometheus_web_username, password: credentials.prometheus_web_password };
  const client = tlsClient(certificates.ca, auth);
  const targets = jobs.reduce((n, j) => n + j.targets.length, 0);
  try {
    await waitFor(
      'prometheus scraped every target',
      async () => {
        const answer = await client.get(`${url}/api/v1/query?query=up`);
        if (answer.status !== 200) return undefined;
        return (JSON.parse(answer.body) as { data: { result: unknown[] } }).data.result.length >= targets ? true : undefined;
      },
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${daemon.output()}`);
    });
  } finally {
    await client.close();
  }
  return {
    url,
    dataDir,
    auth,
    daemon,
    async stop() {
      await daemon.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}
