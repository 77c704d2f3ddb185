// Grafana does not run on this machine, so its dashboards are checked where their data lives: after
// traffic of every kind the appliance sees (digests fired by a schedule, a slash command, a GitHub
// delivery, HTTPS through HAProxy), every query of every panel of every dashboard in
// grafana/dashboards, sent to the lab's Prometheus through its HTTPS API as Grafana would send it,
// returns at least one series. The panels that show something only while an event lasts (an alert
// firing, a failure, a restart) and the lab's known gaps are listed below with the reason.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../ops/paths.ts';
import { dashboardQueries, substituteVariables } from '../support/dashboards.ts';
import { closeLabAgent, DOMAIN, ensureLab, labFetch, labSecret, leaveLab, sleep, type LabSession } from '../support/lab-access.ts';
import { installSchedules, restoreSchedules, sendSlashCommand, sendWebhook } from '../support/lab-replicas.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const DASHBOARDS = path.join(REPO_ROOT, 'grafana/dashboards');
let session: LabSession | undefined;

/** Panels that may rightly be empty, by dashboard title and panel title, with the reason. */
const NEEDS_AN_EVENT: Record<string, Record<string, string>> = {
  'Alerts overview': {
    'Firing and pending alerts': 'ALERTS has series only while an alert is pending or firing',
    'Firing alerts by name': 'only while an alert fires',
  },
  'ChatOps app': {
    'Slack API errors': 'the counter appears with the first failed Slack call',
  },
  'Containers (cAdvisor)': {
    'CPU throttling': 'CFS throttling exists only for cgroups with a CPU quota; the lab units set none',
  },
  HAProxy: {
    'Servers not up': 'only while a server is not UP (the query keeps the states that are 1)',
  },
  'Review health': {
    'Waiting PRs by team':
      "team series exist only for schedules naming a team; the lab's schedules name none (test/integration/monitoring-review-health.test.ts covers them)",
    'PRs past the SLO by team': 'team series: as above',
    'Oldest waiting PR by team': 'team series: as above',
    'variable team': 'the team variable lists team series: as above',
    'Median time to first review': 'observed only when a PR gets its first review between two reads',
    'Median time to merge': 'observed only when a PR is merged between two reads',
    'Reviews and merges timed': 'only after a first review or a merge between two reads',
    'Time to first review by team (p50, p90, last day)': 'a first review between two reads, in a team schedule',
    'Time to merge by repository (p50, last day)': 'observed only when a PR is merged between two reads',
  },
  'Nodes and systemd units': {
    'Unit restarts': 'only when a unit restarted within the window (the query keeps > 0)',
    'Disk space free': 'lab hosts run on overlayfs and tmpfs only (nspawn), which the panel leaves out; real hosts have a disk',
  },
};

async function promQuery(expr: string): Promise<number> {
  const auth = Buffer.from(`prometheus:${labSecret('prometheus_web_password')}`).toString('base64');
  const response = await labFetch(`https://prometheus.${DOMAIN}/api/v1/query?query=${encodeURIComponent(expr)}`, {
    headers: { authorization: `Basic ${auth}` },
  });
  const body = (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? response.status}`);
  return body.data?.result.length ?? 0;
}

async function promResult(expr: string): Promise<unknown> {
  const auth = Buffer.from(`prometheus:${labSecret('prometheus_web_password')}`).toString('base64');
  const response = await labFetch(`https://prometheus.${DOMAIN}/api/v1/query?query=${encodeURIComponent(expr)}`, {
    headers: { authorization: `Basic ${auth}` },
  });
  return ((await response.json()) as { data?: { result: unknown[] } }).data?.result;
}

beforeAll(async () => {
  session = await ensureLab(print);
  // Digests every 10 s on every replica: cycles, claims, GitHub reads (the second one a 304), Slack posts.
  await installSchedules([{ name: 'dashboards', channel: 'C0DASHBOARDS', cron: '*/10 * * * * *', timezone: 'UTC', kind: 'digest' }]);
  expect((await sendSlashCommand('all', 'U0ALICE')).status).toBe(200);
  expect((await sendWebhook('ping', { zen: 'Keep it logically awesome.', hook_id: 1 })).status).toBeLessThan(500);
  // Five scrapes (15 s) after the traffic, so rate() and increase() over 1m have two points even
  // for series born late: the replicas restart with the schedule, so their first 304 (hit ratio)
  // comes with the second fire, 20 s in.
  await sleep(75_000);
});

afterAll(async () => {
  try {
    await restoreSchedules();
    await closeLabAgent();
  } finally {
    await leaveLab(session, print);
  }
});

describe('Grafana dashboards against the lab Prometheus', () => {
  it('every panel query of every dashboard returns a series, but for the panels that need an event', async () => {
    const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const empty: string[] = [];
    const staleExceptions = new Set(Object.entries(NEEDS_AN_EVENT).flatMap(([d, panels]) => Object.keys(panels).map((p) => `${d} / ${p}`)));
    for (const file of files.sort()) {
      const dashboard = JSON.parse(readFileSync(path.join(DASHBOARDS, file), 'utf8')) as Parameters<typeof dashboardQueries>[0];
      const answered = new Map<string, boolean>();
      const notes: string[] = [];
      for (const query of dashboardQueries(dashboard)) {
        const expr = substituteVariables(query.expr);
        let series = await promQuery(expr);
        // cAdvisor on this machine's hybrid cgroup layout exports host-level series (id="/") only.
        if (series === 0 && expr.includes(', id!="/"')) {
          series = await promQuery(expr.replaceAll(', id!="/"', ''));
          if (series > 0) notes.push(`${query.panel}: host level only`);
        }
        answered.set(query.panel, (answered.get(query.panel) ?? false) || series > 0);
      }
      const panels = [...answered].filter(([panel]) => !panel.startsWith('variable '));
      const excused = NEEDS_AN_EVENT[dashboard.title] ?? {};
      for (const [panel, ok] of answered) {
        staleExceptions.delete(`${dashboard.title} / ${panel}`);
        if (!ok && !(panel in excused)) empty.push(`${dashboard.title} / ${panel}`);
      }
      const waiting = panels.filter(([panel, ok]) => !ok && panel in excused).map(([panel]) => `${panel} (${excused[panel]})`);
      print(
        `${dashboard.title}: ${panels.filter(([, ok]) => ok).length}/${panels.length} panels returned series` +
          (waiting.length ? `; empty, needing an event: ${waiting.join('; ')}` : '') +
          (notes.length ? `; ${notes.join('; ')}` : ''),
      );
    }
    if (empty.length > 0)
      print(`GitHub requests by status on the lab: ${JSON.stringify(await promResult('sum by (status, instance) (chatops_github_requests_total)'))}`);
    expect(empty).toEqual([]);
    // An exception names a panel that exists: a renamed panel must not keep a stale excuse.
    expect([...staleExceptions]).toEqual([]);
  });
});
