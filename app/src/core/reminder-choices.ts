// What people chose about the pull requests reminders show them: a snooze (for a day, or until
// the next push) for a channel's digest or a person's DMs, and "not mine" for a person's DMs.
// The store behind the port lives in app/src/store/reminder-choices.ts. Pure.
import { pullRequestKey } from './keys.ts';

/** Whose reminders a choice changes: a channel's digest, or one person's DMs. */
export type ChoiceScope = { kind: 'channel'; id: string } | { kind: 'user'; id: string };

export type ChoiceKind = 'snooze' | 'not-mine';

export interface PullRequestRef {
  /** "owner/repo" as GitHub spells it */
  repository: string;
  number: number;
}

/** How long a snooze lasts: to a time, or until the next push to the PR. */
export type SnoozeEnd = { until: Date } | { untilPush: true };

export interface ReminderChoice {
  /** the same on every replica for the same scope, kind and PR: a second click replaces the first */
  id: string;
  scope: ChoiceScope;
  kind: ChoiceKind;
  repository: string;
  number: number;
  /** `pullRequestKey` of the PR */
  prKey: string;
  /** Slack user id of whoever chose */
  by: string;
  /** ISO 8601 */
  chosenAt: string;
  /** snoozes with a time: ISO 8601 end */
  until?: string;
  /** snoozes that end with the next push (a `synchronize` webhook), or after `untilPushMaxDays` */
  untilPush?: boolean;
}

/** An "until next push" snooze nobody pushes after still ends: no PR is hidden for ever by a forgotten click. */
export const untilPushMaxDays = 14;
const dayMs = 86_400_000;

/**
 * Where the choices are kept: Elasticsearch when replicas share it, memory for one replica.
 * Writes are visible to the next `list` on every replica.
 */
export interface ReminderChoices {
  /** snoozes `pr` for `scope` (replacing an earlier snooze of the same scope and PR) */
  snooze(scope: ChoiceScope, pr: PullRequestRef, end: SnoozeEnd, by: string): Promise<ReminderChoice>;
  /** hides `pr` from `user`'s personal and review reminders */
  notMine(user: string, pr: PullRequestRef): Promise<ReminderChoice>;
  /** every choice of these scopes, expired snoozes included (`activeChoices` filters) */
  list(scopes: readonly ChoiceScope[]): Promise<ReminderChoice[]>;
  /** ends the snooze of `pr` for `scope`; false when there was none */
  unsnooze(scope: ChoiceScope, pr: PullRequestRef): Promise<boolean>;
  /** takes "not mine" back; false when there was none */
  undoNotMine(user: string, pr: PullRequestRef): Promise<boolean>;
  /** a push to `pr`: ends its "until next push" snoozes in every scope; how many ended */
  endUntilPush(pr: PullRequestRef): Promise<number>;
}

export function scopeKey(scope: ChoiceScope): string {
  return `${scope.kind}:${scope.id}`;
}

export function choiceId(scope: ChoiceScope, kind: ChoiceKind, pr: PullRequestRef): string {
  return `${scopeKey(scope)}|${kind}|${pullRequestKey(pr.repository, pr.number)}`;
}

/** The document a store keeps for a snooze chosen at `now`. */
export function snoozeChoice(scope: ChoiceScope, pr: PullRequestRef, end: SnoozeEnd, by: string, now: Date): ReminderChoice {
  return {
    ...base(scope, 'snooze', pr, by, now),
    ...('untilPush' in end ? { untilPush: true } : { until: end.until.toISOString() }),
  };
}

export function notMineChoice(user: string, pr: PullRequestRef, now: Date): ReminderChoice {
  return base({ kind: 'user', id: user }, 'not-mine', pr, user, now);
}

function base(scope: ChoiceScope, kind: ChoiceKind, pr: PullRequestRef, by: string, now: Date): ReminderChoice {
  return {
    id: choiceId(scope, kind, pr),
    scope,
    kind,
    repository: pr.repository,
    number: pr.number,
    prKey: pullRequestKey(pr.repository, pr.number),
    by,
    chosenAt: now.toISOString(),
  };
}

/** When a choice stops mattering: a snooze's end (an until-push one's cap); never for "not mine". */
export function choiceEnd(choice: ReminderChoice): Date | undefined {
  if (choice.kind === 'not-mine') return undefined;
  if (choice.untilPush) return new Date(Date.parse(choice.chosenAt) + untilPushMaxDays * dayMs);
  return choice.until ? new Date(choice.until) : new Date(choice.chosenAt);
}

export function isActive(choice: ReminderChoice, now: Date): boolean {
  const end = choiceEnd(choice);
  return end === undefined || end.getTime() > now.getTime();
}

export function activeChoices(choices: readonly ReminderChoice[], now: Date): ReminderChoice[] {
  return choices.filter((choice) => isActive(choice, now));
}

/** The PRs (`pullRequestKey`) a reminder for `scope` leaves out at `now`. */
export function hiddenFor(choices: readonly ReminderChoice[], scope: ChoiceScope, now: Date): Set<string> {
  const key = scopeKey(scope);
  return new Set(
    choices
      .filter((choice) => scopeKey(choice.scope) === key && isActive(choice, now))
      // "not mine" is about a person's reminders only; a digest is the channel's
      .filter((choice) => choice.kind === 'snooze' || scope.kind === 'user')
      .map((choice) => choice.prKey),
  );
}

/** `items` without the PRs hidden for `scope`. */
export function withoutHidden<T extends { pr: PullRequestRef }>(items: readonly T[], choices: readonly ReminderChoice[], scope: ChoiceScope, now: Date): T[] {
  const hidden = hiddenFor(choices, scope, now);
  if (hidden.size === 0) return [...items];
  return items.filter((item) => !hidden.has(pullRequestKey(item.pr.repository, item.pr.number)));
}

/** A "1 day" snooze clicked at `now` ends 24 hours later. */
export function snoozeOneDay(now: Date): { until: Date } {
  return { until: new Date(now.getTime() + dayMs) };
}
