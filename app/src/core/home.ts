// The App Home tab and its settings modal: what a person sees (their open PRs, PRs awaiting
// their review, their snoozes, their reminder settings) and the ids the listeners answer to.
// Pure: app/src/slack/listeners publish what this renders.
import type { User } from '../config/schema.ts';
import { escapeMrkdwn, header, sections, truncate, type Block, type MrkdwnText } from './messages.ts';
import { nextDmTime, weekdayNames, weekdays, type PersonalSettings, type SettingsField, type SettingsFormInput } from './personal-settings.ts';
import { pullRequestLine } from './render.ts';
import { activeChoices, scopeKey, type ChoiceScope, type ReminderChoice } from './reminder-choices.ts';
import type { SelectedPullRequest, UserDirectory } from './select.ts';
import type { RepositoryFailure } from './types.ts';

/** The action_ids and callback_id the Home's listeners are registered for. */
export const homeActionIds = { openSettings: 'home_open_settings', unsnooze: 'home_unsnooze' } as const;
export const settingsCallbackId = 'home_settings';

/** The settings modal's input blocks, one per field (Slack names a field's error by block_id). */
export const settingsBlocks: Readonly<Record<SettingsField, { blockId: string; actionId: string }>> = {
  timeZone: { blockId: 'settings_time_zone', actionId: 'time_zone' },
  dmTime: { blockId: 'settings_dm_time', actionId: 'dm_time' },
  workingDays: { blockId: 'settings_working_days', actionId: 'working_days' },
  quietStart: { blockId: 'settings_quiet_start', actionId: 'quiet_start' },
  quietEnd: { blockId: 'settings_quiet_end', actionId: 'quiet_end' },
  pausedUntil: { blockId: 'settings_paused_until', actionId: 'paused_until' },
};

/** https://docs.slack.dev/reference/views/home-tab-views: at most 100 blocks. */
export const maxViewBlocks = 100;
/** Lines per PR list before "and N more". */
export const maxListedPullRequests = 25;
export const maxListedSnoozes = 20;

interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
interface Button {
  type: 'button';
  text: PlainText;
  action_id: string;
  value?: string;
}
export type ViewBlock =
  | Block
  | { type: 'section'; text: MrkdwnText; accessory: Button }
  | { type: 'section'; text: MrkdwnText; fields: MrkdwnText[]; accessory?: Button }
  | { type: 'input'; block_id: string; label: PlainText; optional: boolean; hint?: PlainText; element: Record<string, unknown> };

export interface HomeView {
  type: 'home';
  callback_id: string;
  blocks: ViewBlock[];
}

export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit: PlainText;
  close: PlainText;
  blocks: ViewBlock[];
}

const plain = (text: string): PlainText => ({ type: 'plain_text', text, emoji: true });
const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text });

export interface HomeInput {
  slackUserId: string;
  /** undefined: the person has no GitHub login in config.yml */
  user: User | undefined;
  authored: readonly SelectedPullRequest[];
  reviews: readonly SelectedPullRequest[];
  /** the teams asked for review that the person belongs to ("org/slug") */
  reviewTeams: readonly string[];
  failures: readonly RepositoryFailure[];
  /** 'unreadable': the store did not answer; the section says so */
  snoozes: readonly ReminderChoice[] | 'unreadable';
  settings: PersonalSettings | undefined | 'unreadable';
  /** the zone settings fall back to (the first DM schedule's) */
  defaultTimeZone: string;
  directory: UserDirectory;
  staleAfterDays: number;
  now: Date;
  /** GitHub could not be read: the lists are replaced by this */
  unavailable?: string;
}

/** The Home of someone config.yml does not map: how to get mapped. */
export function renderUnmappedHome(slackUserId: string): HomeView {
  return {
    type: 'home',
    callback_id: 'home',
    blocks: [
      header('Pull request reminders'),
      ...sections([
        `:wave: I do not know which GitHub login belongs to <@${slackUserId}>, so I cannot list your pull requests or remind you of them.`,
        `*To get mapped*, ask an operator to add you under \`users\` in config.yml: \`{ slack: ${slackUserId}, github: <your-login>, name: <your name> }\`, then open this tab again.`,
        '`/prs all` lists every open pull request without that.',
      ]),
    ],
  };
}

function pullRequestList(title: string, items: readonly SelectedPullRequest[], empty: string, input: HomeInput): ViewBlock[] {
  const shown = items.slice(0, maxListedPullRequests).map((item) => pullRequestLine(item, input.directory, input.staleAfterDays));
  const more =
    items.length > shown.length ? [`…and ${items.length - shown.length} more: \`/prs ${title.startsWith('Your') ? 'mine' : 'reviews'}\` lists them all.`] : [];
  return [header(`${title} (${items.length})`), ...sections(items.length === 0 ? [empty] : [...shown, ...more])];
}

/** The value an Unsnooze button carries: which snooze to end. */
export function unsnoozeValue(choice: ReminderChoice): string {
  return JSON.stringify({ scope: choice.scope, repository: choice.repository, number: choice.number });
}

export function parseUnsnoozeValue(value: string): { scope: ChoiceScope; repository: string; number: number } | undefined {
  try {
    const parsed = JSON.parse(value) as { scope?: { kind?: unknown; id?: unknown }; repository?: unknown; number?: unknown };
    const { scope, repository, number } = parsed;
    if (!scope || (scope.kind !== 'user' && scope.kind !== 'channel') || typeof scope.id !== 'string') return undefined;
    if (typeof repository !== 'string' || typeof number !== 'number' || !Number.isInteger(number)) return undefined;
    return { scope: { kind: scope.kind, id: scope.id }, repository, number };
  } catch {
    // Not JSON: not a value this app rendered.
    return undefined;
  }
}

function snoozeLine(choice: ReminderChoice): string {
  const where = choice.scope.kind === 'channel' ? `in <#${choice.scope.id}>` : 'in your DMs';
  const until = choice.untilPush
    ? 'until the next push'
    : `until <!date^${Math.floor(Date.parse(choice.until ?? choice.chosenAt) / 1000)}^{date_short_pretty} {time}|${choice.until ?? ''}>`;
  return `${escapeMrkdwn(`${choice.repository}#${choice.number}`)} ${where}, ${until}`;
}

const tryAgain = 'could not be read just now: open this tab again in a minute.';

function snoozeBlocks(input: HomeInput): ViewBlock[] {
  if (input.snoozes === 'unreadable') return [header('Your snoozes'), ...sections([`:warning: Your snoozes ${tryAgain}`])];
  const mine = activeChoices(input.snoozes, input.now)
    .filter((c) => c.kind === 'snooze' && c.by === input.slackUserId)
    .sort((a, b) => a.chosenAt.localeCompare(b.chosenAt) || scopeKey(a.scope).localeCompare(scopeKey(b.scope)));
  const shown = mine.slice(0, maxListedSnoozes);
  const blocks: ViewBlock[] = [header(`Your snoozes (${mine.length})`)];
  if (mine.length === 0) return [...blocks, ...sections(['Nothing snoozed. A reminder’s *Snooze* button hides its pull request for a while.'])];
  for (const choice of shown) {
    blocks.push({
      type: 'section',
      text: mrkdwn(truncate(snoozeLine(choice), 3000)),
      accessory: { type: 'button', text: plain('Unsnooze'), action_id: homeActionIds.unsnooze, value: unsnoozeValue(choice) },
    });
  }
  if (mine.length > shown.length) blocks.push(...sections([`…and ${mine.length - shown.length} more.`]));
  return blocks;
}

/** One line per setting, as the person reads them back. */
export function settingsSummary(settings: PersonalSettings | undefined, defaultTimeZone: string, now: Date): string[] {
  const zone = settings?.timeZone ?? defaultTimeZone;
  const days = settings?.workingDays ? settings.workingDays.map((d) => weekdayNames[d]).join(', ') : 'every day the schedule runs';
  const next = settings ? nextDmTime(settings, now, defaultTimeZone) : undefined;
  return [
    `*DM time:* ${settings?.dmTime ? `${settings.dmTime} (${escapeMrkdwn(zone)})` : 'when the schedule sends them'}`,
    `*Time zone:* ${escapeMrkdwn(zone)}${settings?.timeZone ? '' : ' (the schedule’s)'}`,
    `*Working days:* ${days}`,
    `*Quiet hours:* ${settings?.quietHours ? `${settings.quietHours.start}–${settings.quietHours.end}` : 'none'}`,
    `*Paused:* ${settings?.pausedUntil && settings.pausedUntil > localDate(now, zone) ? `until ${settings.pausedUntil}` : 'no'}`,
    ...(next ? [`*Next DM:* <!date^${Math.floor(next.getTime() / 1000)}^{date_short_pretty} {time}|${next.toISOString()}>`] : []),
  ];
}

function localDate(now: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export function renderHome(input: HomeInput): HomeView {
  if (!input.user) return renderUnmappedHome(input.slackUserId);
  const lists: ViewBlock[] = input.unavailable
    ? [header('Your pull requests'), ...sections([`:warning: ${escapeMrkdwn(truncate(input.unavailable, 500))} Open this tab again in a minute.`])]
    : [
        ...pullRequestList('Your open pull requests', input.authored, ':tada: You have no open pull requests.', input),
        ...pullRequestList('Waiting for your review', input.reviews, ':tada: Nothing waits for your review.', input),
        ...(input.reviewTeams.length > 0
          ? [
              {
                type: 'context' as const,
                elements: [mrkdwn(`Includes reviews asked of your teams: ${input.reviewTeams.map((t) => escapeMrkdwn(`@${t}`)).join(', ')}`)],
              },
            ]
          : []),
        ...(input.failures.length > 0
          ? sections([`:warning: Could not read ${input.failures.map((f) => escapeMrkdwn(f.repository)).join(', ')}: their pull requests are missing above.`])
          : []),
      ];
  const settings: ViewBlock[] =
    input.settings === 'unreadable'
      ? sections([`:warning: Your reminder settings ${tryAgain}`])
      : [
          {
            type: 'section',
            text: mrkdwn('When your `personal` and `reviews` DMs come.'),
            fields: settingsSummary(input.settings, input.defaultTimeZone, input.now).map(mrkdwn),
            accessory: { type: 'button', text: plain('Edit settings'), action_id: homeActionIds.openSettings },
          },
        ];
  const blocks: ViewBlock[] = [...lists, { type: 'divider' }, ...snoozeBlocks(input), { type: 'divider' }, header('Your reminder settings'), ...settings];
  return { type: 'home', callback_id: 'home', blocks: blocks.slice(0, maxViewBlocks) };
}

function timeInput(field: 'dmTime' | 'quietStart' | 'quietEnd', label: string, hint: string, initial: string | undefined): ViewBlock {
  const { blockId, actionId } = settingsBlocks[field];
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    optional: true,
    hint: plain(hint),
    element: { type: 'timepicker', action_id: actionId, ...(initial ? { initial_time: initial } : {}) },
  };
}

/** The settings form, filled with what is saved. */
export function renderSettingsModal(settings: PersonalSettings | undefined, defaultTimeZone: string): ModalView {
  const days = settings?.workingDays ?? weekdays;
  const dayOption = (d: number): { text: PlainText; value: string } => ({ text: plain(weekdayNames[d as keyof typeof weekdayNames]), value: String(d) });
  return {
    type: 'modal',
    callback_id: settingsCallbackId,
    title: plain('Reminder settings'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: settingsBlocks.timeZone.blockId,
        label: plain('Time zone'),
        optional: true,
        hint: plain(`An IANA name such as Europe/Berlin. Empty: ${defaultTimeZone}, the schedule's.`),
        element: { type: 'plain_text_input', action_id: settingsBlocks.timeZone.actionId, ...(settings?.timeZone ? { initial_value: settings.timeZone } : {}) },
      },
      timeInput('dmTime', 'DM time', 'Your DMs come at this time instead of when the schedule sends them. Empty: the schedule decides.', settings?.dmTime),
      {
        type: 'input',
        block_id: settingsBlocks.workingDays.blockId,
        label: plain('Working days'),
        optional: true,
        element: {
          type: 'checkboxes',
          action_id: settingsBlocks.workingDays.actionId,
          options: weekdays.map(dayOption),
          initial_options: days.map(dayOption),
        },
      },
      timeInput('quietStart', 'Quiet hours start', 'No DMs from this time…', settings?.quietHours?.start),
      timeInput('quietEnd', 'Quiet hours end', '…until this time (may be the next morning).', settings?.quietHours?.end),
      {
        type: 'input',
        block_id: settingsBlocks.pausedUntil.blockId,
        label: plain('Pause my reminders until'),
        optional: true,
        hint: plain('No DMs before this day; they resume on it. Empty: not paused.'),
        element: {
          type: 'datepicker',
          action_id: settingsBlocks.pausedUntil.actionId,
          ...(settings?.pausedUntil ? { initial_date: settings.pausedUntil } : {}),
        },
      },
    ],
  };
}

/** One element's state in a view_submission, as Slack sends it. */
export interface SubmittedValue {
  type?: string;
  value?: string | null;
  selected_time?: string | null;
  selected_date?: string | null;
  selected_options?: { value?: string }[];
}

/** Reads the submitted form (`view.state.values`: block_id → action_id → value). */
export function readSettingsForm(values: Readonly<Record<string, Readonly<Record<string, SubmittedValue>>>>): SettingsFormInput {
  const get = (field: SettingsField): SubmittedValue | undefined => values[settingsBlocks[field].blockId]?.[settingsBlocks[field].actionId];
  const text = (field: SettingsField): string | undefined => {
    const value = get(field);
    return value?.value ?? value?.selected_time ?? value?.selected_date ?? undefined;
  };
  const checked = get('workingDays')?.selected_options;
  return {
    ...(text('timeZone') !== undefined ? { timeZone: text('timeZone') } : {}),
    ...(text('dmTime') !== undefined ? { dmTime: text('dmTime') } : {}),
    ...(checked ? { workingDays: checked.map((o) => String(o.value)) } : { workingDays: [] }),
    ...(text('quietStart') !== undefined ? { quietStart: text('quietStart') } : {}),
    ...(text('quietEnd') !== undefined ? { quietEnd: text('quietEnd') } : {}),
    ...(text('pausedUntil') !== undefined ? { pausedUntil: text('pausedUntil') } : {}),
  };
}

/** Validation errors as `response_action: 'errors'` wants them: block_id → message. */
export function settingsErrors(errors: Partial<Record<SettingsField, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([field, message]) => [settingsBlocks[field as SettingsField].blockId, message]));
}
