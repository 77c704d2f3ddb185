// A schedule's own view: its repositories, its filters over the global ones, and its audience
// (a GitHub team or a list of logins). Teams asked for review count as each of their members.
// Pure: team members come in as a TeamRoster read by the adapters.
import type { Config, FilterOverrides, Filters, Schedule } from '../config/schema.ts';
import { globToRegExp, isExcluded } from './repository-globs.ts';
import { requestedReviewerLogins, type SelectedPullRequest } from './select.ts';
import type { PullRequest, PullRequestSnapshot, TeamRoster } from './types.ts';

export const emptyRoster: TeamRoster = { members: new Map(), failures: [] };

/** Which repositories one read covers: `github.repositories`-style patterns and exclude globs. */
export interface RepositoryScope {
  patterns: readonly string[];
  exclude: readonly string[];
}

export function teamKey(team: string): string {
  return team.toLowerCase();
}

/** The schedule's own repositories and exclude, else the global ones. */
export function scheduleScope(schedule: Schedule, github: Pick<Config['github'], 'repositories' | 'exclude'>): RepositoryScope {
  return { patterns: schedule.repositories ?? github.repositories, exclude: schedule.exclude ?? github.exclude };
}

/** The global filters with the schedule's keys put over them, key by key. */
export function mergeFilters(global: Filters, overrides: FilterOverrides | undefined): Filters {
  const set = Object.entries(overrides ?? {}).filter(([, value]) => value !== undefined);
  return { ...global, ...Object.fromEntries(set) } as Filters;
}

/**
 * One read for several scopes: every pattern once, and only the exclude globs every scope
 * shares (so no scope misses a repository it wants); each scope then narrows the result.
 */
export function unionScope(scopes: readonly RepositoryScope[]): RepositoryScope {
  const patterns = new Map<string, string>();
  for (const scope of scopes) for (const pattern of scope.patterns) if (!patterns.has(pattern.toLowerCase())) patterns.set(pattern.toLowerCase(), pattern);
  const [first, ...rest] = scopes;
  const exclude = (first?.exclude ?? []).filter((glob) => rest.every((scope) => scope.exclude.some((other) => other.toLowerCase() === glob.toLowerCase())));
  return { patterns: [...patterns.values()], exclude };
}

export function scopeMatcher(scope: RepositoryScope): (name: string) => boolean {
  const included = scope.patterns.map(globToRegExp);
  const excluded = scope.exclude.map(globToRegExp);
  return (name) => included.some((pattern) => pattern.test(name)) && !isExcluded(name, excluded);
}

/** The part of a (shared) read that falls in `scope`: its PRs, and the failures of its patterns. */
export function narrowSnapshot(snapshot: PullRequestSnapshot, scope: RepositoryScope): PullRequestSnapshot {
  const matches = scopeMatcher(scope);
  // A read holds many PRs per repository (30,000 in 3,000 for a large organisation): each name is matched once.
  const byRepository = new Map<string, boolean>();
  const matchesRepository = (name: string): boolean => {
    let matched = byRepository.get(name);
    if (matched === undefined) byRepository.set(name, (matched = matches(name)));
    return matched;
  };
  const wildcardOwners = new Set(scope.patterns.filter((p) => /[*?]/.test(p)).map((p) => p.split('/')[0]?.toLowerCase()));
  // A failed owner listing is reported under its pattern ("acme/*"): it concerns every wildcard of that owner.
  const concerns = (failed: string): boolean => (/[*?]/.test(failed) ? wildcardOwners.has(failed.split('/')[0]?.toLowerCase()) : matches(failed));
  return {
    ...snapshot,
    pullRequests: snapshot.pullRequests.filter((pr) => matchesRepository(pr.repository)),
    failedRepositories: snapshot.failedRepositories.filter((failure) => concerns(failure.repository)),
  };
}

/** Whom a schedule is about: nobody in particular (undefined), a team, or listed logins. */
export type Audience = { kind: 'team'; team: string; logins: ReadonlySet<string>; failure?: string } | { kind: 'members'; logins: ReadonlySet<string> };

export function scheduleAudience(schedule: Schedule, roster: TeamRoster): Audience | undefined {
  if (schedule.members) return { kind: 'members', logins: new Set(schedule.members.map((login) => login.toLowerCase())) };
  if (!schedule.team) return undefined;
  const key = teamKey(schedule.team);
  const members = roster.members.get(key);
  const failure = roster.failures.find((f) => teamKey(f.team) === key);
  const logins = new Set((members ?? []).map((login) => login.toLowerCase()));
  if (failure) return { kind: 'team', team: schedule.team, logins, failure: failure.reason };
  if (!members) return { kind: 'team', team: schedule.team, logins, failure: 'its members were not read' };
  return { kind: 'team', team: schedule.team, logins };
}

/** PRs opened by, or awaiting review from, one of `logins` (lower case). */
export function forAudience(
  selected: readonly SelectedPullRequest[],
  logins: ReadonlySet<string>,
  teams: ReadonlyMap<string, readonly string[]>,
): SelectedPullRequest[] {
  return selected.filter((s) => logins.has(s.pr.author.toLowerCase()) || [...requestedReviewerLogins(s.pr, teams)].some((login) => logins.has(login)));
}

/**
 * The teams whose members a cycle needs: the audiences' and those `pullRequests` ask for review,
 * each once, leaving out the teams `roster` already answers for (read, or failed to read).
 */
export function teamsToRead(schedules: readonly Schedule[], pullRequests: readonly PullRequest[], roster?: TeamRoster): string[] {
  const teams = new Map<string, string>();
  const known = new Set([...(roster?.members.keys() ?? []), ...(roster?.failures.map((failure) => teamKey(failure.team)) ?? [])]);
  const add = (team: string): void => {
    const key = teamKey(team);
    if (!teams.has(key) && !known.has(key)) teams.set(key, team);
  };
  for (const schedule of schedules) if (schedule.team) add(schedule.team);
  for (const pr of pullRequests) for (const team of pr.requestedTeams) add(team);
  return [...teams.values()];
}

/** Two reads of team members as one. */
export function mergeRosters(first: TeamRoster, second: TeamRoster): TeamRoster {
  return { members: new Map([...first.members, ...second.members]), failures: [...first.failures, ...second.failures] };
}
