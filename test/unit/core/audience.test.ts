import { describe, expect, it } from 'vitest';
import { configSchema, type Schedule } from '../../../app/src/config/schema.ts';
import {
  forAudience,
  mergeFilters,
  mergeRosters,
  narrowSnapshot,
  scheduleAudience,
  scheduleScope,
  teamsToRead,
  unionScope,
} from '../../../app/src/core/audience.ts';
import { planReminder } from '../../../app/src/core/plan.ts';
import { awaitingReviewFrom, selectPullRequests } from '../../../app/src/core/select.ts';
import type { TeamRoster } from '../../../app/src/core/types.ts';
import { aPullRequest, filters, now, snapshot } from './builders.ts';

const base = { cron: '0 9 * * 1-5', timezone: 'UTC' } as const;
const digest = (extra: Partial<Schedule> = {}): Schedule => ({ name: 'team', channel: 'C0TEAM', kind: 'digest', ...base, ...extra });
const roster = (members: Record<string, string[]>, failures: TeamRoster['failures'] = []): TeamRoster => ({
  members: new Map(Object.entries(members)),
  failures,
});
const users = [
  { slack: 'U0ALICE', github: 'alice', name: 'Alice' },
  { slack: 'U0BOB', github: 'bob', name: 'Bob' },
  { slack: 'U0CAROL', github: 'carol', name: 'Carol' },
  { slack: 'U0DAVE', github: 'Dave', name: 'Dave' },
];

describe('mergeFilters', () => {
  it('replaces the global filters key by key and keeps the rest', () => {
    const global = filters({ includeDrafts: false, staleAfterDays: 14, ignoredTitleTerms: ['wip'] });
    expect(mergeFilters(global, { staleAfterDays: 3, labels: { include: ['frontend'], exclude: [] } })).toEqual({
      ...global,
      staleAfterDays: 3,
      labels: { include: ['frontend'], exclude: [] },
    });
    expect(mergeFilters(global, undefined)).toEqual(global);
  });

  it('parses a schedule filter without filling the global defaults in', () => {
    const config = configSchema.parse({
      server: { insecureHttp: true },
      github: { repositories: ['acme/*'] },
      filters: { includeDrafts: false, staleAfterDays: 10 },
      schedules: [{ ...digest(), filters: { staleAfterDays: 2 } }],
    });
    expect(config.schedules[0]?.filters).toEqual({ staleAfterDays: 2 });
    expect(mergeFilters(config.filters, config.schedules[0]?.filters)).toMatchObject({ includeDrafts: false, staleAfterDays: 2 });
  });
});

describe('repository scopes', () => {
  const github = { repositories: ['acme/*'], exclude: ['acme/docs-*'] };

  it('takes the schedule repositories and exclude, else the global ones', () => {
    expect(scheduleScope(digest(), github)).toEqual({ patterns: ['acme/*'], exclude: ['acme/docs-*'] });
    expect(scheduleScope(digest({ repositories: ['acme/web'] }), github)).toEqual({ patterns: ['acme/web'], exclude: ['acme/docs-*'] });
    expect(scheduleScope(digest({ repositories: ['acme/*'], exclude: ['acme/web'] }), github)).toEqual({ patterns: ['acme/*'], exclude: ['acme/web'] });
  });

  it('reads every pattern once and excludes only what every scope excludes', () => {
    expect(
      unionScope([
        { patterns: ['acme/api', 'acme/infra'], exclude: ['acme/docs-*', 'acme/old'] },
        { patterns: ['ACME/api', 'acme/web'], exclude: ['acme/docs-*'] },
      ]),
    ).toEqual({ patterns: ['acme/api', 'acme/infra', 'acme/web'], exclude: ['acme/docs-*'] });
  });

  it('narrows a shared read to one scope, failures included', () => {
    const read = snapshot(
      [aPullRequest({ repository: 'acme/api' }), aPullRequest({ repository: 'acme/web' }), aPullRequest({ repository: 'acme/web-legacy' })],
      [
        { repository: 'acme/web', reason: 'HTTP 502' },
        { repository: 'acme/infra', reason: 'HTTP 404' },
        { repository: 'other/*', reason: 'HTTP 401' },
      ],
    );
    const narrowed = narrowSnapshot(read, { patterns: ['acme/web*', 'other/x-*'], exclude: ['acme/web-legacy'] });
    expect(narrowed.pullRequests.map((pr) => pr.repository)).toEqual(['acme/web']);
    expect(narrowed.failedRepositories.map((f) => f.repository)).toEqual(['acme/web', 'other/*']);
  });

  it("keeps every PR of a matching repository, in the read's order, however many each repository has", () => {
    const prs = [1, 2, 3].flatMap((n) => ['acme/web', 'acme/api', 'acme/web-legacy', 'acme/Web'].map((repository) => aPullRequest({ repository, number: n })));
    const narrowed = narrowSnapshot(snapshot(prs), { patterns: ['acme/web*'], exclude: ['acme/web-legacy'] });
    expect(narrowed.pullRequests.map((pr) => `${pr.repository}#${pr.number}`)).toEqual([
      'acme/web#1',
      'acme/Web#1',
      'acme/web#2',
      'acme/Web#2',
      'acme/web#3',
      'acme/Web#3',
    ]);
  });
});

describe('audiences and team review requests', () => {
  const teams = roster({ 'acme/frontend': ['carol', 'dave'], 'acme/backend': ['alice', 'bob'] });
  const prs = [
    aPullRequest({ number: 1, author: 'alice', requestedReviewers: ['bob'] }),
    aPullRequest({ number: 2, author: 'erin', requestedTeams: ['acme/Frontend'] }),
    aPullRequest({ number: 3, author: 'erin', requestedReviewers: ['frank'] }),
    aPullRequest({ number: 4, author: 'DAVE' }),
  ];
  const selected = selectPullRequests(prs, filters(), now);

  it('counts a team asked for review as each of its members', () => {
    expect(awaitingReviewFrom(selected, 'Carol', teams.members).map((s) => s.pr.number)).toEqual([2]);
    expect(awaitingReviewFrom(selected, 'carol').map((s) => s.pr.number)).toEqual([]);
  });

  it('keeps the PRs opened by or awaiting review from the audience', () => {
    const frontend = scheduleAudience(digest({ team: 'acme/frontend' }), teams);
    expect(frontend).toEqual({ kind: 'team', team: 'acme/frontend', logins: new Set(['carol', 'dave']) });
    expect(forAudience(selected, frontend?.logins ?? new Set(), teams.members).map((s) => s.pr.number)).toEqual([2, 4]);
    const listed = scheduleAudience(digest({ members: ['Bob'] }), teams);
    expect(forAudience(selected, listed?.logins ?? new Set(), teams.members).map((s) => s.pr.number)).toEqual([1]);
    expect(scheduleAudience(digest(), teams)).toBeUndefined();
  });

  it('lists the teams a cycle must read: audiences and teams asked, each once', () => {
    expect(teamsToRead([digest({ team: 'acme/backend' }), digest({ team: 'ACME/backend' })], prs)).toEqual(['acme/backend', 'acme/Frontend']);
  });

  it('leaves out the teams a roster already answers for, read or failed, and merges two rosters', () => {
    const audiences: TeamRoster = { members: new Map([['acme/backend', ['alice']]]), failures: [{ team: 'ACME/Frontend', reason: 'HTTP 404' }] };
    expect(teamsToRead([digest({ team: 'acme/backend' })], prs, audiences)).toEqual([]);
    expect(teamsToRead([digest({ team: 'acme/platform' })], prs, { members: new Map(), failures: [] })).toEqual(['acme/platform', 'acme/Frontend']);
    const requested: TeamRoster = { members: new Map([['acme/platform', ['erin']]]), failures: [] };
    expect(mergeRosters(audiences, requested)).toEqual({
      members: new Map([
        ['acme/backend', ['alice']],
        ['acme/platform', ['erin']],
      ]),
      failures: [{ team: 'ACME/Frontend', reason: 'HTTP 404' }],
    });
  });

  it('plans a team digest of its members PRs, naming the team once in "waiting for"', () => {
    const plan = planReminder({ schedule: digest({ team: 'acme/frontend' }), snapshot: snapshot(prs), filters: filters(), users, now, roster: teams });
    if (plan.kind !== 'digest') throw new Error('expected a digest');
    expect(plan.digest.replies.map((r) => r.item.pr.number)).toEqual([2, 4]);
    expect(JSON.stringify(plan.digest.replies[0]?.message.blocks)).toContain(':eyes: waiting for @acme/Frontend');
    expect(JSON.stringify(plan.digest.parent[0]?.blocks)).toContain(
      ':busts_in_silhouette: Pull requests opened by, or waiting for a review from, @acme/frontend (2 members).',
    );
  });

  it('says so when the team could not be read, and lists nothing', () => {
    const failed = roster({}, [{ team: 'acme/nope', reason: 'HTTP 404: Not Found' }]);
    const plan = planReminder({ schedule: digest({ team: 'acme/nope' }), snapshot: snapshot(prs), filters: filters(), users, now, roster: failed });
    if (plan.kind !== 'digest') throw new Error('expected a digest');
    expect(plan.digest.replies).toEqual([]);
    expect(JSON.stringify(plan.digest.parent[0]?.blocks)).toContain(
      ':warning: Team @acme/nope could not be read (HTTP 404: Not Found): this schedule has no members, so it lists no pull request.',
    );
  });

  it('sends review DMs to each mapped member of a team asked, and only to the audience', () => {
    const reviews = planReminder({ schedule: { name: 'r', kind: 'reviews', ...base }, snapshot: snapshot(prs), filters: filters(), users, now, roster: teams });
    if (reviews.kind !== 'reviews') throw new Error('expected reviews');
    expect(reviews.messages.map((m) => m.user.slack)).toEqual(['U0BOB', 'U0CAROL', 'U0DAVE']);
    const backendOnly = planReminder({
      schedule: { name: 'r', kind: 'reviews', team: 'acme/backend', ...base },
      snapshot: snapshot(prs),
      filters: filters(),
      users,
      now,
      roster: teams,
    });
    expect(backendOnly.kind === 'reviews' && backendOnly.messages.map((m) => m.user.slack)).toEqual(['U0BOB']);
  });
});
