// Team schedules in the real `chatops` process against the sandbox: two team digests firing at
// the same second share one GitHub read (a warm one costs no rate-limit point), each posts its
// members' PRs to its own channel; a team GitHub does not know is a warning, not a crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../../sandbox/sandbox.ts';
import { repoRoot, runChatops, serveChatops, writeSettings, type LogLine, type ServingChatops } from './process.ts';
import { sandboxConfig, sandboxSecrets } from './settings.ts';

/** The two team schedules of app/examples/config.yml, firing every 5 seconds in two zones. */
const exampleTeamSchedules = (parse(readFileSync(join(repoRoot, 'app/examples/config.yml'), 'utf8')) as { schedules: Record<string, unknown>[] }).schedules
  .filter((schedule) => schedule.team !== undefined)
  .map((schedule, i): Record<string, unknown> => ({ ...schedule, cron: '*/5 * * * * *', timezone: i === 0 ? 'Asia/Kolkata' : 'America/St_Johns' }));

let sandbox: Sandbox;
let settings: ReturnType<typeof writeSettings>;
let app: ServingChatops | undefined;

const threadOf = (channel: string): (string | undefined)[] => {
  const posted = sandbox.slack.messages(channel);
  const parent = posted.find((m) => !m.thread_ts);
  return posted.filter((m) => m.thread_ts === parent?.ts).map((m) => m.text);
};

const finished = (): LogLine[] => app?.lines.filter((l) => l.message === 'reminder cycle finished') ?? [];

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  sandbox = await startSandbox({ host: '127.0.0.1' });
  settings = writeSettings(sandboxConfig(sandbox, { schedules: exampleTeamSchedules }), sandboxSecrets);
  ({ app } = await serveChatops(['--config', settings.configPath, '--secrets', settings.secretsPath]));
});

afterAll(async () => {
  await app?.kill();
  settings?.remove();
  await sandbox?.close();
});

describe('team schedules in serve', () => {
  it('posts each team digest to its channel from one shared read, and a warm fire costs no rate-limit point', async () => {
    expect(exampleTeamSchedules.map((s) => s.name)).toEqual(['backend-digest', 'frontend-digest']);
    await until(() => finished().length >= 2);
    // Both schedules of the first fire are done: one read of the union (api, infra, web), each list once.
    const listsOf = (repo: string) => sandbox.github.requests.filter((r) => r.path.startsWith(`/repos/${repo}/pulls`));
    expect([listsOf('acme/api').length, listsOf('acme/infra').length, listsOf('acme/web').length]).toEqual([1, 1, 1]);
    expect(
      finished()
        .slice(0, 2)
        .map((l) => [l.schedule, l.outcome]),
    ).toEqual(
      expect.arrayContaining([
        ['backend-digest', 'success'],
        ['frontend-digest', 'success'],
      ]),
    );

    expect(threadOf('C0BACKEND')).toEqual([
      'acme/infra#7 Rotate the HAProxy certificates monthly',
      'acme/api#102 Fix race in session refresh',
      'acme/api#101 Add pagination to /v1/orders',
      'acme/infra#9 Alert on certificate expiry',
    ]);
    // frontend: no drafts (its own filter), PRs by carol or dave or awaiting them, the team included
    expect(threadOf('C0FRONTEND')).toEqual([
      'acme/web#53 Migrate charts to the new library',
      'acme/api#103 Upgrade fastify to v5',
      'acme/web#51 Dark mode for the dashboard',
      'acme/api#101 Add pagination to /v1/orders',
      'acme/web#52 Fix typo on the pricing page',
    ]);
    const darkMode = sandbox.slack.messages('C0FRONTEND').find((m) => m.text?.startsWith('acme/web#51'));
    expect(JSON.stringify(darkMode?.blocks)).toContain(':eyes: waiting for <@U0CAROL>, @acme/frontend');
    const backendParent = sandbox.slack.messages('C0BACKEND').find((m) => !m.thread_ts);
    expect(JSON.stringify(backendParent?.blocks)).toContain('Pull requests opened by, or waiting for a review from, @acme/backend (2 members).');

    // The next fire: every list and team page is a 304, no GraphQL query, no point of either budget.
    const core = sandbox.github.rateLimit('core').remaining;
    const graphql = sandbox.github.rateLimit('graphql').remaining;
    const requestsBefore = sandbox.github.requests.length;
    await until(() => finished().length >= 4);
    const warm = sandbox.github.requests.slice(requestsBefore);
    expect(warm.filter((r) => r.path.startsWith('/repos/acme/api/pulls'))).toHaveLength(1);
    expect(warm.filter((r) => r.path.includes('/teams/')).map((r) => r.status)).toEqual([304, 304]);
    expect(warm.every((r) => r.status === 304)).toBe(true);
    expect([sandbox.github.rateLimit('core').remaining, sandbox.github.rateLimit('graphql').remaining]).toEqual([core, graphql]);
  });
});

describe('a schedule whose team GitHub does not know', () => {
  it('warns at start naming the schedule and the team, runs, and says in the digest that it has no members', async () => {
    const ghosts = writeSettings(
      sandboxConfig(sandbox, {
        schedules: [{ name: 'ghosts', channel: 'C0GHOSTS', cron: '0 9 * * 1-5', timezone: 'UTC', kind: 'digest', team: 'acme/ghosts' }],
      }),
      sandboxSecrets,
    );
    try {
      const result = await runChatops(['remind', '--schedule', 'ghosts', '--config', ghosts.configPath, '--secrets', ghosts.secretsPath]);
      expect(result.code).toBe(0);
      const lines = result.stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine);
      expect(lines.find((l) => l.message === 'team of a schedule could not be read: the schedule has no members until it can be')).toMatchObject({
        'log.level': 'warn',
        schedule: 'ghosts',
        team: 'acme/ghosts',
        reason: expect.stringContaining('HTTP 404') as unknown,
      });
      const posted = sandbox.slack.messages('C0GHOSTS');
      expect(posted).toHaveLength(1);
      expect(JSON.stringify(posted[0]?.blocks)).toContain(':warning: Team @acme/ghosts could not be read (HTTP 404: Not Found');
      expect(JSON.stringify(posted[0]?.blocks)).toContain('this schedule has no members, so it lists no pull request.');
    } finally {
      ghosts.remove();
    }
  });
});
