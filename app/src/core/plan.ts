// What one schedule says, decided from a snapshot: the digest for a channel, or one DM per
// mapped person. Pure; app/src/scheduling/cycle.ts carries the plan out.
import type { Filters, Schedule, User } from '../config/schema.ts';
import { emptyRoster, forAudience, scheduleAudience, type Audience } from './audience.ts';
import { escapeMrkdwn, truncate, type SlackMessage } from './messages.ts';
import { dmTimeDue, receivesScheduledDm, type PersonalSettings } from './personal-settings.ts';
import { withoutHidden, type ReminderChoice } from './reminder-choices.ts';
import { plural, renderDigest, renderPersonal, renderReviews, type Digest } from './render.ts';
import { authoredBy, awaitingReviewFrom, selectPullRequests, UserDirectory } from './select.ts';
import type { PullRequestSnapshot, TeamRoster } from './types.ts';

export interface DirectMessage {
  user: User;
  messages: SlackMessage[];
}

export type ReminderPlan =
  { kind: 'digest'; schedule: string; channel: string; digest: Digest } | { kind: 'personal' | 'reviews'; schedule: string; messages: DirectMessage[] };

export interface PlanInput {
  schedule: Schedule;
  snapshot: PullRequestSnapshot;
  filters: Filters;
  users: readonly User[];
  now: Date;
  /** members of the schedule's team and of the teams asked for review */
  roster?: TeamRoster;
  /** people's own settings for DMs; without them every recipient gets the schedule's DMs */
  personal?: PersonalDelivery;
  /** snoozes and "not mine" of the digest's channel and of the DM recipients: their PRs are left out */
  choices?: readonly ReminderChoice[];
}

/**
 * What a DM cycle was started by: the schedule's own fire, or the minute tick for people's own
 * DM times. `at` is the fire or the minute.
 */
export interface PersonalDelivery {
  trigger: 'schedule' | 'dm-time';
  at: Date;
  /** by Slack user id */
  settings: ReadonlyMap<string, PersonalSettings>;
}

/** Who of `users` gets a DM from this cycle, as their own settings say. */
export function dmRecipients(users: readonly User[], schedule: Schedule, personal: PersonalDelivery | undefined): User[] {
  if (!personal) return [...users];
  return users.filter((user) => {
    const own = personal.settings.get(user.slack);
    if (personal.trigger === 'schedule') return receivesScheduledDm(own, personal.at, schedule.timezone);
    return own !== undefined && dmTimeDue(own, personal.at, schedule.timezone);
  });
}

/** What a digest with an audience says about it, so an empty digest is not a mystery. */
export function audienceNotes(audience: Audience | undefined): string[] {
  if (!audience) return [];
  if (audience.kind === 'members')
    return [`:busts_in_silhouette: Pull requests opened by, or waiting for a review from, ${plural(audience.logins.size, 'listed member')}.`];
  const team = escapeMrkdwn(`@${audience.team}`);
  if (audience.failure !== undefined) {
    return [
      `:warning: Team ${team} could not be read (${escapeMrkdwn(truncate(audience.failure, 300))}): this schedule has no members, so it lists no pull request.`,
    ];
  }
  return [`:busts_in_silhouette: Pull requests opened by, or waiting for a review from, ${team} (${plural(audience.logins.size, 'member')}).`];
}

/**
 * True when GitHub gave nothing at all: no pull request, and every configured pattern itself
 * failed (a rejected token, GitHub unreachable). The digest still says so; the cycle fails.
 */
export function nothingReadable(patterns: readonly string[], snapshot: PullRequestSnapshot): boolean {
  if (snapshot.pullRequests.length > 0 || patterns.length === 0) return false;
  const failed = new Set(snapshot.failedRepositories.map((f) => f.repository.toLowerCase()));
  return patterns.every((pattern) => failed.has(pattern.toLowerCase()));
}

export function planReminder(input: PlanInput): ReminderPlan {
  const { schedule, snapshot, filters, users, now } = input;
  const roster = input.roster ?? emptyRoster;
  const directory = new UserDirectory(users);
  const selected = selectPullRequests(snapshot.pullRequests, filters, now);
  const audience = scheduleAudience(schedule, roster);
  const choices = input.choices ?? [];
  if (schedule.kind === 'digest') {
    // The schema requires a channel of every digest.
    const channel = schedule.channel ?? '';
    const shown = withoutHidden(selected, choices, { kind: 'channel', id: channel }, now);
    const digest = renderDigest({
      scheduleName: schedule.name,
      selected: audience ? forAudience(shown, audience.logins, roster.members) : shown,
      failures: snapshot.failedRepositories,
      reviewsUnknown: snapshot.reviewsUnknown ?? [],
      directory,
      staleAfterDays: filters.staleAfterDays,
      notes: audienceNotes(audience),
      buttonsFor: channel,
    });
    return { kind: 'digest', schedule: schedule.name, channel, digest };
  }
  const messages: DirectMessage[] = [];
  // With an audience, only its mapped members get DMs.
  const members = audience ? users.filter((user) => audience.logins.has(user.github.toLowerCase())) : users;
  const recipients = dmRecipients(members, schedule, input.personal);
  for (const user of recipients) {
    const own = withoutHidden(selected, choices, { kind: 'user', id: user.slack }, now);
    const rendered =
      schedule.kind === 'personal'
        ? renderPersonal(user, authoredBy(own, user.github), directory, filters.staleAfterDays, true)
        : renderReviews(user, awaitingReviewFrom(own, user.github, roster.members), directory, filters.staleAfterDays, true);
    if (rendered.length > 0) messages.push({ user, messages: rendered });
  }
  return { kind: schedule.kind, schedule: schedule.name, messages };
}
