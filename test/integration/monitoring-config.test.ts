// The Prometheus and Alertmanager content, rendered through Ansible with a lab-shaped inventory
// and checked by the services' own tools: promtool check config/web-config/rules, promtool test
// rules (and that those tests fail when an alert expression breaks), amtool check-config.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createTestCertificates, type TestCertificates } from '../support/test-certificates.ts';
import { makeTlsDir, renderTemplates, repoRoot, runCommand, monitoringCredentials, prometheusPairTemplates } from '../support/monitoring.ts';

interface ScrapeConfig {
  job_name: string;
  scheme?: string;
  metrics_path?: string;
  tls_config?: { ca_file?: string };
  basic_auth?: { username?: string; password?: string };
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string; annotations?: Record<string, string> }[] }[];
}

describe('Prometheus and Alertmanager content', () => {
  let certificates: TestCertificates;
  let work: string;
  let tlsDir: string;
  const vars = {
    chatops_domain: 'lab.chatops.test',
    prometheus_rules_dir: join(repoRoot, 'prometheus', 'rules'),
    alertmanager_templates_dir: join(repoRoot, 'prometheus', 'templates'),
    ...monitoringCredentials('Ab3dEfGhIjKlMnOpQrStUv'),
    alertmanager_slack_api_url: 'https://hooks.slack.test/services/T0/B0/x',
    alertmanager_email_to: 'oncall@example.test',
    alertmanager_smtp_smarthost: 'smtp.example.test:587',
    alertmanager_chatops_routes: [{ channel: 'C0PAYMENTS', matchers: ['team="payments"'] }],
    // The review-SLO alert of a team goes to its first digest schedule's channel.
    chatops_schedules: [
      { name: 'backend-digest', kind: 'digest', channel: 'C0BACKEND', cron: '0 10 * * 1-5', team: 'acme/backend' },
      { name: 'backend-late', kind: 'digest', channel: 'C0LATER', cron: '0 16 * * 1-5', team: 'acme/backend' },
      { name: 'reviews', kind: 'reviews', cron: '0 9 * * 1-5' },
    ],
  };
  const inventory = (): Promise<string> => readFile(join(repoRoot, 'test/fixtures/monitoring/inventory.yml'), 'utf8');

  beforeAll(async () => {
    certificates = await createTestCertificates();
    tlsDir = await makeTlsDir(certificates, ['prometheus', 'alertmanager']);
    work = await mkdtemp(join(tmpdir(), 'chatops-monitoring-config-'));
    await renderTemplates(await inventory(), { ...vars, chatops_tls_dir: tlsDir }, prometheusPairTemplates(work));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await certificates.remove();
  });

  const scrapeConfigs = async (file = 'prometheus.yml'): Promise<ScrapeConfig[]> =>
    (parse(await readFile(join(work, file), 'utf8')) as { scrape_configs: ScrapeConfig[] }).scrape_configs;

  it('renders a scrape config that promtool check config accepts, rule files included', async () => {
    const result = await runCommand('promtool', ['check', 'config', join(work, 'prometheus.yml')]);
    expect(result.stderr + result.stdout).toContain('SUCCESS');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('scrapes every job over HTTPS, verified against our CA, with basic auth', async () => {
    const jobs = await scrapeConfigs();
    expect(jobs.map((j) => j.job_name)).toEqual([
      'prometheus',
      'alertmanager',
      'chatops',
      'haproxy',
      'node',
      'systemd',
      'cadvisor',
      'elasticsearch',
      'blackbox',
      'tls',
    ]);
    for (const job of jobs) {
      expect(job.scheme, job.job_name).toBe('https');
      expect(job.tls_config?.ca_file, job.job_name).toBe(join(tlsDir, 'ca.crt'));
      expect(job.basic_auth?.username, job.job_name).toBeTruthy();
      expect(job.basic_auth?.password, job.job_name).toBeTruthy();
    }
    const chatops = jobs.find((j) => j.job_name === 'chatops');
    expect(chatops?.basic_auth).toEqual({ username: 'metrics', password: vars.chatops_metrics_password });
  });

  it('scrapes each replica of each app host on 8440+N, from the inventory', async () => {
    const chatops = (await scrapeConfigs()).find((j) => j.job_name === 'chatops');
    expect(chatops?.static_configs).toEqual([
      { targets: ['10.77.0.21:8441'], labels: { host: 'app1', unit: 'chatops@1' } },
      { targets: ['10.77.0.21:8442'], labels: { host: 'app1', unit: 'chatops@2' } },
      { targets: ['10.77.0.22:8441'], labels: { host: 'app2', unit: 'chatops@1' } },
      { targets: ['10.77.0.22:8442'], labels: { host: 'app2', unit: 'chatops@2' } },
      { targets: ['10.77.0.22:8443'], labels: { host: 'app2', unit: 'chatops@3' } },
    ]);
    const node = (await scrapeConfigs()).find((j) => j.job_name === 'node');
    expect(node?.static_configs.map((s) => s.targets[0])).toEqual(['10.77.0.11:9100', '10.77.0.21:9100', '10.77.0.22:9100', '10.77.0.31:9100']);
    const cadvisor = (await scrapeConfigs()).find((j) => j.job_name === 'cadvisor');
    expect(cadvisor?.static_configs.map((s) => s.targets[0])).toEqual(['10.77.0.21:8080', '10.77.0.22:8080']);
  });

  it('probes every TLS endpoint through the blackbox exporter for certificate expiry', async () => {
    const tls = (await scrapeConfigs()).find((j) => j.job_name === 'tls');
    expect(tls?.metrics_path).toBe('/probe');
    const probed = tls?.static_configs.map((s) => `${s.labels?.service}@${s.targets[0]}`) ?? [];
    expect(probed).toEqual(
      expect.arrayContaining([
        'haproxy@10.77.0.11:443',
        'haproxy_exporter@10.77.0.11:8405',
        'chatops@10.77.0.21:8441',
        'chatops@10.77.0.22:8443',
        'cadvisor@10.77.0.22:8080',
        'prometheus@10.77.0.31:9090',
        'alertmanager@10.77.0.31:9093',
        'grafana@10.77.0.31:3000',
        'blackbox_exporter@10.77.0.31:9115',
        'elasticsearch@10.77.0.31:9200',
        'kibana@10.77.0.31:5601',
        'logstash@10.77.0.31:5044',
        'node_exporter@10.77.0.11:9100',
        'systemd_exporter@10.77.0.31:9558',
      ]),
    );
    // 2 on lb, 2+3 replicas + 2 cAdvisor, 4 monitoring, 4 logging, 2 per host x 4 hosts.
    expect(probed).toHaveLength(2 + 5 + 2 + 4 + 4 + 8);
  });

  it('leaves out the services named in prometheus_skip_services', async () => {
    await renderTemplates(await inventory(), { ...vars, chatops_tls_dir: tlsDir, prometheus_skip_services: ['cadvisor', 'grafana', 'kibana', 'logstash'] }, [
      { src: 'prometheus/prometheus.yml.j2', dest: join(work, 'prometheus-skip.yml') },
    ]);
    const jobs = await scrapeConfigs('prometheus-skip.yml');
    expect(jobs.map((j) => j.job_name)).not.toContain('cadvisor');
    const services = new Set(jobs.find((j) => j.job_name === 'tls')?.static_configs.map((s) => s.labels?.service));
    for (const skipped of ['cadvisor', 'grafana', 'kibana', 'logstash']) expect(services.has(skipped), skipped).toBe(false);
    expect(services.has('elasticsearch')).toBe(true);
    const check = await runCommand('promtool', ['check', 'config', join(work, 'prometheus-skip.yml')]);
    expect(check.code, check.stderr).toBe(0);
  });

  it('renders web configs with TLS and a bcrypt hash that promtool accepts, never the password', async () => {
    for (const [file, password] of [
      ['prometheus-web.yml', vars.prometheus_web_password],
      ['alertmanager-web.yml', vars.alertmanager_web_password],
    ] as const) {
      const text = await readFile(join(work, file), 'utf8');
      expect(text).not.toContain(password);
      const config = parse(text) as { tls_server_config: Record<string, string>; basic_auth_users: Record<string, string> };
      const service = file.split('-')[0];
      expect(config.tls_server_config).toEqual({ cert_file: join(tlsDir, `${service}.crt`), key_file: join(tlsDir, `${service}.key`), min_version: 'TLS12' });
      expect(Object.keys(config.basic_auth_users)).toEqual([service]);
      expect(Object.values(config.basic_auth_users)[0]).toMatch(/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/);
      const check = await runCommand('promtool', ['check', 'web-config', join(work, file)]);
      expect(check.code, check.stderr + check.stdout).toBe(0);
    }
  });

  it('renders a web config with the hash the tls role computed once for the hosts sharing the credentials', async () => {
    const hashed = parse(await readFile(join(work, 'prometheus-web.yml'), 'utf8')) as { basic_auth_users: Record<string, string> };
    const hash = hashed.basic_auth_users['prometheus'] as string;
    const dest = join(work, 'exporter-web.yml');
    await renderTemplates(await inventory(), { ...vars, chatops_tls_dir: tlsDir }, [
      {
        src: 'prometheus/web-config.yml.j2',
        dest,
        vars: { web_config_service: 'prometheus', web_config_username: 'exporter', web_config_password: 'not-used-here', web_config_password_bcrypt: hash },
      },
    ]);
    const text = await readFile(dest, 'utf8');
    expect(text).not.toContain('not-used-here');
    expect((parse(text) as { basic_auth_users: Record<string, string> }).basic_auth_users).toEqual({ exporter: hash });
    const check = await runCommand('promtool', ['check', 'web-config', dest]);
    expect(check.code, check.stderr + check.stdout).toBe(0);
  });

  it('passes promtool check rules', async () => {
    const files = (await readdir(join(repoRoot, 'prometheus/rules'))).map((f) => join('prometheus/rules', f));
    const result = await runCommand('promtool', ['check', 'rules', ...files]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
  });

  it('passes the promtool rule unit tests', async () => {
    const files = (await readdir(join(repoRoot, 'prometheus/tests'))).map((f) => join('prometheus/tests', f));
    const result = await runCommand('promtool', ['test', 'rules', ...files]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
  });

  it('has unit tests that fail when any alert expression stops firing or always fires', async () => {
    const mutants = await mkdtemp(join(tmpdir(), 'chatops-rule-mutants-'));
    try {
      await mkdir(join(mutants, 'rules'));
      await mkdir(join(mutants, 'tests'));
      for (const file of await readdir(join(repoRoot, 'prometheus/tests'))) {
        await copyFile(join(repoRoot, 'prometheus/tests', file), join(mutants, 'tests', file));
      }
      const ruleFiles = await readdir(join(repoRoot, 'prometheus/rules'));
      const testFiles = ruleFiles.map((f) => join('tests', f.replace(/\.yml$/, '_test.yml')));
      // Control: the unmutated copy passes, so a failing mutant fails because of its mutation.
      for (const file of ruleFiles) await copyFile(join(repoRoot, 'prometheus/rules', file), join(mutants, 'rules', file));
      const control = await runCommand('promtool', ['test', 'rules', ...testFiles], { cwd: mutants });
      expect(control.code, control.stderr + control.stdout).toBe(0);
      // Each mutant gets its own folder with its rule file changed, and runs only that file's tests.
      const jobs: { name: string; ruleFile: string; source: string }[] = [];
      for (const ruleFile of ruleFiles) {
        const original = parse(await readFile(join(repoRoot, 'prometheus/rules', ruleFile), 'utf8')) as RuleFile;
        const alerts = original.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter((a): a is string => Boolean(a));
        for (const alert of alerts) {
          for (const [kind, expr] of [
            ['never fires', 'vector(1) == 0'],
            ['fires for anything', `(${'{__name__=~".+"}'}) * 0 + 1`],
          ] as const) {
            const copy = structuredClone(original);
            for (const group of copy.groups) for (const rule of group.rules) if (rule.alert === alert) rule.expr = expr;
            jobs.push({ name: `${alert} (${kind})`, ruleFile, source: stringify(copy) });
          }
        }
      }
      const survivors: string[] = [];
      const runMutant = async (job: (typeof jobs)[number], index: number): Promise<void> => {
        const dir = join(mutants, `m${index}`);
        await mkdir(join(dir, 'rules'), { recursive: true });
        await mkdir(join(dir, 'tests'));
        const testFile = job.ruleFile.replace(/\.yml$/, '_test.yml');
        await copyFile(join(repoRoot, 'prometheus/tests', testFile), join(dir, 'tests', testFile));
        await writeFile(join(dir, 'rules', job.ruleFile), job.source);
        const result = await runCommand('promtool', ['test', 'rules', join('tests', testFile)], { cwd: dir });
        if (result.code === 0) survivors.push(job.name);
      };
      for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2).map((job, j) => runMutant(job, i + j)));
      const mutated = jobs.length;
      expect(mutated).toBeGreaterThanOrEqual(2 * 16);
      expect(survivors).toEqual([]);
    } finally {
      await rm(mutants, { recursive: true, force: true });
    }
  });

  it('gives every alert a severity, summary, description and a runbook section that exists', async () => {
    const runbooks = await readFile(join(repoRoot, 'docs/runbooks.md'), 'utf8');
    const anchors = new Set(
      [...runbooks.matchAll(/^#+ (.+)$/gm)].map((m) =>
        (m[1] ?? '')
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const file of await readdir(join(repoRoot, 'prometheus/rules'))) {
      const rules = parse(await readFile(join(repoRoot, 'prometheus/rules', file), 'utf8')) as {
        groups: { rules: { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
      };
      for (const rule of rules.groups.flatMap((g) => g.rules)) {
        expect(['warning', 'critical'], rule.alert).toContain(rule.labels.severity);
        expect(rule.annotations.summary, rule.alert).toBeTruthy();
        expect(rule.annotations.description, rule.alert).toBeTruthy();
        const anchor = rule.annotations.runbook_url?.split('#')[1] ?? '';
        expect(anchors.has(anchor), `${rule.alert}: runbook anchor #${anchor} in docs/runbooks.md`).toBe(true);
      }
    }
  });

  it('renders an Alertmanager config that amtool check-config accepts, templates included', async () => {
    const result = await runCommand('amtool', ['check-config', join(work, 'alertmanager.yml')]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    // slack, slack-and-mail (the fallback), mail, chatops (the app's default channel), chatops-C0PAYMENTS
    expect(result.stdout).toContain(' - 6 receivers');
    expect(result.stdout).toContain(' - 4 inhibit rules');
    expect(result.stdout).toMatch(/ - 1 templates\n\s+SUCCESS/);
  });

  it("routes alerts to the app's webhook per channel, mails critical ones, and sends the app's own outages to Slack directly", async () => {
    const route = async (...labels: string[]): Promise<string> => {
      const result = await runCommand('amtool', ['config', 'routes', 'test', '--config.file', join(work, 'alertmanager.yml'), ...labels]);
      expect(result.code, result.stderr).toBe(0);
      return result.stdout.trim();
    };
    expect(await route('alertname=ChatOpsAllReplicasDown', 'severity=critical')).toBe('slack-and-mail');
    expect(await route('alertname=ChatOpsAlertDeliveryFailing', 'severity=critical')).toBe('slack-and-mail');
    expect(await route('alertname=ChatOpsReplicaDown', 'severity=warning')).toBe('chatops');
    expect(await route('alertname=HAProxyBackendDown', 'severity=critical')).toBe('mail,chatops');
    expect(await route('alertname=DiskFillingUp', 'severity=warning', 'team=payments')).toBe('chatops-C0PAYMENTS');
    expect(await route('alertname=ChatOpsReviewSloBreached', 'severity=warning', 'team=acme/backend')).toBe('chatops-C0BACKEND');
    expect(await route('alertname=ChatOpsReviewSloBreached', 'severity=warning', 'team=acme/frontend')).toBe('chatops');
    const config = parse(await readFile(join(work, 'alertmanager.yml'), 'utf8')) as {
      receivers: {
        name: string;
        slack_configs?: { send_resolved: boolean; api_url: string }[];
        email_configs?: { send_resolved: boolean; to: string }[];
        webhook_configs?: { url: string; send_resolved: boolean; http_config: Record<string, unknown> }[];
      }[];
    };
    const both = config.receivers.find((r) => r.name === 'slack-and-mail');
    expect(both?.slack_configs?.[0]).toMatchObject({ send_resolved: true, api_url: vars.alertmanager_slack_api_url });
    expect(both?.email_configs?.[0]).toMatchObject({ send_resolved: true, to: 'oncall@example.test' });
    const webhooks = config.receivers.filter((r) => r.webhook_configs).map((r) => [r.name, r.webhook_configs?.[0]?.url]);
    expect(webhooks).toEqual([
      ['chatops', 'https://chatops.lab.chatops.test/alertmanager/webhook'],
      ['chatops-C0PAYMENTS', 'https://chatops.lab.chatops.test/alertmanager/webhook?channel=C0PAYMENTS'],
      ['chatops-C0BACKEND', 'https://chatops.lab.chatops.test/alertmanager/webhook?channel=C0BACKEND'],
    ]);
    expect(config.receivers.find((r) => r.name === 'chatops')?.webhook_configs?.[0]).toEqual({
      url: 'https://chatops.lab.chatops.test/alertmanager/webhook',
      send_resolved: true,
      http_config: {
        authorization: { type: 'Bearer', credentials_file: '/etc/prometheus/chatops-webhook-token' },
        tls_config: { ca_file: join(tlsDir, 'ca.crt') },
      },
    });
  });

  it('sends every alert to Slack when the inventory has no app webhook', async () => {
    await renderTemplates(await inventory(), { ...vars, chatops_tls_dir: tlsDir, alertmanager_chatops_webhook_enabled: false }, [
      { src: 'prometheus/alertmanager.yml.j2', dest: join(work, 'alertmanager-no-app.yml') },
    ]);
    const check = await runCommand('amtool', ['check-config', join(work, 'alertmanager-no-app.yml')]);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(check.stdout).toContain(' - 2 receivers');
    const routed = await runCommand('amtool', [
      'config',
      'routes',
      'test',
      '--config.file',
      join(work, 'alertmanager-no-app.yml'),
      'alertname=ChatOpsReplicaDown',
      'severity=warning',
    ]);
    expect(routed.stdout.trim()).toBe('slack');
  });
});
