// Review health end to end, all real processes: `chatops serve` reads the GitHub fake for two
// team digests every few seconds, and Prometheus (rendered from our template, HTTPS and basic
// auth) scrapes it and evaluates prometheus/rules/review-health.yml (its `for:` shortened). PRs
// get reviewed and merged in the fake between reads; then every query of the "Review health"
// dashboard must return series, and ChatOpsReviewSloBreached fires with each team's channel.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildDashboards } from '../../grafana/src/index.ts';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.ts';
import { dashboardQueries, substituteVariables } from '../support/dashboards.ts';
import { createTestCertificates, type TestCertificates } from '../support/test-certificates.ts';
import {
  freePort,
  makeTlsDir,
  monitoringCredentials,
  prometheusPairTemplates,
  renderTemplates,
  repoRoot,
  startDaemon,
  tlsClient,
  waitFor,
  type Daemon,
} from '../support/monitoring.ts';
import { serveChatops, writeSettings, type ServingChatops } from './app/process.ts';
import { sandboxConfig, sandboxSecrets } from './app/settings.ts';

type Sample = { metric: Record<string, string>; value: [number, string] };

describe('review health from a real chatops serve, scraped by a real Prometheus', () => {
  let certificates: TestCertificates;
  let sandbox: Sandbox;
  let work: string;
  let prometheus: Daemon | undefined;
  let app: ServingChatops | undefined;
  let settings: ReturnType<typeof writeSettings> | undefined;
  const ports = { prometheus: 0, app: 0 };
  const vars = {
    ...monitoringCredentials('Rv3dEfGhIjKlMnOpQrStUv'),
    prometheus_scrape_interval: '1s',
    prometheus_scrape_timeout: '1s',
    prometheus_evaluation_interval: '1s',
    prometheus_skip_services: ['haproxy', 'node', 'systemd', 'cadvisor', 'elasticsearch', 'blackbox'],
  };

  const query = async (promql: string): Promise<Sample[]> => {
    const client = tlsClient(certificates.ca, { username: vars.prometheus_web_username, password: vars.prometheus_web_password });
    try {
      const response = await client.get(`https://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (response.status !== 200) throw new Error(`query ${promql}: HTTP ${response.status} ${response.body}`);
      return (JSON.parse(response.body) as { data: { result: Sample[] } }).data.result;
    } finally {
      await client.close();
    }
  };
  const valueOf = async (promql: string): Promise<number | undefined> => {
    const [sample] = await query(promql);
    return sample ? Number(sample.value[1]) : undefined;
  };
  const waitForValue = (promql: string, wanted: number): Promise<number> =>
    waitFor(`${promql} = ${wanted}`, async () => ((await valueOf(promql)) === wanted ? wanted : undefined), 45_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nprometheus:\n${prometheus?.output()}\napp:\n${app?.stdout.slice(-4000)}`);
    });

  beforeAll(async () => {
    certificates = await createTestCertificates();
    const tlsDir = await makeTlsDir(certificates, ['prometheus', 'alertmanager']);
    sandbox = await startSandbox({ host: '127.0.0.1', tls: { cert: certificates.cert, key: certificates.key } });
    work = await mkdtemp(join(tmpdir(), 'chatops-review-health-'));
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();

    // The rule as shipped, with its `for:` shortened to fit a test.
    await mkdir(join(work, 'rules'));
    const rules = parse(await readFile(join(repoRoot, 'prometheus/rules/review-health.yml'), 'utf8')) as { groups: { rules: { for?: string }[] }[] };
    for (const rule of rules.groups.flatMap((g) => g.rules)) if (rule.for) rule.for = '1s';
    await writeFile(join(work, 'rules', 'review-health.yml'), stringify(rules));

    const inventory = stringify({
      all: {
        children: {
          app: { hosts: { app1: { ansible_host: '127.0.0.1', chatops_replicas: 1, chatops_base_port: ports.app - 1 } } },
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
        prometheus_rules_dir: join(work, 'rules'),
        alertmanager_templates_dir: join(repoRoot, 'prometheus/templates'),
        alertmanager_slack_api_url: 'https://127.0.0.1:1/services/T0/B0/none',
      },
      prometheusPairTemplates(work),
    );

    const team = (slug: string, channel: string, filters: Record<string, unknown> = {}) => ({
      name: slug,
      channel,
      cron: '*/3 * * * * *',
      timezone: 'UTC',
      kind: 'digest',
      team: `acme/${slug}`,
      filters,
    });
    const config = sandboxConfig(sandbox, {
      server: { host: '127.0.0.1', port: ports.app, tls: { cert: certificates.certFile, key: certificates.keyFile }, shutdownTimeoutMs: 5_000 },
      github: { baseUrl: sandbox.describe().github.url, repositories: ['acme/*'], caFile: certificates.caFile },
      slack: { apiUrl: sandbox.describe().slack.apiUrl, caFile: certificates.caFile },
      schedules: [team('backend', 'C0BACKEND', { reviewSloHours: 8 }), team('frontend', 'C0FRONTEND')],
      metrics: { reviewHealthTopRepositories: 2 },
    });
    settings = writeSettings(config, { ...sandboxSecrets, metrics: { username: vars.chatops_metrics_username, password: vars.chatops_metrics_password } });
    app = (await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath])).app;
    prometheus = startDaemon('prometheus', [
      `--config.file=${join(work, 'prometheus.yml')}`,
      `--web.config.file=${join(work, 'prometheus-web.yml')}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      `--storage.tsdb.path=${join(work, 'prometheus-data')}`,
    ]);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await app?.kill();
    settings?.remove();
    await sandbox?.close();
    await certificates?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('exports open PRs per repository (the top 2, the rest as other) and per team', async () => {
    await app?.waitFor((line) => line.message === 'reminder cycle finished', 30_000);
    // acme/api has 4 open PRs, acme/infra and acme/web 3 each: infra wins the tie by name; web folds into other.
    await waitForValue('sum(chatops_review_open_pull_requests{team=""})', 10);
    const repositories = await query('sum by (repository) (chatops_review_open_pull_requests{team=""})');
    expect(Object.fromEntries(repositories.map((s) => [s.metric.repository, Number(s.value[1])]))).toEqual({ 'acme/api': 4, 'acme/infra': 3, other: 3 });
    const teams = await query('sum by (team) (chatops_review_open_pull_requests{team!=""})');
    expect(teams.map((s) => s.metric.team).sort()).toEqual(['acme/backend', 'acme/frontend']);
  });

  it('times first reviews and merges between reads, then answers every Review-health panel query with series', async () => {
    const github = sandbox.github;
    github.addReview('acme/api', 101, { user: 'bob', state: 'APPROVED' });
    github.closePullRequest('acme/infra', 9, { merged: true });
    await waitForValue('sum(chatops_review_time_to_merge_seconds_count{team=""})', 1);
    await waitForValue('sum(chatops_review_time_to_first_review_seconds_count{team=""})', 1);
    // Once Prometheus has the series, a second review and merge of the same repositories make increase() move.
    github.addReview('acme/api', 103, { user: 'dave', state: 'COMMENTED' });
    github.closePullRequest('acme/infra', 7, { merged: true });
    github.closePullRequest('acme/web', 52);
    await waitForValue('sum(chatops_review_time_to_merge_seconds_count{team=""})', 2);
    await waitForValue('sum(chatops_review_time_to_first_review_seconds_count{team=""})', 2);
    // infra#9 was opened 12 hours before its merge, infra#7 9 days: both land in their buckets.
    expect(await valueOf('sum(chatops_review_time_to_merge_seconds_bucket{team="", le="86400"})')).toBe(1);
    expect(await valueOf('sum(chatops_review_time_to_merge_seconds_bucket{team="", le="1209600"})')).toBe(2);

    const queries = dashboardQueries(buildDashboards()['review-health.json'] as never);
    expect(queries.length).toBeGreaterThan(15);
    const empty: string[] = [];
    for (const q of queries) {
      const result = await query(substituteVariables(q.expr));
      if (result.length === 0) empty.push(`${q.panel}: ${q.expr}`);
    }
    expect(empty).toEqual([]);
    const merges = await valueOf(substituteVariables('sum(increase(chatops_review_time_to_merge_seconds_count{team=""}[$__range]))'));
    expect(merges).toBeGreaterThan(0);
  });

  it('fires ChatOpsReviewSloBreached per team with the channel of its digest', async () => {
    const alerts = await waitFor(
      'both teams alerting',
      async () => {
        const result = await query('ALERTS{alertname="ChatOpsReviewSloBreached", alertstate="firing"}');
        return result.length === 2 ? result : undefined;
      },
      30_000,
    );
    expect(alerts.map((a) => `${a.metric.team} ${a.metric.channel} ${a.metric.severity}`).sort()).toEqual([
      'acme/backend C0BACKEND warning',
      'acme/frontend C0FRONTEND warning',
    ]);
  });
});
