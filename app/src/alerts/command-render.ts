// The answers of `/alerts`, `/silences` and `/chatops status` as Block Kit, from what Alertmanager
// and Prometheus answered. Pure.
import { context, escapeMrkdwn, header, maxBlocksPerMessage, maxFallbackTextChars, maxSectionTextChars, truncate, type MrkdwnText } from '../core/messages.ts';
import { summariseServices, upCountLine, type ServiceState } from '../core/service-status.ts';
import { alertCommandActions } from './actions.ts';
import type { AlertGroup, GettableSilence } from './alertmanager.ts';
import type { AlertBlock, ButtonElement } from './render.ts';

/** An alert block, or a section with a button beside it (a silence and its Expire). */
export type CommandBlock = AlertBlock | { type: 'section'; text: MrkdwnText; accessory: ButtonElement };

export interface CommandMessage {
  text: string;
  blocks: CommandBlock[];
}

/** Slack's limit for a button's value. */
export const maxButtonValueChars = 2000;
/** Groups in one `/alerts` answer: a header, three blocks each, and the "more" note fit in 50. */
export const maxListedGroups = 15;
/** Silences in one `/silences` answer: a header, one block each, and the "more" note. */
export const maxListedSilences = maxBlocksPerMessage - 2;

function slackDate(iso: string): string {
  return `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

function button(actionId: string, text: string, value: string, style?: 'primary' | 'danger'): ButtonElement {
  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text, emoji: true }, value, ...(style ? { style } : {}) };
}

const section = (text: string): AlertBlock => ({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, maxSectionTextChars) } });

function labelList(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `\`${escapeMrkdwn(k)}=${escapeMrkdwn(v)}\``)
    .join(' ');
}

/**
 * The labels a silence of the group matches on: the group's labels (its route's group_by), or the
 * labels all its firing alerts share when the route groups by nothing.
 */
export function groupSilenceLabels(group: AlertGroup): Record<string, string> {
  if (Object.keys(group.labels).length > 0) return group.labels;
  const firing = group.alerts.filter((a) => a.status.state === 'active');
  const [first, ...rest] = firing;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first.labels).filter(([k, v]) => rest.every((a) => a.labels[k] === v)));
}

/** Groups with at least one alert firing unsilenced and uninhibited, most alerts first. */
export function firingGroups(groups: readonly AlertGroup[]): AlertGroup[] {
  return groups
    .map((group) => ({ ...group, alerts: group.alerts.filter((a) => a.status.state === 'active') }))
    .filter((group) => group.alerts.length > 0)
    .sort((a, b) => b.alerts.length - a.alerts.length);
}

function groupBlocks(group: AlertGroup, index: number): AlertBlock[] {
  const [first] = group.alerts;
  const labels = groupSilenceLabels(group);
  const alertname = labels.alertname ?? first?.labels.alertname ?? 'alert group';
  const since = group.alerts.map((a) => a.startsAt).sort()[0] ?? '';
  const summary = first?.annotations.summary;
  const lines = [
    `🔥 *${escapeMrkdwn(alertname)}* (${group.alerts.length} firing)   *Severity:* ${escapeMrkdwn(first?.labels.severity ?? 'unknown')}   *Since:* ${slackDate(since)}`,
    ...(summary ? [escapeMrkdwn(summary)] : []),
  ];
  const value = JSON.stringify(labels);
  const blocks: AlertBlock[] = [section(lines.join('\n')), context(labelList(labels) || 'no labels in common')];
  if (Object.keys(labels).length === 0 || value.length > maxButtonValueChars) {
    blocks.push(context('Silence this group in Alertmanager: its labels do not fit a button.'));
    return blocks;
  }
  blocks.push({
    type: 'actions',
    // Unique within the message, as Slack requires of block_ids.
    block_id: `alert_list_${index}`,
    elements: [
      button(alertCommandActions.silence1h, 'Silence 1 h', value),
      button(alertCommandActions.silence4h, 'Silence 4 h', value),
      button(alertCommandActions.silenceTomorrow, 'Silence until tomorrow 09:00', value),
    ],
  });
  return blocks;
}

/** `/alerts`: the firing groups, each with its silence buttons. */
export function renderFiringGroups(groups: readonly AlertGroup[]): CommandMessage {
  const firing = firingGroups(groups);
  if (firing.length === 0) return { text: 'No alerts are firing.', blocks: [section('✅ No alerts are firing (silenced and inhibited ones are not listed).')] };
  const alerts = firing.reduce((n, g) => n + g.alerts.length, 0);
  const title = `🔥 ${alerts} alert${alerts === 1 ? '' : 's'} firing in ${firing.length} group${firing.length === 1 ? '' : 's'}`;
  const blocks: AlertBlock[] = [header(title), ...firing.slice(0, maxListedGroups).flatMap((group, i) => groupBlocks(group, i))];
  if (firing.length > maxListedGroups) blocks.push(context(`${firing.length - maxListedGroups} more groups are firing; see Alertmanager.`));
  return { text: truncate(title, maxFallbackTextChars), blocks };
}

function matcherText(silence: GettableSilence): string {
  return silence.matchers.map((m) => `\`${escapeMrkdwn(m.name)}${m.isEqual ? '' : '!'}${m.isRegex ? '=~' : '='}${escapeMrkdwn(m.value)}\``).join(' ');
}

/** `/silences`: the active silences, soonest end first, each with Expire. */
export function renderSilences(silences: readonly GettableSilence[]): CommandMessage {
  const active = silences.filter((s) => s.status.state === 'active').sort((a, b) => a.endsAt.localeCompare(b.endsAt));
  if (active.length === 0) return { text: 'No silences are active.', blocks: [section('🔔 No silences are active.')] };
  const title = `🔕 ${active.length} active silence${active.length === 1 ? '' : 's'}`;
  const blocks: CommandBlock[] = [header(title)];
  for (const silence of active.slice(0, maxListedSilences)) {
    const text = `${matcherText(silence)}\nuntil ${slackDate(silence.endsAt)} by ${escapeMrkdwn(silence.createdBy)}${silence.comment ? `: ${escapeMrkdwn(silence.comment)}` : ''}`;
    const accessory = button(alertCommandActions.expireSilence, 'Expire', silence.id, 'danger');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, maxSectionTextChars) }, accessory });
  }
  if (active.length > maxListedSilences) blocks.push(context(`${active.length - maxListedSilences} more silences are active; see Alertmanager.`));
  return { text: title, blocks };
}

/** Alerts by fingerprint (one alert may sit in several groups): firing, and silenced or inhibited. */
export function countAlerts(groups: readonly AlertGroup[]): { firing: number; suppressed: number } {
  const state = new Map<string, string>();
  for (const group of groups) for (const alert of group.alerts) state.set(alert.fingerprint, alert.status.state);
  const states = [...state.values()];
  return { firing: states.filter((s) => s === 'active').length, suppressed: states.filter((s) => s === 'suppressed').length };
}

export type Reading<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface StatusView {
  replica: string;
  /** undefined: alerts.prometheusUrl is not set */
  services?: Reading<ServiceState[]>;
  alerts: Reading<{ firing: number; suppressed: number }>;
}

function servicesText(services: StatusView['services']): string {
  if (!services) return '*Services:* not known here: set alerts.prometheusUrl in config.yml to list them from Prometheus.';
  if (!services.ok) return `:warning: *Services:* ${escapeMrkdwn(services.problem)}`;
  const summary = summariseServices(services.value);
  const down = summary.down.map((s) => `• DOWN ${escapeMrkdwn(s.service)} on ${escapeMrkdwn(s.host)} (${escapeMrkdwn(s.detail)})`);
  const up = services.value.filter((s) => s.up).map((s) => `${escapeMrkdwn(s.service)} on ${escapeMrkdwn(s.host)}`);
  return [`*Services (Prometheus \`up\`):* ${upCountLine(summary)}`, ...down, ...(up.length > 0 ? [`up: ${up.join(', ')}`] : [])].join('\n');
}

function alertsText(alerts: StatusView['alerts']): string {
  if (!alerts.ok) return `:warning: *Alerts:* ${escapeMrkdwn(alerts.problem)}`;
  return `*Alerts:* ${alerts.value.firing} firing, ${alerts.value.suppressed} silenced or inhibited`;
}

/** `/chatops status`: what `npx chatops status` reports, from this replica's view. */
export function renderChatopsStatus(view: StatusView): CommandMessage {
  const servicesDown = view.services?.ok ? summariseServices(view.services.value).down.length : 0;
  const healthy = view.services?.ok !== false && view.alerts.ok && servicesDown === 0 && view.alerts.value.firing === 0;
  const title = `${healthy ? '✅' : '⚠️'} ChatOps status from ${view.replica}`;
  const blocks: AlertBlock[] = [header(title), section(servicesText(view.services)), section(alertsText(view.alerts))];
  return { text: truncate(`${title}: ${[servicesText(view.services).split('\n')[0], alertsText(view.alerts)].join('; ')}`, maxFallbackTextChars), blocks };
}
