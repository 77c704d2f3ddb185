// The app replicas and HAProxy on the lab, as the end-to-end tests steer and watch them:
// a lab-only schedule written into each replica's config (and put back), the HAProxy stats
// CSV behind its login, and signed requests to the public front.
import { createHmac, randomUUID } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { SLACK_FAKE_SIGNING_SECRET } from '../../sandbox/slack.ts';
import { buttonClickBody, slackSignatureHeaders, type ButtonClick } from './slack-clicks.ts';
import {
  APP_HOSTS,
  DOMAIN,
  frontBalancer,
  ipOf,
  labFetch,
  labSecret,
  sandboxView,
  SLACK_SANDBOX,
  ssh,
  sshInput,
  sshOk,
  waitFor,
  type LabHostName,
  type SandboxCall,
} from './lab-access.ts';

export const REPLICAS = APP_HOSTS.flatMap((host) => [1, 2].map((n) => ({ host, n, name: `${host}-${n}`, port: 8440 + n })));
export type Replica = (typeof REPLICAS)[number];
export const PRIMARY = 'app1-1';

const configPath = (n: number): string => `/etc/chatops/replica-${n}.yml`;
const backupPath = (n: number): string => `/etc/chatops/replica-${n}.yml.e2e-orig`;

export interface LabSchedule {
  name: string;
  channel: string;
  cron: string;
  timezone: string;
  kind: 'digest';
}

/** Replaces the schedules of every replica (the original config is kept beside it) and restarts them. */
export async function installSchedules(schedules: LabSchedule[], overrides: { repositories?: string[] } = {}): Promise<void> {
  await Promise.all(
    APP_HOSTS.map(async (host) => {
      for (const n of [1, 2]) {
        // A backup left by an interrupted run is the original: keep it.
        await sshOk(host, `test -e ${backupPath(n)} || cp -p ${configPath(n)} ${backupPath(n)}`);
        const config = parse(await sshOk(host, `cat ${backupPath(n)}`)) as { schedules?: unknown; github: { repositories: string[] } };
        config.schedules = schedules;
        if (overrides.repositories) config.github.repositories = overrides.repositories;
        const written = await sshInput(
          host,
          `cat > ${configPath(n)}.new && chown --reference=${backupPath(n)} ${configPath(n)}.new && chmod --reference=${backupPath(n)} ${configPath(n)}.new && mv ${configPath(n)}.new ${configPath(n)}`,
          stringify(config),
        );
        if (written.code !== 0) throw new Error(`${host}: could not write ${configPath(n)}: ${written.stderr}`);
      }
      await sshOk(host, 'systemctl restart chatops@1 chatops@2');
    }),
  );
  await waitForReplicasServing(REPLICAS);
}

/** Puts the deployed config back (no-op when nothing was changed) and restarts the replicas. */
export async function restoreSchedules(): Promise<void> {
  await Promise.all(
    APP_HOSTS.map(async (host) => {
      const r = await ssh(
        host,
        `changed=0; for n in 1 2; do if [ -e /etc/chatops/replica-$n.yml.e2e-orig ]; then mv -f /etc/chatops/replica-$n.yml.e2e-orig /etc/chatops/replica-$n.yml; changed=1; fi; done; if [ $changed = 1 ]; then systemctl restart chatops@1 chatops@2; fi; systemctl start chatops@1 chatops@2`,
      );
      if (r.code !== 0) throw new Error(`${host}: could not restore the replica configs: ${r.stderr}`);
    }),
  );
  await waitForReplicasServing(REPLICAS);
}

export async function replicaHealthy(replica: Replica): Promise<boolean> {
  try {
    return (await labFetch(`https://${replica.host}.${DOMAIN}:${replica.port}/health`, { timeoutMs: 5_000 })).status === 200;
  } catch {
    return false;
  }
}

/** Each replica answers /health, and HAProxy has them all UP again (checks need `rise` passes). */
export async function waitForReplicasServing(replicas: readonly Replica[], timeoutMs = 90_000): Promise<void> {
  await Promise.all(replicas.map((r) => waitFor(`${r.name} /health`, async () => ((await replicaHealthy(r)) ? true : undefined), timeoutMs, 500)));
  const names = new Set(replicas.map((r) => r.name));
  await waitFor(
    'HAProxy has the replicas UP',
    async () =>
      (await haproxyStats()).filter((row) => row.proxy === 'chatops' && names.has(row.server)).every((row) => row.status === 'UP') ? true : undefined,
    timeoutMs,
    500,
  );
}

export async function systemctl(host: LabHostName, action: 'start' | 'stop', unit: string): Promise<void> {
  await sshOk(host, `systemctl ${action} ${unit}`);
}

/** Lines of every replica's journal since `since` (ms) that say the coordinator went degraded. */
export async function degradedLines(since: number): Promise<string[]> {
  const lines = await Promise.all(
    APP_HOSTS.map(async (host) => {
      const r = await ssh(host, `journalctl -u 'chatops@*' --since @${Math.floor(since / 1000)} -o cat --no-pager | grep -F 'coordinator degraded' || true`);
      if (r.code !== 0) throw new Error(`${host}: journalctl failed: ${r.stderr}`);
      return r.stdout
        .split('\n')
        .filter((l) => l.trim().length > 0)
        .map((l) => `${host}: ${l.slice(0, 200)}`);
    }),
  );
  return lines.flat();
}

/** chatops_alerts_default_channel in ansible/inventories/lab/group_vars/all/main.yml */
export const ALERTS_CHANNEL = 'C0ALERTS';

/** The app's posts (not edits) of ChatOpsReplicaDown for `replica` into the alerts channel since `since` (ms). */
export async function replicaDownPosts(replica: Replica, since: number): Promise<SandboxCall[]> {
  const instance = `${ipOf(replica.host)}:${replica.port}`;
  return (await sandboxView<SandboxCall[]>('calls')).filter(
    (c) =>
      c.at >= since &&
      c.args.channel === ALERTS_CHANNEL &&
      c.response.ok === true &&
      c.method === 'chat.postMessage' &&
      /ChatOpsReplicaDown/.test(String(c.args.text)) &&
      JSON.stringify(c.args.blocks ?? []).includes(instance),
  );
}

export interface StatsRow {
  proxy: string;
  server: string;
  status: string;
  /** total sessions */
  sessions: number;
  /** failed connections + failed responses */
  errors: number;
}

/** HAProxy's stats as CSV, behind the stats login, from the balancer taking the front's traffic. */
export async function haproxyStats(): Promise<StatsRow[]> {
  const auth = Buffer.from(`admin:${labSecret('haproxy_stats_password')}`).toString('base64');
  const response = await labFetch(`https://${await frontBalancer()}.${DOMAIN}:8404/;csv`, { headers: { authorization: `Basic ${auth}` } });
  if (response.status !== 200) throw new Error(`HAProxy stats: HTTP ${response.status}`);
  const [header, ...lines] = (await response.text()).trim().split('\n');
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const col = (name: string): number => columns.indexOf(name);
  return lines.map((line) => {
    const f = line.split(',');
    return {
      proxy: f[col('pxname')] ?? '',
      server: f[col('svname')] ?? '',
      status: f[col('status')] ?? '',
      sessions: Number(f[col('stot')] ?? 0),
      errors: Number(f[col('econ')] || 0) + Number(f[col('eresp')] || 0),
    };
  });
}

export async function backendServer(name: string): Promise<StatsRow> {
  const row = (await haproxyStats()).find((r) => r.proxy === 'chatops' && r.server === name);
  if (!row) throw new Error(`HAProxy has no server ${name} in backend chatops`);
  return row;
}

/** A slash command as Slack sends it, signed with the lab's signing secret, through HAProxy. */
export async function sendSlashCommand(
  text: string,
  user: string,
): Promise<{ status: number; body: string; responseId: string; ackMs: number; requestId: string }> {
  const responseId = `e2e-${randomUUID()}`;
  const body = new URLSearchParams({
    team_id: 'T0SANDBOX',
    channel_id: 'C0E2E',
    user_id: user,
    command: '/prs',
    text,
    response_url: `${SLACK_SANDBOX}/response/${responseId}`,
    trigger_id: `${Date.now()}.e2e`,
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  // The lab runs against the sandbox unless real tokens were exported at deploy time.
  const secret = process.env.CHATOPS_SLACK_SIGNING_SECRET || SLACK_FAKE_SIGNING_SECRET;
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const started = Date.now();
  const response = await labFetch(`https://chatops.${DOMAIN}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
    body,
  });
  const answer = await response.text();
  // HAProxy's id for this request (haproxy.cfg.j2), under which both log lines are found.
  return { status: response.status, body: answer, responseId, ackMs: Date.now() - started, requestId: response.headers.get('x-request-id') ?? '' };
}

/** A button click as Slack sends it, signed with the lab's signing secret (or `secret`), through HAProxy. */
export async function sendButtonClick(
  click: Omit<ButtonClick, 'responseUrl'>,
  options: { secret?: string } = {},
): Promise<{ status: number; body: string; responseId: string }> {
  const responseId = `e2e-${randomUUID()}`;
  const body = buttonClickBody({ ...click, responseUrl: `${SLACK_SANDBOX}/response/${responseId}` });
  // The lab runs against the sandbox unless real tokens were exported at deploy time.
  const secret = options.secret ?? (process.env.CHATOPS_SLACK_SIGNING_SECRET || SLACK_FAKE_SIGNING_SECRET);
  const response = await labFetch(`https://chatops.${DOMAIN}/slack/events`, { method: 'POST', headers: slackSignatureHeaders(body, secret), body });
  return { status: response.status, body: await response.text(), responseId };
}

/** A GitHub delivery signed with the lab's webhook secret, through HAProxy. */
export async function sendWebhook(event: string, payload: unknown, delivery = randomUUID()): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', labSecret('chatops_github_webhook_secret')).update(body).digest('hex')}`;
  const response = await labFetch(`https://chatops.${DOMAIN}/github/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': signature },
    body,
  });
  return { status: response.status, body: await response.text() };
}
