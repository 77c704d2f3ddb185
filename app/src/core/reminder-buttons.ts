// The buttons on every reminder line (a digest reply, each PR of a DM): their action_ids, the
// value each carries (whose reminder and which PR), the checks a click passes before anything is
// stored, and how the message looks once chosen. The renderers and the listener import these. Pure.
import { pullRequestKey } from './keys.ts';
import { truncate, type ActionsBlock, type Block, type ButtonElement } from './messages.ts';
import { snoozeOneDay, type ChoiceScope, type PullRequestRef, type SnoozeEnd } from './reminder-choices.ts';

export const reminderActions = {
  snoozeDay: 'reminder_snooze_day',
  snoozePush: 'reminder_snooze_push',
  notMine: 'reminder_not_mine',
  open: 'reminder_open',
} as const;

export type ReminderActionId = (typeof reminderActions)[keyof typeof reminderActions];

export const reminderActionIds: readonly ReminderActionId[] = Object.values(reminderActions);

/** Slack caps a button's value at 2,000 characters. */
export const maxButtonValueChars = 2000;
const valueVersion = 'r1';
const slackId = /^[A-Z0-9]{2,32}$/;
// GitHub owner and repository names: letters, digits, '-', '_' and '.'.
const repositoryName = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/** The value of every button on a reminder line: `r1|c|C123|owner/repo|12` (c: a channel's digest, u: a user's DM). */
export function encodeButtonValue(scope: ChoiceScope, pr: PullRequestRef): string {
  return [valueVersion, scope.kind === 'channel' ? 'c' : 'u', scope.id, pr.repository, String(pr.number)].join('|');
}

export type ParsedValue = { ok: true; scope: ChoiceScope; pr: PullRequestRef } | { ok: false; problem: string };

/** Button values come back from Slack untrusted: each part is checked, nothing else is accepted. */
export function parseButtonValue(value: unknown): ParsedValue {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxButtonValueChars)
    return { ok: false, problem: 'value must be a non-empty string of at most 2000 characters' };
  const parts = value.split('|');
  if (parts.length !== 5 || parts[0] !== valueVersion) return { ok: false, problem: `value must look like "${valueVersion}|c|C123|owner/repo|12"` };
  const [, kind, id = '', repository = '', number = ''] = parts;
  if (kind !== 'c' && kind !== 'u') return { ok: false, problem: 'value scope must be "c" (channel) or "u" (user)' };
  if (!slackId.test(id)) return { ok: false, problem: 'value must name a Slack channel or user id (capital letters and digits)' };
  if (!repositoryName.test(repository)) return { ok: false, problem: 'value must name a repository as owner/repo' };
  if (!/^[1-9][0-9]{0,9}$/.test(number)) return { ok: false, problem: 'value must end with a pull request number' };
  return { ok: true, scope: { kind: kind === 'c' ? 'channel' : 'user', id }, pr: { repository, number: Number(number) } };
}

/** The block_id of a line's buttons: unique per PR within a message, so a click finds its line. */
export function actionsBlockId(pr: PullRequestRef): string {
  return truncate(`reminder:${pullRequestKey(pr.repository, pr.number)}`, 255);
}

function button(actionId: ReminderActionId, text: string, value: string, url?: string): ButtonElement {
  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text, emoji: true }, value, ...(url ? { url } : {}) };
}

/** Snooze (1 day, until next push), Not mine, Open: under one reminder line. */
export function reminderButtons(scope: ChoiceScope, pr: PullRequestRef & { url: string }): ActionsBlock {
  const value = encodeButtonValue(scope, pr);
  return {
    type: 'actions',
    block_id: actionsBlockId(pr),
    elements: [
      button(reminderActions.snoozeDay, 'Snooze 1 day', value),
      button(reminderActions.snoozePush, 'Snooze until next push', value),
      button(reminderActions.notMine, 'Not mine', value),
      button(reminderActions.open, 'Open', value, pr.url),
    ],
  };
}

export interface ReminderClick {
  actionId: string;
  value: unknown;
  /** who clicked */
  user: string;
  /** where the message is */
  channel: string;
}

/** What a valid click asks for: the store call and the words for the message and the user. */
export type ClickDecision =
  | { ok: false; text: string }
  | { ok: true; kind: 'none' }
  | { ok: true; kind: 'snooze'; scope: ChoiceScope; pr: PullRequestRef; end: SnoozeEnd; note: string; text: string }
  | { ok: true; kind: 'not-mine'; user: string; pr: PullRequestRef; note: string; text: string };

/**
 * Checks a click: a known action, a value ChatOps made, a DM only by the person it was sent to, a
 * digest's button only in its channel. A digest's Snooze snoozes for the channel; Not mine is the
 * clicking user's own.
 */
export function decideClick(click: ReminderClick, now: Date): ClickDecision {
  if (!(reminderActionIds as readonly string[]).includes(click.actionId)) return { ok: false, text: `Unknown reminder action ${click.actionId}.` };
  if (click.actionId === reminderActions.open) return { ok: true, kind: 'none' };
  const parsed = parseButtonValue(click.value);
  if (!parsed.ok) return { ok: false, text: `This button is not one ChatOps made (${parsed.problem}); nothing was changed.` };
  const { scope, pr } = parsed;
  if (scope.kind === 'user' && scope.id !== click.user) return { ok: false, text: `This reminder was sent to <@${scope.id}>: only they can change it.` };
  if (scope.kind === 'channel' && scope.id !== click.channel)
    return { ok: false, text: 'This button belongs to a digest in another channel; nothing was changed.' };
  const name = `${pr.repository}#${pr.number}`;
  const where = scope.kind === 'channel' ? `<#${scope.id}>'s digest` : 'your reminders';
  if (click.actionId === reminderActions.notMine) {
    return {
      ok: true,
      kind: 'not-mine',
      user: click.user,
      pr,
      note: `:no_bell: <@${click.user}> marked this as not theirs.`,
      text: `${name} is hidden from your personal and review reminders.`,
    };
  }
  if (click.actionId === reminderActions.snoozePush) {
    const note = `:zzz: Snoozed until the next push by <@${click.user}>.`;
    return { ok: true, kind: 'snooze', scope, pr, end: { untilPush: true }, note, text: `${name} is snoozed in ${where} until the next push.` };
  }
  const end = snoozeOneDay(now);
  const until = end.until.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const note = `:zzz: Snoozed for a day by <@${click.user}> (until <!date^${Math.floor(end.until.getTime() / 1000)}^{date_short_pretty} {time}|${until}>).`;
  return { ok: true, kind: 'snooze', scope, pr, end, note, text: `${name} is snoozed in ${where} until ${until}.` };
}

/** The message after a choice: the chosen line's buttons become `note`; every other block stays. */
export function markChosen(blocks: readonly unknown[], pr: PullRequestRef, note: string): unknown[] {
  const id = actionsBlockId(pr);
  return blocks.map((block) =>
    typeof block === 'object' && block !== null && (block as { block_id?: unknown }).block_id === id
      ? ({ type: 'context', block_id: id, elements: [{ type: 'mrkdwn', text: note }] } satisfies Block & { block_id: string })
      : block,
  );
}
