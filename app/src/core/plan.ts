// What one schedule says, decided from a snapshot: the digest for a channel, or one DM per
// mapped person. Pure; app/src/scheduling/cycle.ts carries the plan out.
import type { Filters, Schedule, User } from '../config/schema.ts';
import type { SlackMessage } from './messages.ts';
import { renderDigest, renderPersonal, renderReviews, type Digest } from './render.ts';
import { authoredBy, awaitingReviewFrom, selectPullRequests, UserDirectory } from './select.ts';
import type { PullRequestSnapshot } from './types.ts';

export interface DirectMessage {
  user: User;
  messages: SlackMessage[];
}

export type ReminderPlan =
  | { kind: 'digest'; schedule: string; channel: string; digest: Digest }
  | { kind: 'personal' | 'reviews'; schedule: string; messages: DirectMessage[] };

export interface PlanInput {
  schedule: Schedule;
  snapshot: PullRequestSnapshot;
  filters: Filters;
  users: readonly User[];
  now: Date;
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
  const directory = new UserDirectory(users);
  const selected = selectPullRequests(snapshot.pullRequests, filters, now);
  if (schedule.kind === 'digest') {
    const digest = renderDigest({
      scheduleName: schedule.name,
      selected,
      failures: snapshot.failedRepositories,
      reviewsUnknown: snapshot.reviewsUnknown ?? [],
      directory,
      staleAfterDays: filters.staleAfterDays,
    });
    return { kind: 'digest', schedule: schedule.name, channel: schedule.channel, digest };
  }
  const messages: DirectMessage[] = [];
  for (const user of users) {
    const rendered =
      schedule.kind === 'personal'
        ? renderPersonal(user, authoredBy(selected, user.github), directory, filters.staleAfterDays)
        : renderReviews(user, awaitingReviewFrom(selected, user.github), directory, filters.staleAfterDays);
    if (rendered.length > 0) messages.push({ user, messages: rendered });
  }
  return { kind: schedule.kind, schedule: schedule.name, messages };
}
