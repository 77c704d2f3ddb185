// Every configuration the roles write, rendered from the lab inventory on the controller and checked by
// the strongest tool this machine has (ansible/tests/render-configs.yml): haproxy -c, promtool,
// amtool, blackbox --config.check, the app's own check-config, systemd-analyze verify, and parsers
// plus structure checks for Grafana, Kibana, Logstash and Filebeat, which cannot run here.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../../..');
const ANSIBLE = path.join(REPO, 'ansible');
const env = { ...process.env, ANSIBLE_CONFIG: path.join(ANSIBLE, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1' };
const LEAVES = [
  'haproxy', 'chatops', 'prometheus', 'alertmanager', 'grafana', 'blackbox_exporter', 'elasticsearch', 'kibana',
  'logstash', 'node_exporter', 'systemd_exporter', 'filebeat', 'cadvisor',
];
// Secrets as extra vars, so the lab inventory's generated-secret lookups never run in tests.
const SECRETS = {
  chatops_bcrypt_salt: 'abcdefghijklmnopqrstuv',
  prometheus_web_password: 'prometheus-test-password',
  alertmanager_web_password: 'alertmanager-test-password',
  chatops_metrics_password: 'metrics-test-password',
  chatops_exporter_password: 'exporter-test-password',
  haproxy_stats_password: 'stats-test-password',
  grafana_admin_password: 'grafana-test-password',
  chatops_github_token: 'ghp_testTokenForRenderChecks000000000000',
  chatops_slack_bot_token: 'xoxb-0000-render-check',
  chatops_slack_signing_secret: 'render-check-signing-secret',
  chatops_github_webhook_secret: 'render-check-webhook-secret',
  chatops_alertmanager_webhook_token: 'render-check-alertmanager-webhook-token',
  alertmanager_slack_api_url: 'https://10.77.0.1:9444/services/T0/B0/render',
};

let certs: TestCertificates;
let tlsDir: string;
let outDir: string;
let secretsFile: string;

// `limit`: only these inventory hosts (ansible-playbook -l), for checks that one host shows.
async function render(tags: string, extra: Record<string, unknown> = {}, limit?: string): Promise<{ code: number; out: string }> {
  const extraFile = path.join(outDir, `extra-${tags}-${Object.keys(extra).length}.json`);
  await writeFile(extraFile, JSON.stringify(extra), { mode: 0o600 });
  const args = [
    '-i', 'inventories/lab', 'tests/render-configs.yml', '--tags', tags,
    '-e', `render_dir=${outDir}`, '-e', `render_tls_dir=${tlsDir}`, '-e', `@${secretsFile}`, '-e', `@${extraFile}`,
    // The test's own CA, not certs/generated (absent on a clean checkout before `chatops certs`).
    '-e', `chatops_certs_dir=${tlsDir}`,
    // keepalived -t wants an interface this machine has.
    '-e', `render_keepalived_interface=${controllerInterface()}`,
    ...(limit ? ['--limit', limit] : []),
  ];
  try {
    const { stdout, stderr } = await run('ansible-playbook', args, { cwd: ANSIBLE, env, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function controllerInterface(): string {
  const name = Object.entries(networkInterfaces()).find(([, addrs]) => addrs?.some((a) => !a.internal))?.[0];
  if (!name) throw new Error('keepalived -t needs a non-loopback interface on this machine');
  return name;
}

function failedTasks(out: string): string[] {
  return out.split('\n').filter((line) => /^fatal:|FAILED!/.test(line));
}

beforeAll(async () => {
  certs = await createTestCertificates(['localhost', '127.0.0.1']);
  tlsDir = path.join(certs.dir, 'tls');
  await mkdir(tlsDir, { mode: 0o700 });
  await copyFile(certs.caFile, path.join(tlsDir, 'ca.crt'));
  for (const leaf of LEAVES) {
    await copyFile(certs.certFile, path.join(tlsDir, `${leaf}.crt`));
    await writeFile(path.join(tlsDir, `${leaf}.key`), certs.key, { mode: 0o600 });
  }
  for (const pem of ['haproxy', 'elasticsearch', 'cadvisor']) {
    await writeFile(path.join(tlsDir, `${pem}.pem`), `${certs.cert}${certs.key}`, { mode: 0o600 });
  }
  outDir = await mkdtemp(path.join(tmpdir(), 'chatops-render-'));
  secretsFile = path.join(outDir, 'secrets.json');
  await writeFile(secretsFile, JSON.stringify(SECRETS), { mode: 0o600 });
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  await certs.remove();
});

describe('rendered configurations pass their checkers', () => {
  for (const tags of ['haproxy', 'keepalived', 'prometheus', 'alertmanager', 'exporters', 'elasticsearch', 'cadvisor', 'kibana', 'grafana', 'logstash', 'filebeat']) {
    it(`renders and checks ${tags}`, async () => {
      const { code, out } = await render(tags);
      expect(failedTasks(out)).toEqual([]);
      expect(code, out.slice(-3000)).toBe(0);
    });
  }

  it('renders each replica config and the app accepts it (check-config on the production bundle)', async () => {
    // The role copies the bundle `npm run build` makes; the check runs that same bundle.
    if (!existsSync(path.join(REPO, 'dist/chatops.mjs'))) {
      await run('npm', ['run', 'build'], { cwd: REPO, env: process.env });
    }
    const { code, out } = await render('chatops');
    expect(failedTasks(out)).toEqual([]);
    expect(code, out.slice(-3000)).toBe(0);
    const primaries = [];
    for (const host of ['app1', 'app2']) {
      for (const n of [1, 2]) {
        const config = await readFile(path.join(outDir, host, 'chatops', `replica-${n}.yml`), 'utf8');
        expect(config).toContain(`port: ${8440 + n}`);
        if (/primary: true/.test(config)) primaries.push(`${host}-${n}`);
      }
    }
    expect(primaries).toEqual(['app1-1']);
    const unit = await readFile(path.join(outDir, 'app1', 'chatops', 'chatops@.service'), 'utf8');
    for (const line of ['NoNewPrivileges=true', 'ProtectSystem=strict', 'PrivateTmp=true', 'ProtectHome=true',
      'CapabilityBoundingSet=\n', 'SystemCallFilter=@system-service', 'Restart=on-failure', 'User=chatops']) {
      expect(unit).toContain(line);
    }
    // Two malloc arenas, not one per allocating thread, and fixed malloc thresholds (docs/app.md "Memory").
    expect(unit).toMatch(/^Environment=MALLOC_ARENA_MAX=2$/m);
    expect(unit).toMatch(/^Environment=MALLOC_MMAP_THRESHOLD_=131072$/m);
    expect(unit).toMatch(/^Environment=MALLOC_TRIM_THRESHOLD_=131072$/m);
    // V8's heap limits, and no optimizing compilers: the interpreter, Sparkplug and Liftoff only (docs/app.md "Memory").
    expect(unit).toMatch(/^ExecStart=\S+ --max-old-space-size=64 --max-semi-space-size=1 --v8-pool-size=2 --no-opt --no-maglev --no-wasm-tier-up \/opt\/chatops\/chatops\.mjs serve /m);
    const secrets = await readFile(path.join(outDir, 'app1', 'chatops', 'secrets.yml'), 'utf8');
    expect(secrets).toContain('metrics:');
    // Alerts through the app: the lab's channel and operators, the Alertmanager cluster through HAProxy with our CA, the same token as Alertmanager's.
    const config = await readFile(path.join(outDir, 'app1', 'chatops', 'replica-1.yml'), 'utf8');
    // Every Elasticsearch node of the logging group, each the TLS proxy's address and port.
    expect(config).toMatch(
      /^elasticsearch:\n {2}node:\n {2}- https:\/\/10\.77\.0\.31:9200\n {2}- https:\/\/10\.77\.0\.32:9200\n {2}- https:\/\/10\.77\.0\.33:9200\n/m,
    );
    expect(config).toMatch(/^alerts:\n {2}defaultChannel: C0ALERTS\n {2}operators:\n {2}- U0ALICE\n {2}- U0BOB\n {2}alertmanagerUrl: https:\/\/alertmanager\.lab\.chatops\.test\/\n/m);
    expect(secrets).toContain(`alertmanagerWebhookToken: "${SECRETS.chatops_alertmanager_webhook_token}"`);
    expect(secrets).toContain(`password: "${SECRETS.alertmanager_web_password}"`);
  });

  it('renders a GitHub App instead of a token: the key in a 0600 file, secrets.yml naming it, and the app accepts them', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const { code, out } = await render('chatops', {
      chatops_github_token: '',
      chatops_github_app: { app_id: 123456, installation_id: 7890123, private_key: privateKey },
    });
    expect(failedTasks(out)).toEqual([]);
    expect(code, out.slice(-3000)).toBe(0);
    const dir = path.join(outDir, 'app1', 'chatops');
    const keyFile = path.join(dir, 'github-app.pem');
    const secrets = await readFile(path.join(dir, 'secrets.yml'), 'utf8');
    expect(secrets).toContain(`githubApp:\n  appId: 123456\n  installationId: 7890123\n  privateKeyFile: "${keyFile}"\n`);
    expect(secrets).not.toContain('githubToken');
    expect(secrets).not.toContain('PRIVATE KEY');
    expect(await readFile(keyFile, 'utf8')).toBe(privateKey);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    // The key never shows in Ansible's output.
    expect(out).not.toContain(privateKey.split('\n')[1]);
  }, 240_000);

  for (const [form, extra, message] of [
    ['both', { chatops_github_app: { app_id: 1, installation_id: 2, private_key: '-----BEGIN RSA PRIVATE KEY-----' } }, 'Both chatops_github_token and chatops_github_app are set'],
    ['neither', { chatops_github_token: '' }, 'Neither chatops_github_token nor chatops_github_app is set'],
  ] as const) {
    it(`refuses ${form} of chatops_github_token and chatops_github_app, naming the variables and the fix`, async () => {
      const { code, out } = await render('chatops', extra);
      expect(code).not.toBe(0);
      expect(out).toContain(message);
      expect(out).toContain('give exactly one in your vault');
    });
  }

  it('fails when the app rejects a replica config (an invalid schedule)', async () => {
    const { code, out } = await render('chatops', {
      chatops_schedules: [{ name: 'broken', channel: 'C0X', cron: 'not a cron', timezone: 'Nowhere/Nothing', kind: 'digest' }],
      render_show_output: true,
    });
    expect(code).not.toBe(0);
    expect(out).toMatch(/failed to validate/);
    expect(out).toMatch(/schedules/);
  });
});

// Each role checks its inputs in one assert (a rerun pays every task once per host): a run with several
// problems names all of them at once, and never a secret's value.
describe('the preflight checks of the roles every host runs', () => {
  it('name every problem of the exporters in one failure', async () => {
    const { code, out } = await render('exporters', {
      node_exporter_password: 'short-pw', node_exporter_enabled_collectors: ['systemd'], node_exporter_disabled_collectors: ['systemd'],
      systemd_exporter_binary_src: '/nonexistent/systemd_exporter',
    }, 'app1');
    expect(code).not.toBe(0);
    expect(out).toContain('in your vault, or node_exporter_username/node_exporter_password.');
    expect(out).toContain('node_exporter_enabled_collectors and node_exporter_disabled_collectors share a collector.');
    expect(out).not.toContain('short-pw');
  });

  it('name every problem of Filebeat in one failure', async () => {
    const { code, out } = await render('filebeat', {
      filebeat_logging_pipeline: 'carrier-pigeon', filebeat_elasticsearch_username: 'filebeat', filebeat_elasticsearch_password: '',
      filebeat_config_template: '/nonexistent/filebeat.yml.j2',
    }, 'app1');
    expect(code).not.toBe(0);
    expect(out).toContain("logging_pipeline must be logstash or direct (got 'carrier-pigeon')");
    expect(out).toContain('filebeat_elasticsearch_username is set; set filebeat_elasticsearch_password (vault) too.');
    expect(out).toContain('filebeat_config_template /nonexistent/filebeat.yml.j2 does not exist.');
  });
});

// The roles name no vendor host: a run that installs from a vendor's apt repository or downloads a vendor's
// binary needs the operator's mirror of it, and preflight says which variable is missing before anything changes.
describe("the vendor apt repositories and downloads come from the operator's mirror", () => {
  const KEY = 'https://mirror.example.internal/vendor/signing.key';
  // [tag, the variable left empty, what makes the role take apt, the way around it preflight names]
  for (const [tags, variable, extra, instead] of [
    ['elasticsearch', 'elasticsearch_apt_repository', { elasticsearch_install_method: 'apt', elasticsearch_apt_key_url: KEY }, 'or set elasticsearch_install_method to archive'],
    ['filebeat', 'filebeat_apt_repository', { filebeat_install_method: 'apt', filebeat_apt_key_url: KEY }, 'or set filebeat_install_method to controller_build'],
    ['chatops', 'chatops_node_apt_repository', { chatops_node_install_method: 'nodesource', chatops_node_apt_key_url: KEY }, 'or set chatops_node_install_method to controller_binary'],
    ['kibana', 'kibana_apt_repository', {}, 'or set kibana_enabled to false'],
    ['logstash', 'logstash_apt_repository', {}, 'or set logstash_enabled to false'],
    ['grafana', 'grafana_apt_repository', {}, 'or set grafana_enabled to false'],
  ] as const) {
    it(`refuses ${tags} with an empty ${variable}, naming it and the fix`, async () => {
      // Preflight runs on every host: one shows it.
      const { code, out } = await render(tags, { ...extra, [variable]: '' }, 'app1');
      expect(code).not.toBe(0);
      expect(out).toContain(`${variable} is empty: set it to`);
      expect(out).toContain(instead);
      // Only the repository is missing: the key URL passed.
      expect(out).not.toMatch(/_apt_key_url is empty/);
    });
  }

  it('refuses a key URL that is not http(s), quoting it', async () => {
    const { code, out } = await render('kibana', { kibana_apt_key_url: 'mirror.example.internal/elastic/GPG-KEY-elasticsearch' }, 'log1');
    expect(code).not.toBe(0);
    expect(out).toContain('kibana_apt_key_url must be an http(s) URL, got mirror.example.internal/elastic/GPG-KEY-elasticsearch: set it to');
  });

  it('takes a mirror for the apt install methods', async () => {
    const mirror = {
      elasticsearch_install_method: 'apt', elasticsearch_apt_repository: 'https://mirror.example.internal/elastic/', elasticsearch_apt_key_url: KEY,
      filebeat_install_method: 'apt', filebeat_apt_repository: 'http://mirror.example.internal/elastic', filebeat_apt_key_url: KEY,
    };
    // log1 runs both roles.
    const { code, out } = await render('elasticsearch,filebeat', mirror, 'log1');
    expect(failedTasks(out)).toEqual([]);
    expect(code, out.slice(-3000)).toBe(0);
  });

  // cAdvisor's release binary is one download, not an apt source: its whole URL on the mirror.
  const RELEASE = { cadvisor_install_method: 'release' };
  const FIX = /set it to the URL of the cAdvisor v[0-9.]+ linux-amd64 binary \(cadvisor-v[0-9.]+-linux-amd64\)\s+on your mirror, or set cadvisor_install_method to controller_build/;

  it('refuses the cadvisor release method with an empty cadvisor_download_url, naming it and the fix', async () => {
    const { code, out } = await render('cadvisor', RELEASE, 'app1');
    expect(code).not.toBe(0);
    expect(out).toContain('cadvisor_download_url is empty: set it to');
    expect(out).toMatch(FIX);
  });

  it('refuses a cadvisor_download_url that is not http(s), quoting it', async () => {
    const { code, out } = await render('cadvisor', { ...RELEASE, cadvisor_download_url: 'mirror.example.internal/cadvisor/cadvisor' }, 'app1');
    expect(code).not.toBe(0);
    expect(out).toContain('cadvisor_download_url must be an http(s) URL, got mirror.example.internal/cadvisor/cadvisor: set it to');
    expect(out).toMatch(FIX);
  });

  it('refuses a cadvisor_checksum that is not a sha256', async () => {
    const url = 'https://mirror.example.internal/cadvisor/cadvisor-linux-amd64';
    const { code, out } = await render('cadvisor', { ...RELEASE, cadvisor_download_url: url, cadvisor_checksum: 'sha256:abc' }, 'app1');
    expect(code).not.toBe(0);
    expect(out).toContain("cadvisor_checksum must be the binary's sha256 (64 lowercase hex digits) or empty, got 'sha256:abc'.");
  });

  it('takes a mirror and a sha256 for the cadvisor release method, and renders its TLS proxy', async () => {
    const url = 'https://mirror.example.internal/cadvisor/v0.49.1/cadvisor-v0.49.1-linux-amd64';
    const { code, out } = await render('cadvisor', { ...RELEASE, cadvisor_download_url: url, cadvisor_checksum: 'a1'.repeat(32) }, 'app1');
    expect(failedTasks(out)).toEqual([]);
    expect(code, out.slice(-3000)).toBe(0);
    // The release method's own output, which the lab's controller_build skips: checked by haproxy -c.
    expect(existsSync(path.join(outDir, 'app1', 'cadvisor', 'tls-proxy.cfg'))).toBe(true);
  });

  it('leaves the lab needing none: it installs nothing from a vendor apt repository or download', () => {
    const lab = parse(readFileSync(path.join(ANSIBLE, 'inventories/lab/group_vars/all/main.yml'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(lab).filter((name) => /_apt_(repository|key_url)$|_download_url$/.test(name))).toEqual([]);
    expect(lab).toMatchObject({
      elasticsearch_install_method: 'archive', filebeat_install_method: 'controller_build', chatops_node_install_method: 'controller_binary',
      cadvisor_install_method: 'controller_build', grafana_enabled: false, kibana_enabled: false, logstash_enabled: false,
    });
  });
});

describe("a replica's stderr: one file per replica, read by Filebeat, bounded by logrotate", () => {
  let unit: string;
  let filebeat: { 'filebeat.inputs': Record<string, unknown>[] };
  let logrotate: string;
  beforeAll(async () => {
    const { code, out } = await render('chatops,filebeat');
    expect(code, out.slice(-3000)).toBe(0);
    unit = await readFile(path.join(outDir, 'app1', 'chatops', 'chatops@.service'), 'utf8');
    filebeat = parse(await readFile(path.join(outDir, 'app1', 'filebeat', 'filebeat.yml'), 'utf8')) as typeof filebeat;
    logrotate = await readFile(path.join(outDir, 'app1', 'chatops', 'logrotate'), 'utf8');
  }, 240_000);

  it('appends stderr to a file in a directory the role makes before the first start, stdout staying in journald', async () => {
    expect(unit).toMatch(/^StandardError=append:\/var\/log\/chatops\/replica-%i\.stderr\.log$/m);
    expect(unit).not.toMatch(/^StandardOutput=/m);
    // systemd opens the file before it would create a LogsDirectory= (a unit failing 209/STDERR).
    expect(unit).not.toMatch(/^LogsDirectory=/m);
    const tasks = parse(await readFile(path.join(ANSIBLE, 'roles/chatops/tasks/configure.yml'), 'utf8')) as Record<string, unknown>[];
    const made = tasks.findIndex((t) => (t['ansible.builtin.file'] as { path?: string } | undefined)?.path === '/var/log/chatops');
    const started = tasks.findIndex((t) => t.name === 'Enable and start the replicas');
    expect(made).toBeGreaterThanOrEqual(0);
    expect(made).toBeLessThan(started);
    expect(tasks[made]?.['ansible.builtin.file']).toMatchObject({ state: 'directory', owner: '{{ chatops_user }}', mode: '0750' });
  });

  it('has Filebeat read every replica\'s file as the app, whole crashes per event, and logrotate truncate them in place', () => {
    const stderr = filebeat['filebeat.inputs'].find((i) => i.id === 'chatops-app-stderr') as Record<string, unknown>;
    expect(stderr).toMatchObject({ type: 'filestream', paths: ['/var/log/chatops/replica-*.stderr.log'], fields: { log_source: 'app' } });
    const glob = new RegExp(`^${(stderr.paths as string[])[0]?.replaceAll('.', '\\.').replace('*', '[^/]+')}$`);
    for (const n of [1, 2, 12]) expect(`/var/log/chatops/replica-${n}.stderr.log`).toMatch(glob);
    // What logrotate leaves behind is not read again.
    for (const rotated of ['/var/log/chatops/replica-1.stderr.log.1', '/var/log/chatops/replica-1.stderr.log.2.gz']) expect(rotated).not.toMatch(glob);
    const [parser] = stderr.parsers as { multiline: Record<string, unknown> }[];
    expect(parser?.multiline).toMatchObject({ type: 'pattern', negate: true, match: 'after', flush_pattern: '^Node\\.js v\\d+\\.\\d+\\.\\d+$', timeout: '5s' });
    expect(logrotate).toMatch(/^\/var\/log\/chatops\/replica-\*\.stderr\.log \{$/m);
    for (const directive of ['copytruncate', 'maxsize 10M', 'rotate 7', 'missingok']) expect(logrotate).toMatch(new RegExp(`^\\s+${directive}$`, 'm'));
  });
});

describe('what chatops backup needs of the roles', () => {
  beforeAll(async () => {
    for (const tags of ['elasticsearch', 'prometheus']) {
      const { code, out } = await render(tags);
      expect(code, out.slice(-3000)).toBe(0);
    }
  });

  it('gives Elasticsearch a path.repo that its confined unit may write, for both install methods', async () => {
    for (const method of ['archive', 'apt']) {
      const settings = parse(await readFile(path.join(outDir, 'mon1', 'elasticsearch', `elasticsearch-${method}.yml`), 'utf8')) as Record<string, unknown>;
      expect(settings['path.repo']).toEqual(['/var/lib/elasticsearch-snapshots']);
    }
    const unit = await readFile(path.join(outDir, 'mon1', 'elasticsearch', 'elasticsearch.service'), 'utf8');
    expect(unit).toMatch(/^ReadWritePaths=\/var\/lib\/elasticsearch \/var\/log\/elasticsearch \/var\/lib\/elasticsearch-snapshots$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
  });

  it("runs Prometheus with the admin API (TSDB snapshots), behind the web config's TLS and basic auth", async () => {
    const args = await readFile(path.join(outDir, 'mon1', 'prometheus', 'default'), 'utf8');
    expect(args).toMatch(/ --web\.enable-admin-api"$/m);
    expect(args).toContain('--web.config.file=/etc/prometheus/web-config.yml');
  });
});

describe('two monitoring hosts: mon1 and mon2', () => {
  it('clusters the Alertmanagers of mon1 and mon2 over mutual-TLS gossip, each naming the other as its peer', async () => {
    for (const [host, peer] of [['mon1', '10.77.0.32'], ['mon2', '10.77.0.31']] as const) {
      const args = await readFile(path.join(outDir, host, 'alertmanager', 'default'), 'utf8');
      // An address, not ":9094": Alertmanager's TLS transport refuses an empty host and the service would not start.
      const self = host === 'mon1' ? '10.77.0.31' : '10.77.0.32';
      expect(args).toContain(
        ` --cluster.listen-address=0.0.0.0:9094 --cluster.advertise-address=${self}:9094 --cluster.tls-config=/etc/prometheus/alertmanager-cluster-tls.yml`,
      );
      expect(args.match(/--cluster\.peer=[^\s"]+/g)).toEqual([`--cluster.peer=${peer}:9094`]);
    }
  });

  it('runs a Prometheus on mon1 and on mon2, each labelled as its replica, both alerting every Alertmanager without that label', async () => {
    for (const [host, ip] of [['mon1', '10.77.0.31'], ['mon2', '10.77.0.32']] as const) {
      const config = parse(await readFile(path.join(outDir, host, 'prometheus', 'prometheus.yml'), 'utf8')) as {
        global: { external_labels: Record<string, string> };
        alerting: { alert_relabel_configs: unknown[]; alertmanagers: { static_configs: { targets: string[] }[] }[] };
        scrape_configs: { job_name: string; relabel_configs?: { target_label?: string; replacement?: string }[] }[];
      };
      expect(config.global.external_labels).toEqual({ appliance: 'lab.chatops.test', prometheus_replica: host });
      expect(config.alerting.alert_relabel_configs).toEqual([{ action: 'labeldrop', regex: 'prometheus_replica' }]);
      expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual(['10.77.0.31:9093', '10.77.0.32:9093']);
      // Each probes TLS endpoints through its own blackbox exporter.
      const tls = config.scrape_configs.find((j) => j.job_name === 'tls');
      expect(tls?.relabel_configs?.find((r) => r.target_label === '__address__')?.replacement).toBe(`${ip}:9115`);
    }
  });

  it("points Grafana's Prometheus data source at HAProxy's prometheus name, which outlives a monitoring host", async () => {
    for (const host of ['mon1', 'mon2']) {
      const sources = parse(await readFile(path.join(outDir, host, 'grafana', 'chatops.yml'), 'utf8')) as { datasources: { uid: string; url: string; jsonData: Record<string, unknown> }[] };
      expect(sources.datasources.find((d) => d.uid === 'chatops-prometheus')).toMatchObject({ url: 'https://prometheus.lab.chatops.test/', jsonData: { tlsAuthWithCACert: true } });
    }
  });
});

describe('keepalived.conf', () => {
  const conf: Record<string, string> = {};
  beforeAll(async () => {
    const { code, out } = await render('keepalived');
    expect(code, out.slice(-3000)).toBe(0);
    for (const host of ['lb1', 'lb2']) conf[host] = await readFile(path.join(outDir, host, 'keepalived', 'keepalived.conf'), 'utf8');
  });

  it('holds the floating address over unicast VRRP between the two balancers', () => {
    expect(conf['lb1']).toMatch(/unicast_src_ip 10\.77\.0\.11\s+unicast_peer \{\s+10\.77\.0\.12\s+\}/);
    expect(conf['lb2']).toMatch(/unicast_src_ip 10\.77\.0\.12\s+unicast_peer \{\s+10\.77\.0\.11\s+\}/);
    for (const host of ['lb1', 'lb2']) expect(conf[host]).toContain('10.77.0.10/24 dev host0');
  });

  it('prefers lb1, and a returning balancer does not take the address back (nopreempt, both BACKUP)', () => {
    expect(conf['lb1']).toMatch(/priority 150\b/);
    expect(conf['lb2']).toMatch(/priority 140\b/);
    for (const host of ['lb1', 'lb2']) {
      expect(conf[host]).toMatch(/state BACKUP[\s\S]*\n\s+nopreempt\n/);
    }
  });

  it("follows HAProxy's health: the check asks HAProxy's own path", () => {
    expect(conf['lb1']).toMatch(/vrrp_script haproxy_answers \{\s+script "\/usr\/bin\/curl [^"]*--fail [^"]*https:\/\/127\.0\.0\.1:443\/haproxy\/health"/);
    expect(conf['lb1']).toMatch(/track_script \{\s+haproxy_answers\s+\}/);
    expect(conf['lb1']).toMatch(/enable_script_security\s+script_user root/);
  });

  it('fails the render when keepalived -t rejects the result', async () => {
    const { code, out } = await render('keepalived', { keepalived_prefix_length: 99, render_show_output: true });
    expect(code).not.toBe(0);
    expect(out).toMatch(/failed to validate/);
    expect(out).toMatch(/prefix len 99/);
  });
});

describe('haproxy.cfg', () => {
  let cfg: string;
  beforeAll(async () => {
    const { code, out } = await render('haproxy');
    expect(code, out.slice(-3000)).toBe(0);
    cfg = await readFile(path.join(outDir, 'lb1', 'haproxy', 'haproxy.cfg'), 'utf8');
  });

  function section(name: string): string {
    const start = cfg.indexOf(`\n${name}\n`);
    expect(start, `section ${name}`).toBeGreaterThan(-1);
    const rest = cfg.slice(start + name.length + 2);
    const end = rest.search(/\n(frontend|backend|userlist|global|defaults) /);
    return end === -1 ? rest : rest.slice(0, end);
  }

  it('terminates TLS 1.2+ with AEAD ciphers only', () => {
    expect(cfg).toMatch(/ssl-default-bind-options ssl-min-ver TLSv1\.2 no-tls-tickets/);
    const ciphers = /ssl-default-bind-ciphers (\S+)/.exec(cfg)?.[1]?.split(':') ?? [];
    expect(ciphers.length).toBeGreaterThan(0);
    expect(ciphers.filter((c) => !/^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/.test(c))).toEqual([]);
  });

  it('only redirects on port 80', () => {
    expect(section('frontend http').trim().split('\n').map((l) => l.trim())).toEqual([
      'bind :80',
      'http-request redirect scheme https code 301',
    ]);
  });

  it('routes the lab services by exact host name', () => {
    const https = section('frontend https');
    for (const service of ['chatops', 'prometheus', 'alertmanager']) {
      expect(https).toContain(`use_backend ${service} if { var(txn.host) -m str ${service}.lab.chatops.test }`);
    }
    // Grafana and Kibana are switched off in the lab inventory: no route to a backend that cannot exist.
    expect(https).not.toContain('use_backend grafana');
    expect(https).toMatch(/http-request return status 404 .* unless \{ var\(txn\.host\) -m str chatops\.lab\.chatops\.test prometheus\.lab\.chatops\.test alertmanager\.lab\.chatops\.test \}/);
    expect(https).not.toContain('default_backend');
  });

  it('re-encrypts to every backend server with certificate verification', () => {
    // Every backend is a routed service with servers: HAProxyBackendDown can alert on any of them.
    const backends = [...cfg.matchAll(/\nbackend (\S+)\n/g)].map((m) => m[1]);
    expect(backends).toEqual(['chatops', 'prometheus', 'alertmanager']);
    for (const backend of backends) {
      const body = section(`backend ${backend}`);
      expect(body).toMatch(/default-server check .* ssl verify required ca-file \S+\/ca\.crt/);
      const servers = body.split('\n').filter((l) => l.trim().startsWith('server '));
      expect(servers.length).toBeGreaterThan(0);
      for (const server of servers) expect(server).toMatch(/verifyhost \S+\.lab\.chatops\.test$/);
    }
  });

  it('sends Prometheus and Alertmanager requests to the first healthy monitoring host, the other taking over', () => {
    for (const backend of ['prometheus', 'alertmanager']) {
      const body = section(`backend ${backend}`);
      expect(body).toContain('balance first');
      expect(body).toContain('option redispatch 1');
      expect(body.split('\n').filter((l) => l.trim().startsWith('server ')).map((l) => l.trim().split(/\s+/).slice(1, 3).join(' '))).toEqual([
        `mon1 10.77.0.31:${backend === 'prometheus' ? 9090 : 9093}`,
        `mon2 10.77.0.32:${backend === 'prometheus' ? 9090 : 9093}`,
      ]);
    }
  });

  it('keeps connections to the servers alive and reuses them, so a request pays no TLS handshake to a replica', () => {
    const defaults = section('defaults');
    expect(defaults).toContain('option http-keep-alive');
    expect(defaults).toContain('http-reuse safe');
    expect(cfg).not.toMatch(/option (http-server-close|httpclose)/);
    expect(cfg).not.toMatch(/no-ssl-reuse/);
  });

  it('lets a reload close a client keep-alive connection only after answering its next request, within a bounded drain', () => {
    expect(section('defaults')).toContain('option idle-close-on-response');
    expect(section('global')).toMatch(/hard-stop-after 60s/);
  });

  it('answers its own health path on the HTTPS front before routing by host name', () => {
    const https = section('frontend https');
    const own = https.indexOf('http-request return status 200 content-type text/plain string "ok\\n" if { path /haproxy/health }');
    expect(own).toBeGreaterThan(-1);
    expect(own).toBeLessThan(https.indexOf('http-request return status 404'));
  });

  it('hands its listening sockets to the new worker on a reload', () => {
    expect(cfg).toMatch(/stats socket \/run\/haproxy\/admin\.sock mode 660 level admin expose-fd listeners/);
  });

  it('health-checks the app replicas on /ready', () => {
    const app = section('backend chatops');
    expect(app).toContain('http-check send meth GET uri /ready');
    expect(app.split('\n').filter((l) => l.trim().startsWith('server '))).toHaveLength(4);
  });

  it('sends a client connection\'s requests to the replica it already holds a connection to', () => {
    const app = section('backend chatops');
    expect(app).toContain('balance roundrobin');
    expect(app).toContain('option prefer-last-server');
  });

  it('puts stats and the exporter behind TLS and authentication', () => {
    expect(section('frontend stats')).toMatch(/bind :8404 ssl crt \S+[\s\S]*http-request auth realm haproxy-stats unless \{ http_auth\(stats_users\) \}/);
    expect(section('frontend prometheus_exporter')).toMatch(/bind :8405 ssl crt [\s\S]*http_auth\(exporter_users\)[\s\S]*use-service prometheus-exporter/);
    expect(cfg).not.toContain(SECRETS.haproxy_stats_password);
    expect(cfg).not.toContain(SECRETS.chatops_exporter_password);
  });

  it('fails the render when haproxy -c rejects the result', async () => {
    const { code, out } = await render('haproxy', { haproxy_ssl_min_version: 'TLSv9.9', render_show_output: true });
    expect(code).not.toBe(0);
    expect(out).toMatch(/failed to validate/);
    expect(out).toMatch(/unknown ssl\/tls version/);
  });
});
