// Review health on the deployed lab: a `/prs all` through HAProxy makes a replica read the
// sandbox's GitHub, and the lab's Prometheus then holds that replica's review-health series per
// repository; the deployed rule ChatOpsReviewSloBreached is loaded and evaluates without error.
// (The lab's schedules name no team: team series and the alert's firing are covered by
// test/integration/monitoring-review-health.test.ts.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../ops/paths.ts';
import { dashboardQueries, substituteVariables } from '../support/dashboards.ts';
import { closeLabAgent, DOMAIN, ensureLab, labFetch, labSecret, leaveLab, waitFor, type LabSession } from '../support/lab-access.ts';
import { sendSlashCommand } from '../support/lab-replicas.ts';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
let session: LabSession | undefined;

beforeAll(async () => {
  session = await ensureLab(print);
});

afterAll(async () => {
  try {
    await closeLabAgent();
  } finally {
    await leaveLab(session, print);
  }
});

async function prometheus<T>(api: string): Promise<T> {
  const auth = Buffer.from(`prometheus:${labSecret('prometheus_web_password')}`).toString('base64');
  const response = await labFetch(`https://prometheus.${DOMAIN}${api}`, { headers: { authorization: `Basic ${auth}` } });
  const body = (await response.json()) as { status: string; error?: string; data?: T };
  if (body.status !== 'success' || body.data === undefined) throw new Error(`${api}: ${body.error ?? response.status}`);
  return body.data;
}

const promQuery = async (expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> =>
  (await prometheus<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;

describe('review health on the lab', () => {
  it('exports open PRs per repository after a /prs read, scraped by the lab Prometheus', async () => {
    const answer = await sendSlashCommand('all', 'U0ALICE');
    expect(answer.status).toBe(200);
    const series = await waitFor(
      'review-health series in Prometheus',
      async () => {
        const result = await promQuery('max by (repository) (sum by (repository, instance) (chatops_review_open_pull_requests{team=""}))');
        return result.length >= 3 ? result : undefined;
      },
      90_000,
      3_000,
    );
    const counts = Object.fromEntries(series.map((s) => [s.metric.repository, Number(s.value[1])]));
    print(`review health on the lab: open PRs per repository ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['acme/api', 'acme/infra', 'acme/web']);

    const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, 'grafana/dashboards/review-health.json'), 'utf8')) as Parameters<typeof dashboardQueries>[0];
    const answered: string[] = [];
    const unanswered: string[] = [];
    for (const query of dashboardQueries(dashboard)) ((await promQuery(substituteVariables(query.expr))).length > 0 ? answered : unanswered).push(query.panel);
    print(`Review health dashboard on the lab: ${answered.length} queries with series; none (no team schedule, nothing merged yet): ${unanswered.join(', ')}`);
    for (const panel of ['Waiting for review', 'Past the review SLO', 'Oldest waiting PR', 'Open PRs by state', 'Repositories'])
      expect(answered).toContain(panel);
  });

  it('has ChatOpsReviewSloBreached loaded, evaluating without error', async () => {
    const rules = await prometheus<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules?type=alert');
    const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.name === 'ChatOpsReviewSloBreached');
    expect(rule, JSON.stringify(rules.groups.map((g) => g.name))).toBeDefined();
    await waitFor(
      'the rule evaluated',
      async () =>
        (await prometheus<typeof rules>('/api/v1/rules?type=alert')).groups.some((g) =>
          g.rules.some((r) => r.name === 'ChatOpsReviewSloBreached' && r.health === 'ok'),
        )
          ? true
          : undefined,
      60_000,
      3_000,
    );
  });
});
