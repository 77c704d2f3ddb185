// Review health from what a read found: open PRs by state, the oldest waiting PR and the PRs past
// the review SLO per repository and per team, and the times to first review and to merge of the
// PRs reviewed or merged since the previous read. Pure: app/src/review-health/ exports it.
// Label cardinality is bounded: repositories beyond the top N by open PRs fold into `other`.
import { scopeMatcher, type RepositoryScope } from './audience.ts';
import { pullRequestKey } from './keys.ts';
import { requestedReviewerLogins } from './select.ts';
import type { ClosedPullRequest, PullRequest } from './types.ts';

export const otherRepositories = 'other';
export const openStates = ['draft', 'waiting', 'changes_requested', 'approved'] as const;
export type OpenState = (typeof openStates)[number];

/** A team a schedule names, with its schedule's repositories and review SLO. */
export interface ReviewHealthTeam {
  /** "org/slug" as the schedule spells it */
  team: string;
  scope: RepositoryScope;
  sloHours: number;
}

/** One series' labels: `team` is "" for the repository's totals over every PR. */
export interface HealthLabels {
  repository: string;
  team: string;
}

export interface HealthGauges extends HealthLabels {
  open: Record<OpenState, number>;
  /** seconds since the oldest waiting PR was opened; undefined when none waits */
  oldestWaitingSeconds: number | undefined;
  /** waiting PRs opened longer ago than the SLO */
  sloBreaches: number;
}

export interface HealthObservation extends HealthLabels {
  metric: 'first_review' | 'merge';
  seconds: number;
}

export interface ReviewHealthInput {
  /** every open PR known, one latest read per repository */
  open: readonly PullRequest[];
  /** the repositories read this time (lower case) with their PRs as the previous read found them; a repository without a previous read is absent */
  previous: ReadonlyMap<string, readonly PullRequest[]>;
  /** PRs that left the open set since the previous read */
  closed: readonly ClosedPullRequest[];
  teams: readonly ReviewHealthTeam[];
  /** "org/slug" lower case -> member logins */
  members: ReadonlyMap<string, readonly string[]>;
  sloHours: number;
  topRepositories: number;
  /** repositories that have histogram series of their own already (at most `topRepositories`) */
  histogramRepositories: readonly string[];
  now: Date;
}

export interface ReviewHealth {
  /** the repositories with series of their own; every other one is `other` */
  topRepositories: string[];
  gauges: HealthGauges[];
  observations: HealthObservation[];
  /** `histogramRepositories` with this read's newcomers, still at most `topRepositories` */
  histogramRepositories: string[];
}

export function openState(pr: PullRequest): OpenState {
  if (pr.draft) return 'draft';
  if (pr.reviewState === 'approved') return 'approved';
  if (pr.reviewState === 'changes_requested') return 'changes_requested';
  return 'waiting';
}

/** The top `limit` repositories by open PRs, most first; ties by name, so the choice is stable. */
export function topRepositoriesByOpenPullRequests(open: readonly PullRequest[], limit: number): string[] {
  const counts = new Map<string, number>();
  for (const pr of open) counts.set(pr.repository, (counts.get(pr.repository) ?? 0) + 1);
  return [...counts]
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, Math.max(0, limit))
    .map(([repository]) => repository);
}

/** Which teams a PR belongs to: in the team schedule's repositories, by or for a member (asked, or having reviewed). */
function teamsOf(pr: PullRequest, teams: readonly TeamMatcher[], members: ReadonlyMap<string, readonly string[]>): string[] {
  const people = new Set([pr.author.toLowerCase(), ...requestedReviewerLogins(pr, members), ...pr.reviews.map((r) => r.login.toLowerCase())]);
  return teams.filter((t) => t.inScope(pr.repository) && [...people].some((login) => t.logins.has(login))).map((t) => t.team.team);
}

interface TeamMatcher {
  team: ReviewHealthTeam;
  inScope: (repository: string) => boolean;
  logins: ReadonlySet<string>;
}

function teamMatchers(teams: readonly ReviewHealthTeam[], members: ReadonlyMap<string, readonly string[]>): TeamMatcher[] {
  return teams.map((team) => ({
    team,
    inScope: scopeMatcher(team.scope),
    logins: new Set((members.get(team.team.toLowerCase()) ?? []).map((login) => login.toLowerCase())),
  }));
}

function emptyGauges(labels: HealthLabels): HealthGauges {
  return { ...labels, open: { draft: 0, waiting: 0, changes_requested: 0, approved: 0 }, oldestWaitingSeconds: undefined, sloBreaches: 0 };
}

function count(into: HealthGauges, pr: PullRequest, sloHours: number, now: Date): void {
  const state = openState(pr);
  into.open[state] += 1;
  if (state !== 'waiting') return;
  const ageSeconds = Math.max(0, (now.getTime() - Date.parse(pr.createdAt)) / 1000);
  into.oldestWaitingSeconds = Math.max(into.oldestWaitingSeconds ?? 0, ageSeconds);
  if (ageSeconds > sloHours * 3600) into.sloBreaches += 1;
}

function gaugesOf(input: ReviewHealthInput, top: ReadonlySet<string>, matchers: readonly TeamMatcher[]): HealthGauges[] {
  const rows = new Map<string, HealthGauges>();
  const row = (labels: HealthLabels): HealthGauges => {
    const key = `${labels.repository}\n${labels.team}`;
    const known = rows.get(key) ?? emptyGauges(labels);
    rows.set(key, known);
    return known;
  };
  const sloOf = new Map(matchers.map((m) => [m.team.team, m.team.sloHours]));
  for (const pr of input.open) {
    const repository = top.has(pr.repository) ? pr.repository : otherRepositories;
    count(row({ repository, team: '' }), pr, input.sloHours, input.now);
    for (const team of teamsOf(pr, matchers, input.members)) count(row({ repository, team }), pr, sloOf.get(team) ?? input.sloHours, input.now);
  }
  return [...rows.values()].sort((a, b) => compareLabels(a, b));
}

function compareLabels(a: HealthLabels, b: HealthLabels): number {
  return a.repository.localeCompare(b.repository) || a.team.localeCompare(b.team);
}

function firstReviewAt(pr: PullRequest): number | undefined {
  const times = pr.reviews.filter((r) => r.login.toLowerCase() !== pr.author.toLowerCase()).map((r) => Date.parse(r.submittedAt));
  return times.length > 0 ? Math.min(...times) : undefined;
}

/**
 * PRs reviewed for the first time, or merged, since the previous read of their repository. The
 * counted review per reviewer is their latest, so the first review time is late by at most one
 * read interval. A repository read for the first time observes nothing: its history is unknown.
 */
function observationsOf(input: ReviewHealthInput, matchers: readonly TeamMatcher[]): HealthObservation[] {
  const before = new Map<string, PullRequest>();
  for (const prs of input.previous.values()) for (const pr of prs) before.set(pullRequestKey(pr.repository, pr.number), pr);
  const observations: HealthObservation[] = [];
  const observe = (metric: HealthObservation['metric'], pr: PullRequest, at: number): void => {
    const seconds = Math.max(0, (at - Date.parse(pr.createdAt)) / 1000);
    for (const team of ['', ...teamsOf(pr, matchers, input.members)]) observations.push({ metric, repository: pr.repository, team, seconds });
  };
  for (const pr of input.open) {
    if (!input.previous.has(pr.repository.toLowerCase())) continue;
    const earlier = before.get(pullRequestKey(pr.repository, pr.number));
    const reviewedAt = firstReviewAt(pr);
    // Reviews unknown at the previous read (GitHub did not answer): whether it was reviewed then is unknown too.
    if (earlier?.reviewState === 'unknown') continue;
    if (reviewedAt !== undefined && (earlier === undefined || firstReviewAt(earlier) === undefined)) observe('first_review', earlier ?? pr, reviewedAt);
  }
  for (const closed of input.closed) {
    const earlier = before.get(pullRequestKey(closed.repository, closed.number));
    // Closed without a merge, or never seen open: nothing to time.
    if (earlier && closed.mergedAt !== null) observe('merge', earlier, Date.parse(closed.mergedAt));
  }
  return observations;
}

/**
 * Once a repository has histogram series of its own it keeps them: counters must not hop between
 * labels. Newcomers while there is room: the top repositories, then those observed now by name.
 */
function grownHistogramRepositories(known: readonly string[], candidates: readonly string[], limit: number): string[] {
  const labelled = [...known];
  for (const repository of candidates) if (labelled.length < limit && !labelled.includes(repository)) labelled.push(repository);
  return labelled;
}

export function reviewHealth(input: ReviewHealthInput): ReviewHealth {
  const top = topRepositoriesByOpenPullRequests(input.open, input.topRepositories);
  const matchers = teamMatchers(input.teams, input.members);
  const observed = observationsOf(input, matchers);
  const candidates = [...top, ...[...new Set(observed.map((o) => o.repository))].sort()];
  const histogramRepositories = grownHistogramRepositories(input.histogramRepositories, candidates, input.topRepositories);
  const labelled = new Set(histogramRepositories);
  return {
    topRepositories: top,
    gauges: gaugesOf(input, new Set(top), matchers),
    observations: observed.map((o) => (labelled.has(o.repository) ? o : { ...o, repository: otherRepositories })),
    histogramRepositories,
  };
}
