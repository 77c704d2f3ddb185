// The alerts part wired into a real `chatops serve` (one replica, no Elasticsearch: the in-memory
// ledger): a real Alertmanager 0.25 sends over HTTPS with the bearer token; the group becomes one
// message at the Slack fake, edited in place when it resolves; the token stays out of the logs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { serveChatops, writeSettings, type ServingChatops } from '../app/process.ts';
import { sandboxConfig, sandboxSecrets } from '../app/settings.ts';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.ts';
import { waitFor } from '../../support/monitoring.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';

const token = 'serve-alertmanager-webhook-token';

describe('chatops serve with an alerts section', () => {
  let certs: TestCertificates;
  let sandbox: Sandbox;
  let settings: ReturnType<typeof writeSettings>;
  let app: ServingChatops | undefined;
  let alertmanager: RunningAlertmanager | undefined;
  let work: string;

  beforeAll(async () => {
    certs = await createTestCertificates();
    work = await mkdtemp(join(tmpdir(), 'chatops-serve-alerts-'));
    sandbox = await startSandbox({ host: '127.0.0.1', tls: { cert: certs.cert, key: certs.key } });
    settings = writeSettings(
      sandboxConfig(sandbox, {
        server: { host: '127.0.0.1', port: 0, tls: { cert: certs.certFile, key: certs.keyFile }, shutdownTimeoutMs: 5_000 },
        github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/*'], caFile: certs.caFile },
        slack: { apiUrl: sandbox.describe().slack.apiUrl, caFile: certs.caFile },
        alerts: { defaultChannel: 'C0ALERTS', operators: ['U0ALICE'], alertmanagerUrl: 'https://127.0.0.1:9', caFile: certs.caFile, runbookBaseUrl: 'https://runbooks.example.test/' },
      }),
      { ...sandboxSecrets, alertmanagerWebhookToken: token },
    );
    let url: string;
    ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
    const tokenFile = join(work, 'token');
    await writeFile(tokenFile, token, { mode: 0o600 });
    alertmanager = await startAlertmanager(certs, {
      route: { receiver: 'chatops', group_by: ['alertname'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [
        {
          name: 'chatops',
          webhook_configs: [{ url: `${url}/alertmanager/webhook`, send_resolved: true, http_config: { authorization: { credentials_file: tokenFile }, tls_config: { ca_file: certs.caFile } } }],
        },
      ],
    });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await app?.kill();
    settings?.remove();
    await sandbox?.close();
    await certs?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('posts the group to alerts.defaultChannel and edits it on resolve', async () => {
    const add = await alertmanager!.amtool(['alert', 'add', 'alertname=ServeAlertTest', 'severity=warning', `--end=${new Date(Date.now() + 5_000).toISOString()}`, '--annotation=summary=from serve']);
    expect(add.code, add.stderr).toBe(0);
    const diagnostics = (): string => `\napp:\n${app?.stdout.slice(-4_000)}\nalertmanager:\n${alertmanager?.daemon.output().slice(-4_000)}`;
    const calls = () => sandbox.slack.calls.filter((c) => c.args.channel === 'C0ALERTS');
    await waitFor('chat.update after resolve', async () => (calls().some((c) => c.method === 'chat.update') ? true : undefined), 40_000).catch((error: unknown) => {
      throw new Error(`${String(error)}${diagnostics()}`);
    });
    expect(calls().map((c) => [c.method, String(c.args.text)])).toEqual([
      ['chat.postMessage', '🔥 FIRING (1): ServeAlertTest: from serve'],
      ['chat.update', '✅ RESOLVED: ServeAlertTest: from serve'],
    ]);
    expect(app!.lines.filter((l) => l.message === 'alertmanager notification handled').map((l) => l.outcome)).toEqual(['posted', 'updated']);
    expect(app!.stdout + app!.stderr).not.toContain(token);
  });
});
