// `/alerts`, `/silences` and `/chatops status` through a real `chatops serve`, signed by the Slack
// fake, against a real Alertmanager 0.25 and a real Prometheus (both HTTPS with our CA and basic
// auth): everyone reads, only operators (listed, or in a user group read through the fake's
// usergroups.users.list) silence and expire; a bad signature is a 401 with nothing done; with
// Alertmanager or Prometheus down the answer names it, the request counter counts it, Slack gets 200.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch } from 'undici';
import { alertCommandActions } from '../../../app/src/alerts/actions.ts';
import { SLACK_FAKE_SIGNING_SECRET, startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { serveChatops, writeSettings, type ServingChatops } from '../app/process.ts';
import { sandboxConfig, sandboxSecrets } from '../app/settings.ts';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.ts';
import { freePort, waitFor } from '../../support/monitoring.ts';
import { startPrometheus, type RunningPrometheus } from '../../support/prometheus.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';

const metricsAuth = { username: 'metrics', password: 'metrics-password-for-test' };

interface Answer {
  text?: string;
  blocks?: { type: string; text?: { text: string }; accessory?: { action_id: string; value: string }; elements?: { action_id: string; value: string }[] }[];
}

describe('alert slash commands in chatops serve', () => {
  let certs: TestCertificates;
  let sandbox: Sandbox;
  let settings: ReturnType<typeof writeSettings>;
  let app: ServingChatops | undefined;
  let alertmanager: RunningAlertmanager | undefined;
  let prometheus: RunningPrometheus | undefined;
  let url: string;
  let deadTarget: string;
  let clicks = 0;

  beforeAll(async () => {
    certs = await createTestCertificates();
    sandbox = await startSandbox({ host: '127.0.0.1', tls: { cert: certs.cert, key: certs.key } });
    sandbox.slack.addUserGroup({ id: 'S0ONCALL', users: ['U0BOB'] });
    alertmanager = await startAlertmanager(certs, {
      route: { receiver: 'nobody', group_by: ['alertname'], group_wait: '1s', group_interval: '1s' },
      receivers: [{ name: 'nobody' }],
    });
    deadTarget = `127.0.0.1:${await freePort()}`;
    prometheus = await startPrometheus(certs, [
      { job: 'alertmanager', targets: [new URL(alertmanager.url).host], labels: { host: 'mon1' }, auth: alertmanager.auth },
      { job: 'node', targets: [deadTarget], labels: { host: 'gone1' } },
    ]);
    for (const name of ['CmdDiskFull', 'CmdHighLoad']) {
      const add = await alertmanager.amtool(['alert', 'add', `alertname=${name}`, 'severity=warning', `--annotation=summary=${name} from the test`]);
      expect(add.code, add.stderr).toBe(0);
    }
    const port = await freePort();
    settings = writeSettings(
      sandboxConfig(sandbox, {
        server: { host: '127.0.0.1', port, tls: { cert: certs.certFile, key: certs.keyFile }, shutdownTimeoutMs: 5_000 },
        github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/*'], caFile: certs.caFile },
        slack: { apiUrl: sandbox.describe().slack.apiUrl, caFile: certs.caFile },
        alerts: {
          defaultChannel: 'C0ALERTS',
          operators: ['U0ALICE', 'S0ONCALL'],
          alertmanagerUrl: alertmanager.url,
          prometheusUrl: prometheus.url,
          caFile: certs.caFile,
          requestTimeoutMs: 3_000,
        },
      }),
      { ...sandboxSecrets, alertmanager: alertmanager.auth, prometheus: prometheus.auth, metrics: metricsAuth },
    );
    ({ app, url } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
    url = `https://127.0.0.1:${port}`;
  }, 180_000);

  afterAll(async () => {
    await app?.kill();
    await prometheus?.stop();
    await alertmanager?.stop();
    settings?.remove();
    await sandbox?.close();
    await certs?.remove();
  });

  const answer = (id: string) =>
    waitFor(`response_url answer ${id}`, async () => sandbox.slack.responses.find((r) => r.id === id)?.body as Answer | undefined, 15_000);

  async function command(name: string, user: string, text = ''): Promise<{ status: number; answer: Answer }> {
    const sent = await sandbox.slack.sendSlashCommand(
      `${url}/slack/events`,
      SLACK_FAKE_SIGNING_SECRET,
      { command: name, text, user_id: user },
      { ca: certs.ca },
    );
    expect(sent.status, sent.body).toBe(200);
    return { status: sent.status, answer: await answer(sent.responseId) };
  }

  /** A button click as Slack sends it: form field `payload`, signed with the v0 scheme. */
  async function click(actionId: string, user: string, value: string): Promise<Answer> {
    clicks += 1;
    const responseId = `click-${clicks}`;
    const payload = {
      type: 'block_actions',
      team: { id: 'T0SANDBOX', domain: 'chatops-sandbox' },
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0SANDBOX' },
      api_app_id: 'A0CHATOPS',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: '1.000001', channel_id: 'C0OPS', is_ephemeral: true },
      trigger_id: `${Date.now()}.1.sandbox`,
      channel: { id: 'C0OPS', name: 'ops' },
      response_url: `${sandbox.describe().slack.url}/response/${responseId}`,
      actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, text: { type: 'plain_text', text: 'x' }, action_ts: `${Date.now() / 1000}` }],
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
      expect(response.status).toBe(200);
    } finally {
      await dispatcher.close();
    }
    return answer(responseId).catch((error: unknown) => {
      throw new Error(`${String(error)}\napp:\n${app?.stdout.slice(-3_000)}`);
    });
  }

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const dispatcher = new Agent({ connect: { ca: certs.ca } });
    try {
      const basic = Buffer.from(`${metricsAuth.username}:${metricsAuth.password}`).toString('base64');
      const text = await (await fetch(`${url}/metrics`, { dispatcher, headers: { authorization: `Basic ${basic}` } })).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    } finally {
      await dispatcher.close();
    }
  }

  const activeSilences = async (): Promise<{ id: string; createdBy: string }[]> => {
    const query = await alertmanager!.amtool(['silence', 'query', '--output=json']);
    expect(query.code, query.stderr).toBe(0);
    return JSON.parse(query.stdout) as { id: string; createdBy: string }[];
  };

  it('refuses a badly signed command with 401 and answers nothing', async () => {
    const before = sandbox.slack.responses.length;
    const reads = await metric('chatops_alertmanager_requests_total', { operation: 'list alert groups', outcome: 'ok' });
    const sent = await sandbox.slack.sendSlashCommand(
      `${url}/slack/events`,
      SLACK_FAKE_SIGNING_SECRET,
      { command: '/alerts', user_id: 'U0EVE' },
      { ca: certs.ca, badSignature: true },
    );
    expect(sent.status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(sandbox.slack.responses.length).toBe(before);
    expect(await metric('chatops_alertmanager_requests_total', { operation: 'list alert groups', outcome: 'ok' })).toBe(reads);
  });

  it('lists the firing groups for anyone; a non-operator cannot silence, a user-group member can', async () => {
    const listed = await waitFor(
      'both groups in /alerts',
      async () => {
        const { answer: a } = await command('/alerts', 'U0EVE');
        return a.text?.includes('in 2 groups') ? a : undefined;
      },
      30_000,
    );
    expect(listed.text).toBe('🔥 2 alerts firing in 2 groups');
    const actions = (listed.blocks ?? []).filter((b) => b.type === 'actions');
    const values = actions.map((b) => b.elements?.[0]?.value);
    expect(values.sort()).toEqual(['{"alertname":"CmdDiskFull"}', '{"alertname":"CmdHighLoad"}']);

    expect((await click(alertCommandActions.silence1h, 'U0EVE', '{"alertname":"CmdDiskFull"}')).text).toBe(
      'Only the operators listed in alerts.operators (config.yml) may act on alerts.',
    );
    expect(await activeSilences()).toEqual([]);

    const done = await click(alertCommandActions.silence4h, 'U0BOB', '{"alertname":"CmdDiskFull"}');
    expect(done.text).toMatch(/^Silenced alertname=CmdDiskFull until \S+ \(silence [0-9a-f-]+\)\.$/);
    expect((await activeSilences()).map((s) => s.createdBy)).toEqual(['u0bob (Slack U0BOB)']);
    expect(sandbox.slack.calls.filter((c) => c.method === 'usergroups.users.list').map((c) => [c.args.usergroup, c.response.ok])).toContainEqual([
      'S0ONCALL',
      true,
    ]);
    const after = await waitFor(
      '/alerts without the silenced group',
      async () => {
        const { answer: a } = await command('/alerts', 'U0EVE');
        return a.text === '🔥 1 alert firing in 1 group' ? a : undefined;
      },
      15_000,
    );
    expect(JSON.stringify(after.blocks)).toContain('CmdHighLoad');
  });

  it('lists the active silences with Expire, which only an operator may use', async () => {
    const { answer: listed } = await command('/silences', 'U0EVE');
    expect(listed.text).toBe('🔕 1 active silence');
    const expire = listed.blocks?.find((b) => b.accessory)?.accessory;
    expect(expire?.action_id).toBe(alertCommandActions.expireSilence);
    const [silence] = await activeSilences();
    expect(expire?.value).toBe(silence?.id);

    expect((await click(alertCommandActions.expireSilence, 'U0EVE', expire!.value)).text).toBe(
      'Only the operators listed in alerts.operators (config.yml) may act on alerts.',
    );
    expect(await activeSilences()).toHaveLength(1);
    const expired = await click(alertCommandActions.expireSilence, 'U0ALICE', expire!.value);
    // The list clicked is replaced by the fresh one, what was done on top.
    expect(expired).toEqual({
      response_type: 'ephemeral',
      replace_original: true,
      text: `Silence ${expire!.value} expired: its alerts notify again.`,
      blocks: [
        { type: 'context', elements: [{ type: 'mrkdwn', text: `✔️ Silence ${expire!.value} expired: its alerts notify again.` }] },
        { type: 'section', text: { type: 'mrkdwn', text: '🔔 No silences are active.' } },
      ],
    });
    expect(await activeSilences()).toEqual([]);
    expect((await command('/silences', 'U0EVE')).answer.text).toBe('No silences are active.');
  });

  it("reports each service from Prometheus's up and the firing count, as npx chatops status sums them", async () => {
    const { answer: status } = await command('/chatops', 'U0EVE', 'status');
    const texts = (status.blocks ?? []).map((b) => b.text?.text);
    expect(status.text).toMatch(/^⚠️ ChatOps status from /);
    expect(texts.slice(1)).toEqual([
      `*Services (Prometheus \`up\`):* 1/2 up\n• DOWN node on gone1 (${deadTarget})\nup: alertmanager on mon1`,
      '*Alerts:* 2 firing, 0 silenced or inhibited',
    ]);
    // Help needs no reading: it comes in the ack itself.
    const help = await sandbox.slack.sendSlashCommand(
      `${url}/slack/events`,
      SLACK_FAKE_SIGNING_SECRET,
      { command: '/chatops', text: 'help' },
      { ca: certs.ca },
    );
    expect(help.status).toBe(200);
    expect((JSON.parse(help.body) as Answer).text).toContain('*/chatops status*');
  });

  it('names Prometheus when it is down, still counts the alerts, and counts the failure', async () => {
    const before = await metric('chatops_prometheus_requests_total', { outcome: 'unreachable' });
    await prometheus!.stop();
    const { answer: status } = await command('/chatops', 'U0EVE', 'status');
    expect(JSON.stringify(status.blocks)).toContain(':warning: *Services:* Prometheus is unreachable (query up: ECONNREFUSED)');
    expect(JSON.stringify(status.blocks)).toContain('*Alerts:* 2 firing');
    expect(await metric('chatops_prometheus_requests_total', { outcome: 'unreachable' })).toBe(before + 1);
  });

  it('names Alertmanager when it is down, changes nothing, and counts the failure', async () => {
    await alertmanager!.stop();
    const before = await metric('chatops_alertmanager_requests_total', { operation: 'list alert groups', outcome: 'unreachable' });
    expect((await command('/alerts', 'U0EVE')).answer).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'Alertmanager is unreachable (list alert groups: ECONNREFUSED). Try again in a minute.',
    });
    expect((await command('/silences', 'U0EVE')).answer.text).toBe('Alertmanager is unreachable (list silences: ECONNREFUSED). Try again in a minute.');
    expect((await click(alertCommandActions.silence1h, 'U0ALICE', '{"alertname":"CmdHighLoad"}')).text).toBe(
      'Alertmanager is unreachable (create silence: ECONNREFUSED). Nothing was changed; try again once Alertmanager answers.',
    );
    const { answer: status } = await command('/chatops', 'U0EVE', 'status');
    expect(JSON.stringify(status.blocks)).toContain(':warning: *Alerts:* Alertmanager is unreachable (list alert groups: ECONNREFUSED)');
    expect(await metric('chatops_alertmanager_requests_total', { operation: 'list alert groups', outcome: 'unreachable' })).toBe(before + 2);
    expect(app!.stdout + app!.stderr).not.toContain(prometheus!.auth.password);
    expect(app!.stdout + app!.stderr).not.toContain(alertmanager!.auth.password);
  });
});
