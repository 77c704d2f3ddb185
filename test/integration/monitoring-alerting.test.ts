// The alert path end to end, all real processes: two `chatops serve` replicas, Prometheus and
// Alertmanager rendered from our templates (HTTPS + basic auth everywhere), and the Slack fake.
// Stopping a replica makes Alertmanager hand ChatOpsReplicaDown to the app's webhook (bearer token
// from a 0600 file, our CA), which posts one message; starting it again edits that message to
// resolved. Every replica down goes to Alertmanager's own Slack receiver (the fallback) and mail.
// Intervals are shortened through the template variables and the rules' `for:` in a copy of
// prometheus/rules/chatops.yml, rendered with the rules' [[ ]] delimiters as the role does.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.ts';
import { serveChatops, writeSettings, type ServingChatops } from './app/process.ts';
import { sandboxConfig, sandboxSecrets } from './app/settings.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.ts';
import { createTestCertificates, type TestCertificates } from '../support/test-certificates.ts';
import {
  freePort,
  makeTlsDir,
  renderTemplates,
  repoRoot,
  startDaemon,
  tlsClient,
  waitFor,
  type Daemon,
  monitoringCredentials,
  prometheusPairTemplates,
  ruleTemplateOptions,
} from '../support/monitoring.ts';

interface SlackAttachment {
  color?: string;
  title?: string;
  text?: string;
}
interface SlackWebhookPost {
  channel?: string;
  username?: string;
  attachments?: SlackAttachment[];
}
interface RuleFile {
  groups: { name: string; rules: { alert?: string; for?: string }[] }[];
}

describe('alerting end to end', () => {
  let certificates: TestCertificates;
  let sandbox: Sandbox;
  let smtp: SmtpReceiver;
  let work: string;
  let prometheus: Daemon | undefined;
  let alertmanager: Daemon | undefined;
  const replicas: (ServingChatops | undefined)[] = [];
  const ports = { prometheus: 0, alertmanager: 0, app1: 0, app2: 0 };
  const vars = {
    ...monitoringCredentials('Zy3dEfGhIjKlMnOpQrStUv'),
    alertmanager_slack_channel: '#ops-alerts',
    prometheus_scrape_interval: '1s',
    prometheus_scrape_timeout: '1s',
    prometheus_evaluation_interval: '1s',
    alertmanager_group_wait: '1s',
    alertmanager_group_interval: '1s',
    alertmanager_repeat_interval: '1h',
    prometheus_skip_services: ['haproxy', 'node', 'systemd', 'cadvisor', 'elasticsearch', 'blackbox'],
  };
  const settings: ReturnType<typeof writeSettings>[] = [];
  const webhookToken = randomBytes(24).toString('base64url');
  const runbooks = 'https://runbooks.test/docs/runbooks.md';

  const startReplica = async (index: 1 | 2): Promise<void> => {
    const port = index === 1 ? ports.app1 : ports.app2;
    const config = sandboxConfig(sandbox, {
      server: { host: '127.0.0.1', port, tls: { cert: certificates.certFile, key: certificates.keyFile }, shutdownTimeoutMs: 5_000 },
      github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/*'], caFile: certificates.caFile },
      slack: { apiUrl: sandbox.describe().slack.apiUrl, caFile: certificates.caFile },
      replica: { id: `app${index}-1` },
      alerts: {
        defaultChannel: 'C0ALERTS',
        alertmanagerUrl: `https://127.0.0.1:${ports.alertmanager}`,
        caFile: certificates.caFile,
        grafanaUrl: 'https://grafana.test/',
      },
    });
    const files = writeSettings(config, {
      ...sandboxSecrets,
      metrics: { username: vars.chatops_metrics_username, password: vars.chatops_metrics_password },
      alertmanagerWebhookToken: webhookToken,
      alertmanager: { username: vars.alertmanager_web_username, password: vars.alertmanager_web_password },
    });
    settings.push(files);
    replicas[index] = (await serveChatops(['--config', files.configPath, '--secrets', files.secretsPath])).app;
  };

  const webhookPosts = (): SlackWebhookPost[] => sandbox.slack.incomingWebhook.received as SlackWebhookPost[];
  const waitForPost = (what: string, test: (post: SlackWebhookPost) => boolean, timeoutMs = 45_000): Promise<SlackWebhookPost> =>
    waitFor(what, async () => webhookPosts().find(test), timeoutMs).catch((error: unknown) => {
      throw new Error(
        `${String(error)}\nposts: ${JSON.stringify(webhookPosts(), null, 2)}\nprometheus:\n${prometheus?.output()}\nalertmanager:\n${alertmanager?.output()}`,
      );
    });

  beforeAll(async () => {
    certificates = await createTestCertificates();
    const tlsDir = await makeTlsDir(certificates, ['prometheus', 'alertmanager']);
    sandbox = await startSandbox({ host: '127.0.0.1', tls: { cert: certificates.cert, key: certificates.key } });
    smtp = await startSmtpReceiver({ cert: certificates.cert, key: certificates.key });
    work = await mkdtemp(join(tmpdir(), 'chatops-alerting-'));
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();

    // The rules as shipped, with the replica alert's `for:` shortened to fit a test.
    await mkdir(join(work, 'rules'));
    const rules = parse(await readFile(join(repoRoot, 'prometheus/rules/chatops.yml'), 'utf8')) as RuleFile;
    for (const rule of rules.groups.flatMap((g) => g.rules)) if (rule.for) rule.for = '2s';
    await writeFile(join(work, 'chatops-rules.yml'), stringify(rules));
    // Alertmanager reads the webhook's bearer token from this file (credentials_file).
    await writeFile(join(work, 'webhook-token'), webhookToken, { mode: 0o600 });

    const inventory = stringify({
      all: {
        children: {
          app: {
            hosts: {
              app1: { ansible_host: '127.0.0.1', chatops_replicas: 1, chatops_base_port: ports.app1 - 1 },
              app2: { ansible_host: '127.0.0.1', chatops_replicas: 1, chatops_base_port: ports.app2 - 1 },
            },
          },
          monitoring: { hosts: { mon1: { ansible_host: '127.0.0.1' } } },
        },
      },
    });
    await renderTemplates(
      inventory,
      {
        ...vars,
        chatops_tls_dir: tlsDir,
        prometheus_port: ports.prometheus,
        alertmanager_port: ports.alertmanager,
        prometheus_rules_dir: join(work, 'rules'),
        alertmanager_templates_dir: join(repoRoot, 'prometheus/templates'),
        alertmanager_slack_api_url: sandbox.slack.incomingWebhook.url,
        alertmanager_slack_ca_file: join(tlsDir, 'ca.crt'),
        alertmanager_email_to: 'oncall@example.test',
        alertmanager_smtp_smarthost: `127.0.0.1:${smtp.port}`,
        alertmanager_smtp_from: 'alertmanager@example.test',
        alertmanager_smtp_ca_file: join(tlsDir, 'ca.crt'),
        // One replica's webhook stands in for HAProxy's front here.
        alertmanager_chatops_webhook_url: `https://127.0.0.1:${ports.app1}/alertmanager/webhook`,
        alertmanager_chatops_webhook_token_file: join(work, 'webhook-token'),
        alertmanager_chatops_webhook_ca_file: join(tlsDir, 'ca.crt'),
        prometheus_runbook_base_url: runbooks,
        prometheus_grafana_url: 'https://grafana.test/',
      },
      [...prometheusPairTemplates(work), { src: join(work, 'chatops-rules.yml'), dest: join(work, 'rules', 'chatops.yml'), options: ruleTemplateOptions }],
    );

    await startReplica(1);
    await startReplica(2);
    alertmanager = startDaemon('prometheus-alertmanager', [
      `--config.file=${join(work, 'alertmanager.yml')}`,
      `--web.config.file=${join(work, 'alertmanager-web.yml')}`,
      `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
      `--storage.path=${join(work, 'alertmanager-data')}`,
      '--cluster.listen-address=',
    ]);
    prometheus = startDaemon('prometheus', [
      `--config.file=${join(work, 'prometheus.yml')}`,
      `--web.config.file=${join(work, 'prometheus-web.yml')}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      `--storage.tsdb.path=${join(work, 'prometheus-data')}`,
    ]);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    for (const replica of replicas) await replica?.kill();
    for (const files of settings) files.remove();
    await sandbox?.close();
    await smtp?.close();
    await certificates?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const query = async (promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    const client = tlsClient(certificates.ca, { username: vars.prometheus_web_username, password: vars.prometheus_web_password });
    try {
      const response = await client.get(`https://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (response.status !== 200) throw new Error(`query ${promql}: HTTP ${response.status} ${response.body}`);
      return (JSON.parse(response.body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    } finally {
      await client.close();
    }
  };

  it('refuses Prometheus and Alertmanager requests without the password', async () => {
    const anonymous = tlsClient(certificates.ca);
    try {
      await waitFor(
        'Prometheus listening',
        async () => ((await anonymous.get(`https://127.0.0.1:${ports.prometheus}/-/ready`)).status === 401 ? true : undefined),
        30_000,
      );
      expect((await anonymous.get(`https://127.0.0.1:${ports.alertmanager}/-/ready`)).status).toBe(401);
    } finally {
      await anonymous.close();
    }
  });

  it('scrapes both replicas, itself and Alertmanager over HTTPS with basic auth', async () => {
    const up = await waitFor(
      'every target up',
      async () => {
        const result = await query('up');
        return result.length === 4 && result.every((r) => r.value[1] === '1') ? result : undefined;
      },
      30_000,
    );
    expect(up.map((r) => `${r.metric.job}/${r.metric.host}`).sort()).toEqual(['alertmanager/mon1', 'chatops/app1', 'chatops/app2', 'prometheus/mon1']);
    const build = await query('chatops_build_info');
    expect(build.map((r) => r.metric.replica).sort()).toEqual(['app1-1', 'app2-1']);
  });

  it('hands ChatOpsReplicaDown to the app, which posts one message and edits it to resolved when the replica is back', async () => {
    const fallbackBefore = webhookPosts().length;
    await replicas[2]?.kill();
    replicas[2] = undefined;
    const instance = `127.0.0.1:${ports.app2}`;
    const calls = (): { method: string; args: Record<string, unknown>; response: Record<string, unknown> }[] =>
      sandbox.slack.calls.filter((c) => c.args.channel === 'C0ALERTS' && c.response.ok === true);
    const posted = await waitFor('the app posts the alert', async () => calls().find((c) => c.method === 'chat.postMessage'), 45_000).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\nalertmanager:\n${alertmanager?.output()}`);
      },
    );
    expect(posted.args.text).toBe(`🔥 FIRING (1): ChatOpsReplicaDown: ChatOps replica ${instance} is down`);
    const blocks = JSON.stringify(posted.args.blocks);
    expect(blocks).toContain(`<${runbooks}#chatopsreplicadown|Runbook>`);
    expect(blocks).toContain('<https://grafana.test/d/chatops-app|Dashboard>');
    expect(blocks).toContain('alert_silence_1h');

    await startReplica(2);
    const ts = posted.response.ts;
    const resolved = await waitFor(
      'the message edited to resolved',
      async () => calls().find((c) => c.method === 'chat.update' && c.args.ts === ts && String(c.args.text).startsWith('✅ RESOLVED: ChatOpsReplicaDown')),
      45_000,
    );
    expect(JSON.stringify(resolved.args.blocks)).not.toContain('alert_silence_1h');
    expect(calls().filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
    // The app took it: Alertmanager's own Slack receiver stayed quiet.
    expect(webhookPosts().slice(fallbackBefore)).toEqual([]);
  });

  it('sends ChatOpsAllReplicasDown straight to Slack (the fallback) and mail, and inhibits the per-replica alerts', async () => {
    const before = webhookPosts().length;
    for (const index of [1, 2] as const) {
      await replicas[index]?.kill();
      replicas[index] = undefined;
    }
    const critical = await waitForPost('the all-replicas notice', (p) => p.attachments?.[0]?.title === '[FIRING:1] ChatOpsAllReplicasDown (critical)');
    expect(critical.attachments?.[0]?.color).toBe('danger');
    expect(critical.attachments?.[0]?.text?.split('\n')[0]).toBe(':red_circle: *Every ChatOps replica is down*');
    expect(critical.channel).toBe('#ops-alerts');
    expect(critical.username).toBe('Alertmanager');
    expect(critical.attachments?.[0]?.text).toContain(`*Runbook:* <${runbooks}#chatopsallreplicasdown|`);
    // Alertmanager holds both replica alerts, suppressed by the all-replicas alert.
    const client = tlsClient(certificates.ca, { username: vars.alertmanager_web_username, password: vars.alertmanager_web_password });
    try {
      const suppressed = await waitFor(
        'both replica alerts inhibited',
        async () => {
          const response = await client.get(
            `https://127.0.0.1:${ports.alertmanager}/api/v2/alerts?filter=${encodeURIComponent('alertname="ChatOpsReplicaDown"')}`,
          );
          const alerts = JSON.parse(response.body) as { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }[];
          return alerts.length === 2 && alerts.every((a) => a.status.state === 'suppressed' && a.status.inhibitedBy.length === 1) ? alerts : undefined;
        },
        15_000,
      );
      expect(suppressed.map((a) => a.labels.host).sort()).toEqual(['app1', 'app2']);
    } finally {
      await client.close();
    }
    // Once the all-replicas alert fires, no replica-down notice may follow. (Prometheus can hand
    // Alertmanager a replica alert a moment before the inhibiting one; that race is not inhibition.)
    const afterCritical = webhookPosts().slice(Math.max(before, webhookPosts().indexOf(critical) + 1));
    expect(afterCritical.filter((p) => p.attachments?.[0]?.title?.startsWith('[FIRING') && p.attachments[0].title.includes('ChatOpsReplicaDown'))).toEqual([]);
  });

  it('mails critical alerts over STARTTLS, and only critical ones', async () => {
    const mail = await waitFor('the critical mail', async () => smtp.received.find((m) => m.data.includes('ChatOpsAllReplicasDown')), 30_000);
    expect(mail.tls).toBe(true);
    expect(mail.from).toBe('alertmanager@example.test');
    expect(mail.to).toEqual(['oncall@example.test']);
    const headers = mail.data.slice(0, mail.data.indexOf('\r\n\r\n'));
    expect(headers).toMatch(/^Subject: \[FIRING:1\] ChatOpsAllReplicasDown \(critical\)$/m);
    const body = mail.data.replace(/=\r\n/g, '').replace(/=3D/g, '=');
    expect(body).toContain('FIRING: Every ChatOps replica is down');
    expect(body).toContain(`Runbook: ${runbooks}#chatopsallreplicasdown`);
    // The warning-level replica alerts never went to mail.
    expect(smtp.received.filter((m) => m.data.includes('ChatOpsReplicaDown'))).toEqual([]);
  });
});
