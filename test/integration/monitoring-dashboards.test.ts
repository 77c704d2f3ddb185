// Every PromQL expression of every generated dashboard runs against a real Prometheus (HTTP
// API /api/v1/query, template variables substituted as Grafana would): it must parse and
// execute. Prometheus is rendered from our template and scrapes real exporters over TLS with
// basic auth — node_exporter, HAProxy's built-in exporter, the blackbox exporter, Alertmanager
// and itself — so the metric names the dashboards use for them are checked against real ones.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildDashboards } from '../../grafana/src/index.ts';
import { dashboardQueries, metricNames, substituteVariables } from '../support/dashboards.ts';
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
} from '../support/monitoring.ts';

interface QueryResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

describe('dashboard queries against a real Prometheus', () => {
  let certificates: TestCertificates;
  let work: string;
  const daemons: Daemon[] = [];
  const ports = { prometheus: 0, alertmanager: 0, node: 0, blackbox: 0, haproxy: 0 };
  const vars = {
    ...monitoringCredentials('Qw3dEfGhIjKlMnOpQrStUv'),
    alertmanager_slack_api_url: 'https://127.0.0.1:1/services/T0/B0/none',
    prometheus_scrape_interval: '1s',
    prometheus_scrape_timeout: '1s',
    prometheus_evaluation_interval: '1s',
    // No systemd, cAdvisor or Elasticsearch exporter runs on this machine.
    prometheus_skip_services: ['systemd', 'systemd_exporter', 'cadvisor', 'elasticsearch', 'elasticsearch_exporter', 'grafana', 'kibana', 'logstash'],
  };

  const prometheusClient = () => tlsClient(certificates.ca, { username: vars.prometheus_web_username, password: vars.prometheus_web_password });
  const query = async (promql: string): Promise<QueryResponse> => {
    const client = prometheusClient();
    try {
      const response = await client.get(`https://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
      return JSON.parse(response.body) as QueryResponse;
    } finally {
      await client.close();
    }
  };
  const outputs = (): string => daemons.map((d) => d.output()).join('\n----\n');

  beforeAll(async () => {
    certificates = await createTestCertificates();
    const tlsDir = await makeTlsDir(certificates, ['prometheus', 'alertmanager', 'node_exporter', 'blackbox_exporter']);
    work = await mkdtemp(join(tmpdir(), 'chatops-dashboards-'));
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();

    const inventory = stringify({
      all: { children: { lb: { hosts: { lb1: { ansible_host: '127.0.0.1' } } }, monitoring: { hosts: { mon1: { ansible_host: '127.0.0.1' } } } } },
    });
    const exporterAuth = { web_config_username: vars.chatops_exporter_username, web_config_password: vars.chatops_exporter_password };
    await renderTemplates(
      inventory,
      {
        ...vars,
        chatops_tls_dir: tlsDir,
        prometheus_port: ports.prometheus,
        alertmanager_port: ports.alertmanager,
        node_exporter_port: ports.node,
        blackbox_exporter_port: ports.blackbox,
        haproxy_exporter_port: ports.haproxy,
        haproxy_https_port: ports.haproxy,
        prometheus_rules_dir: join(repoRoot, 'prometheus/rules'),
        alertmanager_templates_dir: join(repoRoot, 'prometheus/templates'),
      },
      [
        ...prometheusPairTemplates(work),
        { src: 'prometheus/web-config.yml.j2', dest: join(work, 'node-web.yml'), vars: { web_config_service: 'node_exporter', ...exporterAuth } },
        { src: 'prometheus/web-config.yml.j2', dest: join(work, 'blackbox-web.yml'), vars: { web_config_service: 'blackbox_exporter', ...exporterAuth } },
      ],
    );

    // The shipped blackbox modules, pointed at this test's CA.
    const blackbox = parse(await readFile(join(repoRoot, 'prometheus/blackbox.yml'), 'utf8')) as {
      modules: Record<string, { tcp?: { tls_config?: { ca_file?: string } } }>;
    };
    for (const module of Object.values(blackbox.modules)) if (module.tcp?.tls_config) module.tcp.tls_config.ca_file = join(tlsDir, 'ca.crt');
    await writeFile(join(work, 'blackbox.yml'), stringify(blackbox));

    // HAProxy's built-in exporter behind TLS and basic auth, and a backend whose server is down.
    await writeFile(join(work, 'haproxy.pem'), `${certificates.cert}${certificates.key}`, { mode: 0o600 });
    await writeFile(
      join(work, 'haproxy.cfg'),
      [
        'global',
        '  log stderr format raw local0',
        'userlist exporters',
        `  user ${vars.chatops_exporter_username} insecure-password ${vars.chatops_exporter_password}`,
        'defaults',
        '  mode http',
        '  timeout connect 1s',
        '  timeout client 5s',
        '  timeout server 5s',
        'frontend metrics',
        `  bind 127.0.0.1:${ports.haproxy} ssl crt ${join(work, 'haproxy.pem')}`,
        '  http-request auth realm metrics unless { http_auth(exporters) }',
        '  http-request use-service prometheus-exporter if { path /metrics }',
        '  default_backend chatops',
        'backend chatops',
        '  server app1 127.0.0.1:1 check inter 1s',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );

    daemons.push(startDaemon('haproxy', ['-f', join(work, 'haproxy.cfg'), '-db']));
    daemons.push(
      startDaemon('prometheus-node-exporter', [
        `--web.listen-address=127.0.0.1:${ports.node}`,
        `--web.config.file=${join(work, 'node-web.yml')}`,
        '--no-collector.systemd',
      ]),
    );
    daemons.push(
      startDaemon('prometheus-blackbox-exporter', [
        `--web.listen-address=127.0.0.1:${ports.blackbox}`,
        `--web.config.file=${join(work, 'blackbox-web.yml')}`,
        `--config.file=${join(work, 'blackbox.yml')}`,
      ]),
    );
    daemons.push(
      startDaemon('prometheus-alertmanager', [
        `--config.file=${join(work, 'alertmanager.yml')}`,
        `--web.config.file=${join(work, 'alertmanager-web.yml')}`,
        `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
        `--storage.path=${join(work, 'alertmanager-data')}`,
        '--cluster.listen-address=',
      ]),
    );
    daemons.push(
      startDaemon('prometheus', [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--web.config.file=${join(work, 'prometheus-web.yml')}`,
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
        `--storage.tsdb.path=${join(work, 'prometheus-data')}`,
      ]),
    );

    // Every scrape target up: each exporter answered over TLS with the password.
    await waitFor(
      'every scrape target up',
      async () => {
        const up = await query('up');
        const samples = (up.data?.result ?? []) as { metric: { job: string }; value: [number, string] }[];
        const jobs = new Set(samples.filter((s) => s.value[1] === '1').map((s) => s.metric.job));
        return ['prometheus', 'alertmanager', 'haproxy', 'node', 'blackbox', 'tls'].every((j) => jobs.has(j)) && samples.every((s) => s.value[1] === '1')
          ? true
          : undefined;
      },
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${outputs()}`);
    });
  });

  afterAll(async () => {
    for (const daemon of daemons.reverse()) await daemon.stop();
    if (work) await rm(work, { recursive: true, force: true });
    await certificates?.remove();
  });

  const queries = Object.values(buildDashboards()).flatMap((d) => dashboardQueries(d as never));

  it('finds the queries of every dashboard', () => {
    expect(new Set(queries.map((q) => q.dashboard))).toEqual(
      new Set(['ChatOps app', 'HAProxy', 'Nodes and systemd units', 'Containers (cAdvisor)', 'Alerts overview', 'Review health']),
    );
    expect(queries.length).toBeGreaterThan(40);
  });

  it('parses and executes every dashboard query', async () => {
    const failures: string[] = [];
    for (const q of queries) {
      const response = await query(substituteVariables(q.expr));
      if (response.status !== 'success') failures.push(`${q.dashboard} / ${q.panel}: ${response.error ?? 'no status'}\n  ${q.expr}`);
    }
    expect(failures).toEqual([]);
  });

  it('uses only metric names the real exporters expose (node, HAProxy, blackbox, Alertmanager, Prometheus), in dashboards and rules', async () => {
    const client = prometheusClient();
    let names: Set<string>;
    try {
      const response = await client.get(`https://127.0.0.1:${ports.prometheus}/api/v1/label/__name__/values`);
      names = new Set((JSON.parse(response.body) as { data: string[] }).data);
    } finally {
      await client.close();
    }
    // The dashboards' queries and the alert rules' expressions alike.
    const rules: { where: string; expr: string }[] = [];
    for (const file of await readdir(join(repoRoot, 'prometheus/rules'))) {
      const parsed = parse(await readFile(join(repoRoot, 'prometheus/rules', file), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
      rules.push(...parsed.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert}`, expr: r.expr }))));
    }
    const checked = [...queries.map((q) => ({ where: `${q.dashboard} / ${q.panel}`, expr: q.expr })), ...rules]
      .flatMap((q) => metricNames(q.expr).map((name) => ({ name, where: q.where })))
      .filter(({ name }) => /^(node|haproxy|probe|alertmanager|prometheus)_/.test(name) || name === 'up');
    expect(checked.filter(({ where }) => where.startsWith('rule ')).map(({ name }) => name)).toEqual(
      expect.arrayContaining([
        'up',
        'haproxy_backend_active_servers',
        'probe_ssl_earliest_cert_expiry',
        'probe_success',
        'node_filesystem_avail_bytes',
        'node_filesystem_readonly',
      ]),
    );
    expect(checked.length).toBeGreaterThan(20);
    expect(checked.filter(({ name }) => !names.has(name))).toEqual([]);
  });

  it('measures certificate expiry of the probed TLS endpoints', async () => {
    const expiry = await query('probe_ssl_earliest_cert_expiry{job="tls", service="prometheus"} - time()');
    const samples = (expiry.data?.result ?? []) as { value: [number, string] }[];
    expect(samples).toHaveLength(1);
    // The test leaf is valid for 2 days: the expiry alert's 14-day threshold is crossed.
    expect(Number(samples[0]?.value[1])).toBeGreaterThan(86_400);
    expect(Number(samples[0]?.value[1])).toBeLessThan(2 * 86_400 + 60);
    const alert = await waitFor(
      'CertificateExpiringSoon firing',
      async () => {
        const alerts = await query('ALERTS{alertname="CertificateExpiringSoon", alertstate="firing", service="prometheus"}');
        return (alerts.data?.result.length ?? 0) > 0 ? alerts : undefined;
      },
      20_000,
    );
    expect(alert.data?.result).toHaveLength(1);
  });
});
