// The alerts part wired into a real `chatops serve` (one replica, no Elasticsearch: the in-memory
// ledger): a real Alertmanager 0.25 sends over HTTPS with the bearer token; the group becomes one
// message at the Slack fake; a signed click on Silence 1 h by an operator creates a silence amtool
// sees, a non-operator's click is refused, Unsilence expires it and the resolve edits the message
// in place; the secrets stay out of the logs.
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch } from 'undici';
import { alertActions } from '../../../app/src/alerts/actions.ts';
import { SLACK_FAKE_SIGNING_SECRET, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { serveChatops, writeSettings, type ServingChatops } from '../app/process.ts';
import { sandboxConfig, sandboxSecrets } from '../app/settings.ts';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.ts';
import { freePort, waitFor } from '../../support/monitoring.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';

const token = 'serve-alertmanager-webhook-token';

describe('chatops serve with an alerts section', () => {
  let certs: TestCertificates;
  let sandbox: Sandbox;
  let settings: ReturnType<typeof writeSettings>;
  let app: ServingChatops | undefined;
  let alertmanager: RunningAlertmanager | undefined;
  let work: string;
  let url: string;

  beforeAll(async () => {
    certs = await createTestCertificates();
    work = await mkdtemp(join(tmpdir(), 'chatops-serve-alerts-'));
    sandbox = await startSandbox({ host: '127.0.0.1', tls: { cert: certs.cert, key: certs.key } });
    // Each needs the other's address: the app's port is chosen first.
    const port = await freePort();
    url = `https://127.0.0.1:${port}`;
    const tokenFile = join(work, 'token');
    await writeFile(tokenFile, token, { mode: 0o600 });
    alertmanager = await startAlertmanager(certs, {
      route: { receiver: 'chatops', group_by: ['alertname'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [
        {
          name: 'chatops',
          webhook_configs: [
            {
              url: `${url}/alertmanager/webhook`,
              send_resolved: true,
              http_config: { authorization: { credentials_file: tokenFile }, tls_config: { ca_file: certs.caFile } },
            },
          ],
        },
      ],
    });
    settings = writeSettings(
      sandboxConfig(sandbox, {
        server: { host: '127.0.0.1', port, tls: { cert: certs.certFile, key: certs.keyFile }, shutdownTimeoutMs: 5_000 },
        github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/*'], caFile: certs.caFile },
        slack: { apiUrl: sandbox.describe().slack.apiUrl, caFile: certs.caFile },
        alerts: {
          defaultChannel: 'C0ALERTS',
          operators: ['U0ALICE'],
          alertmanagerUrl: alertmanager.url,
          caFile: certs.caFile,
          runbookBaseUrl: 'https://runbooks.example.test/',
        },
      }),
      { ...sandboxSecrets, alertmanagerWebhookToken: token, alertmanager: alertmanager.auth },
    );
    ({ app } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
  });

  /** A button click as Slack sends it: form field `payload`, signed with the v0 scheme. */
  async function click(actionId: string, user: { id: string; name: string }, value: string, ts: string, responseId: string): Promise<number> {
    const payload = {
      type: 'block_actions',
      team: { id: 'T0SANDBOX', domain: 'chatops-sandbox' },
      user: { id: user.id, username: user.name, name: user.name, team_id: 'T0SANDBOX' },
      api_app_id: 'A0CHATOPS',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: ts, channel_id: 'C0ALERTS', is_ephemeral: false },
      trigger_id: `${Date.now()}.1.sandbox`,
      channel: { id: 'C0ALERTS', name: 'alerts' },
      message: { type: 'message', ts, text: '' },
      response_url: `${sandbox.describe().slack.url}/response/${responseId}`,
      actions: [
        { type: 'button', action_id: actionId, block_id: 'alert_actions', value, text: { type: 'plain_text', text: 'x' }, action_ts: `${Date.now() / 1000}` },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', SLACK_FAKE_SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const dispatcher = new Agent({ connect: { ca: certs.ca } });
    try {
      const response = await fetch(`${url}/slack/events`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
        body,
      });
      return response.status;
    } finally {
      await dispatcher.close();
    }
  }

  const responseText = (id: string) =>
    waitFor(`response_url answer ${id}`, async () => sandbox.slack.responses.find((r) => r.id === id)?.body as { text?: string } | undefined, 15_000);

  afterAll(async () => {
    await alertmanager?.stop();
    await app?.kill();
    settings?.remove();
    await sandbox?.close();
    await certs?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("posts the group, silences it on an operator's click, refuses a non-operator, unsilences, and edits it on resolve", async () => {
    const endsAt = Date.now() + 8_000;
    const add = await alertmanager!.amtool([
      'alert',
      'add',
      'alertname=ServeAlertTest',
      'severity=warning',
      `--end=${new Date(endsAt).toISOString()}`,
      '--annotation=summary=from serve',
    ]);
    expect(add.code, add.stderr).toBe(0);
    const diagnostics = (): string => `\napp:\n${app?.stdout.slice(-4_000)}\nalertmanager:\n${alertmanager?.daemon.output().slice(-4_000)}`;
    const calls = () => sandbox.slack.calls.filter((c) => c.args.channel === 'C0ALERTS');
    const posted = await waitFor('chat.postMessage', async () => calls().find((c) => c.method === 'chat.postMessage'), 30_000).catch((error: unknown) => {
      throw new Error(`${String(error)}${diagnostics()}`);
    });
    const ts = String((posted.response as { ts?: unknown }).ts);
    const blocks = posted.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[];
    const key = blocks.find((b) => b.type === 'actions')?.elements?.[0]?.value ?? '';

    expect(await click(alertActions.silence1h, { id: 'U0EVE', name: 'eve' }, key, ts, 'eve-1')).toBe(200);
    expect((await responseText('eve-1')).text).toBe('Only the operators listed in alerts.operators (config.yml) may act on alerts.');
    expect(await click(alertActions.silence1h, { id: 'U0ALICE', name: 'alice' }, key, ts, 'alice-1')).toBe(200);
    expect((await responseText('alice-1')).text).toMatch(/^Silenced until /);
    const query = await alertmanager!.amtool(['silence', 'query', '--output=json', 'alertname=ServeAlertTest']);
    const silences = JSON.parse(query.stdout) as { createdBy: string }[];
    expect(silences.map((x) => x.createdBy)).toEqual(['alice (Slack U0ALICE)']);
    // Unsilence before the alert ends, so its resolve is notified (one resolved while silenced is muted for good)
    expect(Date.now()).toBeLessThan(endsAt);
    expect(await click(alertActions.unsilence, { id: 'U0ALICE', name: 'alice' }, key, ts, 'alice-2')).toBe(200);
    expect((await responseText('alice-2')).text).toBe('Silence expired: notifications for this group resume.');

    await waitFor(
      'chat.update after resolve',
      async () => (calls().some((c) => c.method === 'chat.update' && String(c.args.text).startsWith('✅')) ? true : undefined),
      40_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}${diagnostics()}`);
    });
    expect(calls().map((c) => [c.method, String(c.args.text)])).toEqual([
      ['chat.postMessage', '🔥 FIRING (1): ServeAlertTest: from serve'],
      ['chat.update', '🔥 FIRING (1): ServeAlertTest: from serve'],
      ['chat.update', '🔥 FIRING (1): ServeAlertTest: from serve'],
      ['chat.update', '✅ RESOLVED: ServeAlertTest: from serve'],
    ]);
    expect(JSON.stringify(calls()[1]?.args.blocks)).toContain('Silenced until');
    expect(JSON.stringify(calls()[2]?.args.blocks)).not.toContain('Silenced until');
    expect(app!.stdout + app!.stderr).not.toContain(token);
    expect(app!.stdout + app!.stderr).not.toContain(alertmanager!.auth.password);
  });
});
