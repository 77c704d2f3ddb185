// Keeps the review-health series current from the reads the app makes anyway: every snapshot and
// team roster the GitHub source hands out (schedules, /prs, webhooks) passes through
// `withReviewHealth`, which remembers the latest PRs per repository and the latest members per
// team. No GitHub request of its own.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { mergeFilters, scheduleScope, scopeMatcher, teamKey, unionScope } from '../core/audience.ts';
import type { PullRequestSource } from '../core/ports.ts';
import { openStates, reviewHealth, type ReviewHealth, type ReviewHealthTeam } from '../core/review-health.ts';
import type { PullRequest, PullRequestSnapshot, TeamRoster } from '../core/types.ts';
import type { ReviewHealthMetrics } from './metrics.ts';

/** The teams schedules name: one entry per team (its schedules' repositories together, the tightest SLO) and the channel of its first digest. */
export function reviewHealthTeams(config: Pick<Config, 'schedules' | 'filters' | 'github'>): { teams: ReviewHealthTeam[]; channels: Map<string, string> } {
  const byTeam = new Map<string, ReviewHealthTeam>();
  const channels = new Map<string, string>();
  for (const schedule of config.schedules) {
    if (!schedule.team) continue;
    const key = teamKey(schedule.team);
    const sloHours = mergeFilters(config.filters, schedule.filters).reviewSloHours;
    const scope = scheduleScope(schedule, config.github);
    const known = byTeam.get(key);
    const team = known
      ? { team: known.team, scope: unionScope([known.scope, scope]), sloHours: Math.min(known.sloHours, sloHours) }
      : { team: schedule.team, scope, sloHours };
    byTeam.set(key, team);
    if (schedule.kind === 'digest' && schedule.channel && !channels.has(team.team)) channels.set(team.team, schedule.channel);
  }
  return { teams: [...byTeam.values()], channels };
}

export interface ReviewHealthOptions {
  config: Pick<Config, 'schedules' | 'filters' | 'github' | 'metrics'>;
  metrics: ReviewHealthMetrics;
  logger: Logger;
  clock?: () => Date;
}

export class ReviewHealthRecorder {
  /** repository (lower case) -> its open PRs as last read */
  private readonly open = new Map<string, readonly PullRequest[]>();
  private readonly members = new Map<string, readonly string[]>();
  /** the scopes read so far: a repository one of them covers has a known past */
  private readonly scopesRead = new Map<string, (repository: string) => boolean>();
  private histogramRepositories: string[] = [];
  private readonly teams: ReviewHealthTeam[];

  constructor(private readonly options: ReviewHealthOptions) {
    const { teams, channels } = reviewHealthTeams(options.config);
    this.teams = teams;
    options.metrics.sloHours.set({ team: '' }, options.config.filters.reviewSloHours);
    for (const team of teams) options.metrics.sloHours.set({ team: team.team }, team.sloHours);
    for (const [team, channel] of channels) options.metrics.teamInfo.set({ team, channel }, 1);
  }

  /** A read of `patterns` minus `exclude`: its repositories' PRs replace what was known of them. */
  recordSnapshot(patterns: readonly string[], exclude: readonly string[], snapshot: PullRequestSnapshot): void {
    const inScope = scopeMatcher({ patterns, exclude });
    const failed = new Set(snapshot.failedRepositories.map((f) => f.repository.toLowerCase()));
    const failedOwners = new Set(snapshot.failedRepositories.filter((f) => f.repository.endsWith('/*')).map((f) => f.repository.split('/')[0]?.toLowerCase()));
    const readNow = new Map<string, PullRequest[]>();
    for (const repository of this.open.keys()) if (inScope(repository)) readNow.set(repository, []);
    for (const pr of snapshot.pullRequests) {
      const key = pr.repository.toLowerCase();
      const prs = readNow.get(key) ?? [];
      prs.push(pr);
      readNow.set(key, prs);
    }
    for (const repository of readNow.keys()) if (failed.has(repository) || failedOwners.has(repository.split('/')[0])) readNow.delete(repository);
    const previous = new Map<string, readonly PullRequest[]>();
    const hadPast = (repository: string): boolean => [...this.scopesRead.values()].some((covers) => covers(repository));
    for (const repository of readNow.keys()) if (hadPast(repository)) previous.set(repository, this.open.get(repository) ?? []);
    for (const [repository, prs] of readNow) {
      if (prs.length > 0) this.open.set(repository, prs);
      else this.open.delete(repository);
    }
    this.scopesRead.set(JSON.stringify([patterns, exclude]), inScope);
    this.apply(previous, snapshot);
  }

  /** Members as a read found them; teams that could not be read keep their last members. */
  recordRoster(roster: TeamRoster): void {
    for (const [team, logins] of roster.members) this.members.set(teamKey(team), logins);
    this.apply(new Map(), undefined);
  }

  private apply(previous: ReadonlyMap<string, readonly PullRequest[]>, snapshot: PullRequestSnapshot | undefined): void {
    const health = reviewHealth({
      open: [...this.open.values()].flat(),
      previous,
      closed: snapshot?.closedPullRequests ?? [],
      teams: this.teams,
      members: this.members,
      sloHours: this.options.config.filters.reviewSloHours,
      topRepositories: this.options.config.metrics.reviewHealthTopRepositories,
      histogramRepositories: this.histogramRepositories,
      now: (this.options.clock ?? (() => new Date()))(),
    });
    this.histogramRepositories = health.histogramRepositories;
    this.export(health);
  }

  /** Replaces every gauge in one synchronous step, so a scrape never sees half a picture. */
  private export(health: ReviewHealth): void {
    const { metrics, logger } = this.options;
    metrics.openPullRequests.reset();
    metrics.oldestWaiting.reset();
    metrics.sloBreaches.reset();
    for (const row of health.gauges) {
      const labels = { repository: row.repository, team: row.team };
      for (const state of openStates) metrics.openPullRequests.set({ ...labels, state }, row.open[state]);
      if (row.oldestWaitingSeconds !== undefined) metrics.oldestWaiting.set(labels, row.oldestWaitingSeconds);
      metrics.sloBreaches.set(labels, row.sloBreaches);
    }
    for (const o of health.observations) {
      (o.metric === 'merge' ? metrics.timeToMerge : metrics.timeToFirstReview).observe({ repository: o.repository, team: o.team }, o.seconds);
    }
    metrics.updated.set(Date.now() / 1000);
    if (health.observations.length > 0) {
      logger.debug({ observations: health.observations.length, repositories: health.topRepositories.length }, 'review health observed');
    }
  }
}

/** The source, with every snapshot and roster it answers also handed to `recorder`; a metrics fault never fails the read. */
export function withReviewHealth<S extends PullRequestSource>(source: S, recorder: ReviewHealthRecorder, logger: Logger): S {
  const record = (what: string, step: () => void): void => {
    try {
      step();
    } catch (error) {
      logger.error({ err: error, what }, 'review-health metrics could not be updated');
    }
  };
  return {
    ...source,
    async fetchOpenPullRequests(patterns, exclude) {
      const snapshot = await source.fetchOpenPullRequests(patterns, exclude);
      record('snapshot', () => recorder.recordSnapshot(patterns, exclude, snapshot));
      return snapshot;
    },
    async fetchTeamMembers(teams) {
      const roster = await source.fetchTeamMembers(teams);
      record('roster', () => recorder.recordRoster(roster));
      return roster;
    },
    checkReachable: () => source.checkReachable(),
  };
}
