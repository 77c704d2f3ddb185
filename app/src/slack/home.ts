// Builds one person's App Home from GitHub (their PRs, the reviews asked of them or their
// teams), their snoozes and their settings, and publishes it with views.publish.
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { teamsToRead } from '../core/audience.ts';
import { renderHome, type HomeView } from '../core/home.ts';
import type { PersonalSettingsStore, PullRequestSource } from '../core/ports.ts';
import type { ReminderChoice, ReminderChoices } from '../core/reminder-choices.ts';
import { authoredBy, awaitingReviewFrom, selectPullRequests, UserDirectory } from '../core/select.ts';
import type { PullRequestSnapshot } from '../core/types.ts';

export interface HomeDeps {
  config: Config;
  source: PullRequestSource;
  settings: PersonalSettingsStore;
  /** snoozes, when the reminder buttons store is wired */
  choices?: Pick<ReminderChoices, 'list' | 'unsnooze'>;
  logger: Logger;
  clock?: () => Date;
}

/** The zone settings fall back to: the first DM schedule's, else the first schedule's, else UTC. */
export function defaultTimeZone(config: Config): string {
  return (config.schedules.find((s) => s.kind !== 'digest') ?? config.schedules[0])?.timezone ?? 'UTC';
}

async function readGitHub(deps: HomeDeps): Promise<{ snapshot: PullRequestSnapshot; teams: ReadonlyMap<string, readonly string[]> }> {
  const snapshot = await deps.source.fetchOpenPullRequests(deps.config.github.repositories, deps.config.github.exclude);
  const roster = await deps.source.fetchTeamMembers(teamsToRead([], snapshot.pullRequests));
  return { snapshot, teams: roster.members };
}

async function readSnoozes(deps: HomeDeps, slackUserId: string): Promise<ReminderChoice[]> {
  if (!deps.choices) return [];
  const channels = [...new Set(deps.config.schedules.flatMap((s) => (s.kind === 'digest' && s.channel ? [s.channel] : [])))];
  return deps.choices.list([{ kind: 'user', id: slackUserId }, ...channels.map((id) => ({ kind: 'channel' as const, id }))]);
}

/** What `slackUserId` sees in the Home tab now. GitHub trouble is shown, not thrown. */
export async function buildHome(deps: HomeDeps, slackUserId: string): Promise<HomeView> {
  const directory = new UserDirectory(deps.config.users);
  const user = directory.bySlackId(slackUserId);
  const now = (deps.clock ?? (() => new Date()))();
  const base = { slackUserId, directory, now, staleAfterDays: deps.config.filters.staleAfterDays, defaultTimeZone: defaultTimeZone(deps.config) };
  if (!user) return renderHome({ ...base, user, authored: [], reviews: [], reviewTeams: [], failures: [], snoozes: [], settings: undefined });
  // Each part that cannot be read is said so in its section; the rest is still shown.
  const unreadable =
    (part: string) =>
    (error: unknown): undefined => {
      deps.logger.warn({ err: error, user: slackUserId, part }, 'App Home: a part could not be read');
      return undefined;
    };
  const [github, snoozes, settings] = await Promise.all([
    readGitHub(deps).catch(unreadable('github')),
    readSnoozes(deps, slackUserId).catch(unreadable('snoozes')),
    deps.settings.get(slackUserId).then((found) => ({ found }), unreadable('settings')),
  ]);
  const stored = { snoozes: snoozes ?? 'unreadable', settings: settings ? settings.found : 'unreadable' } as const;
  if (!github) {
    const unavailable = 'I could not read the pull requests from GitHub right now.';
    return renderHome({ ...base, user, authored: [], reviews: [], reviewTeams: [], failures: [], ...stored, unavailable });
  }
  const selected = selectPullRequests(github.snapshot.pullRequests, deps.config.filters, now);
  const reviews = awaitingReviewFrom(selected, user.github, github.teams);
  const login = user.github.toLowerCase();
  const reviewTeams = [...new Set(reviews.flatMap((r) => r.pr.requestedTeams))].filter((team) =>
    (github.teams.get(team.toLowerCase()) ?? []).some((member) => member.toLowerCase() === login),
  );
  return renderHome({
    ...base,
    user,
    authored: authoredBy(selected, user.github),
    reviews,
    reviewTeams,
    failures: github.snapshot.failedRepositories,
    ...stored,
  });
}

/** Builds and publishes `slackUserId`'s Home. */
export async function publishHome(client: WebClient, deps: HomeDeps, slackUserId: string): Promise<void> {
  const view = await buildHome(deps, slackUserId);
  await client.views.publish({ user_id: slackUserId, view });
}
