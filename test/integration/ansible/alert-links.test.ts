// Links that work: the rules, Alertmanager's receivers and the app's config rendered by the roles
// for the example inventory (ansible/tests/render-configs.yml, vault opened with its documented
// demo password), then every link an alert can carry, in the rules and in the app's Slack
// message, checked: absolute https, on the hosts the inventory configures, each runbook anchor a
// section of docs/runbooks.md, each dashboard a dashboard we ship. No address is hard-coded.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderAlertGroup } from '../../../app/src/alerts/render.ts';
import type { WebhookPayload } from '../../../app/src/alerts/payload.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../../..');
const ANSIBLE = path.join(REPO, 'ansible');
const env = { ...process.env, ANSIBLE_CONFIG: path.join(ANSIBLE, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1' };
// docs/ansible.md documents this demo password of the committed example vault.
const EXAMPLE_VAULT_PASSWORD = 'chatops-example-demo';
const LEAVES = ['haproxy', 'chatops', 'prometheus', 'alertmanager', 'grafana', 'blackbox_exporter', 'elasticsearch', 'node_exporter', 'systemd_exporter'];

// ansible/inventories/example/group_vars/all/main.yml
const RUNBOOK_DOCUMENT = 'https://git.example.com/ops/chatops/blob/main/docs/runbooks.md';
const GRAFANA = 'https://grafana.chatops.example.com/';
const WEBHOOK = 'https://chatops.chatops.example.com/alertmanager/webhook';

interface Rule {
  alert: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface WebhookConfig {
  url: string;
  send_resolved: boolean;
  http_config: { authorization: { type: string; credentials_file?: string; credentials?: string }; tls_config: { ca_file: string } };
}

let certs: TestCertificates;
let outDir: string;
let render: { code: number; out: string };

function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

const runbookAnchors = new Set([...readFileSync(path.join(REPO, 'docs/runbooks.md'), 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1] ?? '')));
const dashboardUids = new Set(
  readdirSync(path.join(REPO, 'grafana/dashboards')).map((f) => (JSON.parse(readFileSync(path.join(REPO, 'grafana/dashboards', f), 'utf8')) as { uid: string }).uid),
);

/** What is wrong with one link: not https, not on a configured host, a missing anchor or dashboard. */
function linkProblem(where: string, link: string): string | undefined {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return `${where}: "${link}" is not an absolute URL`;
  }
  if (url.protocol !== 'https:') return `${where}: ${link} is not https`;
  const withoutHash = `${url.origin}${url.pathname}`;
  if (withoutHash === RUNBOOK_DOCUMENT) return runbookAnchors.has(url.hash.slice(1)) ? undefined : `${where}: ${link}: no section ${url.hash} in docs/runbooks.md`;
  if (link.startsWith(GRAFANA)) {
    const uid = /^\/d\/([^/]+)/.exec(url.pathname)?.[1];
    return uid === undefined || dashboardUids.has(uid) ? undefined : `${where}: ${link}: no dashboard with uid ${uid} in grafana/dashboards/`;
  }
  return `${where}: ${link} is on none of the configured hosts (${RUNBOOK_DOCUMENT}, ${GRAFANA})`;
}

async function renderedRules(): Promise<Rule[]> {
  const dir = path.join(outDir, 'mon1', 'prometheus', 'rules');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
  const rules: Rule[] = [];
  for (const file of files) {
    const parsed = parse(await readFile(path.join(dir, file), 'utf8')) as { groups: { rules: Rule[] }[] };
    rules.push(...parsed.groups.flatMap((g) => g.rules).filter((r) => r.alert));
  }
  return rules;
}

beforeAll(async () => {
  // The chatops render checks each replica config with the production bundle.
  if (!existsSync(path.join(REPO, 'dist/chatops.mjs'))) await run('npm', ['run', 'build'], { cwd: REPO, env: process.env });
  certs = await createTestCertificates(['localhost', '127.0.0.1']);
  outDir = await mkdtemp(path.join(tmpdir(), 'chatops-links-'));
  const tlsDir = path.join(outDir, 'tls');
  await mkdir(tlsDir, { mode: 0o700 });
  await copyFile(certs.caFile, path.join(tlsDir, 'ca.crt'));
  for (const leaf of LEAVES) {
    await copyFile(certs.certFile, path.join(tlsDir, `${leaf}.crt`));
    await writeFile(path.join(tlsDir, `${leaf}.key`), certs.key, { mode: 0o600 });
  }
  const passwordFile = path.join(outDir, 'vault-pass');
  await writeFile(passwordFile, `${EXAMPLE_VAULT_PASSWORD}\n`, { mode: 0o600 });
  const args = [
    '-i', 'inventories/example', 'tests/render-configs.yml', '--tags', 'prometheus,alertmanager,chatops',
    '--vault-password-file', passwordFile,
    '-e', `render_dir=${path.join(outDir, 'out')}`, '-e', `render_tls_dir=${tlsDir}`, '-e', `chatops_certs_dir=${tlsDir}`,
    // Rendered on this machine as this user: the example's `become` is for its real hosts.
    '-e', 'ansible_become=false',
  ]; // prettier-ignore
  try {
    const { stdout, stderr } = await run('ansible-playbook', args, { cwd: ANSIBLE, env, maxBuffer: 32 * 1024 * 1024 });
    render = { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    render = { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
  outDir = path.join(outDir, 'out');
}, 600_000);

afterAll(async () => {
  if (outDir) await rm(path.dirname(outDir), { recursive: true, force: true });
  await certs?.remove();
});

describe('links in alerts, rendered for the example inventory', () => {
  it('renders the rules, alertmanager.yml and the replica configs through their checkers', () => {
    expect(render.out.split('\n').filter((l) => /^fatal:|FAILED!/.test(l))).toEqual([]);
    expect(render.code, render.out.slice(-3000)).toBe(0);
  });

  it('gives every rule an https runbook link to a section of docs/runbooks.md, and dashboards we ship, from the inventory', async () => {
    const rules = await renderedRules();
    expect(rules.length).toBeGreaterThanOrEqual(17);
    const problems: string[] = [];
    for (const rule of rules) {
      expect(rule.annotations.runbook_url, rule.alert).toBeTruthy();
      for (const key of ['runbook_url', 'dashboard_url']) {
        const link = rule.annotations[key];
        if (link === undefined) continue;
        const problem = linkProblem(`${rule.alert} ${key}`, link);
        if (problem) problems.push(problem);
      }
    }
    expect(problems).toEqual([]);
    expect(rules.find((r) => r.alert === 'ChatOpsReplicaDown')?.annotations).toMatchObject({
      runbook_url: `${RUNBOOK_DOCUMENT}#chatopsreplicadown`,
      dashboard_url: `${GRAFANA}d/chatops-app`,
    });
  });

  it("links only configured hosts in the app's Slack message for every rule", async () => {
    const config = parse(await readFile(path.join(outDir, 'app1', 'chatops', 'replica-1.yml'), 'utf8')) as {
      alerts: { grafanaUrl: string; defaultChannel: string; alertmanagerUrl: string; caFile: string };
    };
    // The Alertmanager cluster through HAProxy; its front has an ACME (public) certificate here, so the system's trust store.
    expect(config.alerts).toMatchObject({
      grafanaUrl: GRAFANA,
      defaultChannel: 'C0ALERTS01',
      alertmanagerUrl: 'https://alertmanager.chatops.example.com/',
      caFile: '/etc/ssl/certs/ca-certificates.crt',
    });
    const problems: string[] = [];
    for (const rule of await renderedRules()) {
      const labels = { alertname: rule.alert, ...rule.labels };
      const payload: WebhookPayload = {
        version: '4',
        groupKey: `{}:{alertname="${rule.alert}"}`,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'chatops',
        groupLabels: { alertname: rule.alert },
        commonLabels: labels,
        commonAnnotations: rule.annotations,
        externalURL: 'https://alertmanager.chatops.example.com/',
        alerts: [
          { status: 'firing', labels, annotations: rule.annotations, startsAt: '2026-11-28T09:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'f1' },
        ],
      };
      const message = JSON.stringify(renderAlertGroup(payload, {}, { grafanaUrl: config.alerts.grafanaUrl }, 'k').blocks);
      const links = [...message.matchAll(/<(https?:[^|>]+)\|([^>]+)>/g)];
      expect(links.map((m) => m[2]).sort(), rule.alert).toEqual(['Dashboard', 'Runbook']);
      for (const [, link] of links) {
        const problem = linkProblem(`${rule.alert} message`, link ?? '');
        if (problem) problems.push(problem);
      }
    }
    expect(problems).toEqual([]);
  });

  it("sends alerts to the app's webhook over https with the bearer token from a file, and keeps the Slack fallback", async () => {
    const text = await readFile(path.join(outDir, 'mon1', 'alertmanager', 'alertmanager.yml'), 'utf8');
    const config = parse(text) as { receivers: { name: string; webhook_configs?: WebhookConfig[]; slack_configs?: { api_url: string }[] }[] };
    const webhooks = config.receivers.flatMap((r) => (r.webhook_configs ?? []).map((w) => ({ receiver: r.name, ...w })));
    expect(webhooks.map((w) => [w.receiver, w.url])).toEqual([
      ['chatops', WEBHOOK],
      ['chatops-C0PAYMENTS', `${WEBHOOK}?channel=C0PAYMENTS`],
    ]);
    for (const webhook of webhooks) {
      expect(webhook.send_resolved).toBe(true);
      expect(webhook.http_config.authorization).toEqual({ type: 'Bearer', credentials_file: '/etc/prometheus/chatops-webhook-token' });
      expect(webhook.http_config.tls_config.ca_file).toMatch(/\/ca\.crt$/);
    }
    const slack = config.receivers.flatMap((r) => r.slack_configs ?? []);
    expect(slack.length).toBeGreaterThan(0);
    for (const receiver of slack) expect(new URL(receiver.api_url).protocol).toBe('https:');
  });

  it('hard-codes no runbook or dashboard address in the rules, templates or roles', () => {
    const sources = [
      ...readdirSync(path.join(REPO, 'prometheus/rules')).map((f) => path.join('prometheus/rules', f)),
      ...readdirSync(path.join(REPO, 'prometheus/tests')).map((f) => path.join('prometheus/tests', f)),
      'prometheus/alertmanager.yml.j2',
      'ansible/roles/chatops/defaults/main.yml',
      'ansible/roles/prometheus/defaults/main.yml',
      'ansible/roles/alertmanager/defaults/main.yml',
    ];
    const hardCoded = sources.flatMap((file) =>
      readFileSync(path.join(REPO, file), 'utf8')
        .split('\n')
        .map((line, i) => ({ at: `${file}:${i + 1}`, line }))
        // a literal host; "https://grafana.{{ domain }}/" is built from the inventory and allowed
        .filter(({ line }) => /(runbook_url|dashboard_url|runbook_base_url|grafana_url):\s*"?https?:\/\/[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}/i.test(line)),
    );
    expect(hardCoded.map((h) => `${h.at}: ${h.line.trim()}`)).toEqual([]);
  });
});
