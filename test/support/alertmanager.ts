// A real Alertmanager 0.25 for adapter tests: HTTPS and basic auth through the web config the
// monitoring role renders, a test's own alertmanager.yml, data in a temporary folder, run by PID.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  freePort,
  makeTlsDir,
  monitoringCredentials,
  renderTemplates,
  runCommand,
  startDaemon,
  tlsClient,
  waitFor,
  type CommandResult,
  type Daemon,
} from './monitoring.ts';
import type { TestCertificates } from './test-certificates.ts';

export interface RunningAlertmanager {
  url: string;
  auth: { username: string; password: string };
  caFile: string;
  daemon: Daemon;
  /** `amtool` against this Alertmanager, credentials through a 0600 HTTP config file (never argv). */
  amtool(args: string[]): Promise<CommandResult>;
  stop(): Promise<void>;
}

export async function startAlertmanager(certificates: TestCertificates, config: Record<string, unknown>): Promise<RunningAlertmanager> {
  const work = await mkdtemp(join(tmpdir(), 'chatops-alertmanager-'));
  const tlsDir = await makeTlsDir(certificates, ['alertmanager']);
  const credentials = monitoringCredentials('Zy3dEfGhIjKlMnOpQrStUv');
  await renderTemplates('all: {hosts: {localhost: {ansible_connection: local}}}', { ...credentials, chatops_tls_dir: tlsDir }, [
    { src: 'prometheus/web-config.yml.j2', dest: join(work, 'web.yml'), vars: { web_config_service: 'alertmanager' } },
  ]);
  await writeFile(join(work, 'alertmanager.yml'), stringify(config), { mode: 0o600 });
  const check = await runCommand('amtool', ['check-config', join(work, 'alertmanager.yml')]);
  if (check.code !== 0) throw new Error(`amtool check-config failed:\n${check.stdout}${check.stderr}`);
  const port = await freePort();
  const daemon = startDaemon('prometheus-alertmanager', [
    `--config.file=${join(work, 'alertmanager.yml')}`,
    `--web.config.file=${join(work, 'web.yml')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.path=${join(work, 'data')}`,
    '--cluster.listen-address=',
  ]);
  const url = `https://127.0.0.1:${port}`;
  const auth = { username: credentials.alertmanager_web_username, password: credentials.alertmanager_web_password };
  const client = tlsClient(certificates.ca, auth);
  try {
    await waitFor('alertmanager ready', async () => ((await client.get(`${url}/-/ready`)).status === 200 ? true : undefined), 30_000).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${daemon.output()}`);
      },
    );
  } finally {
    await client.close();
  }
  // The credentials reach amtool through its HTTP client config file.
  await writeFile(join(work, 'http.yml'), stringify({ basic_auth: auth, tls_config: { ca_file: certificates.caFile } }), { mode: 0o600 });
  return {
    url,
    auth,
    caFile: certificates.caFile,
    daemon,
    amtool: (args) => runCommand('amtool', [...args, `--alertmanager.url=${url}`, `--http.config.file=${join(work, 'http.yml')}`]),
    async stop() {
      await daemon.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}
