// One Slack message per alert group: what fires, since when, where to read more, who took it,
// whether it is silenced, and the buttons to act. Pure.
import { createHash } from 'node:crypto';
import { context, escapeMrkdwn, header, maxFallbackTextChars, maxSectionTextChars, truncate, type Block } from '../core/messages.ts';
import { alertActions } from './actions.ts';
import type { WebhookPayload } from './payload.ts';

export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: { type: 'plain_text'; text: string; emoji: boolean };
  value: string;
  style?: 'primary' | 'danger';
}

export type AlertBlock = Block | { type: 'actions'; block_id: string; elements: ButtonElement[] };

export interface AlertMessage {
  text: string;
  blocks: AlertBlock[];
}

export interface GroupState {
  acknowledgedBy?: { userId: string; at: string };
  silence?: { id: string; endsAt: string; createdBy: string };
}

export interface AlertLinks {
  grafanaUrl?: string;
  runbookBaseUrl?: string;
}

/**
 * The id of a group's message in one channel: a short, fixed-length hash of the channel and
 * Alertmanager's groupKey (button values, Elasticsearch document ids).
 */
export function messageKey(channel: string, groupKey: string): string {
  return createHash('sha256').update(`${channel}\n${groupKey}`).digest('hex').slice(0, 32);
}

function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

function absoluteHttpUrl(value: string | undefined, base: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = base ? new URL(value, base) : new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The runbook: the alert's runbook_url (relative ones under runbookBaseUrl), else runbookBaseUrl/<alertname>. */
export function runbookLink(payload: WebhookPayload, links: AlertLinks): string | undefined {
  const annotated = payload.commonAnnotations.runbook_url ?? payload.alerts[0]?.annotations.runbook_url;
  if (annotated) return absoluteHttpUrl(annotated, links.runbookBaseUrl && withSlash(links.runbookBaseUrl));
  const alertname = payload.commonLabels.alertname;
  return links.runbookBaseUrl && alertname ? absoluteHttpUrl(encodeURIComponent(alertname), withSlash(links.runbookBaseUrl)) : undefined;
}

/** The dashboard: the alert's dashboard_url (relative ones under grafanaUrl), else grafanaUrl. */
export function dashboardLink(payload: WebhookPayload, links: AlertLinks): string | undefined {
  const annotated = payload.commonAnnotations.dashboard_url ?? payload.alerts[0]?.annotations.dashboard_url;
  if (annotated) return absoluteHttpUrl(annotated, links.grafanaUrl && withSlash(links.grafanaUrl));
  return absoluteHttpUrl(links.grafanaUrl, undefined);
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function button(actionId: string, text: string, value: string, style?: 'primary' | 'danger'): ButtonElement {
  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text, emoji: true }, value, ...(style ? { style } : {}) };
}

/** `key` (messageKey) travels in every button's value, so a click finds the group's record. */
export function renderAlertGroup(payload: WebhookPayload, state: GroupState, links: AlertLinks, key: string): AlertMessage {
  const firing = payload.alerts.filter((a) => a.status === 'firing');
  const resolved = payload.status === 'resolved';
  const alertname = payload.commonLabels.alertname ?? payload.groupLabels.alertname ?? 'alert group';
  const severity = payload.commonLabels.severity ?? 'unknown';
  const annotation = (key: string): string | undefined => payload.commonAnnotations[key] ?? payload.alerts[0]?.annotations[key];
  const summary = annotation('summary');
  const description = annotation('description');
  const since = payload.alerts.map((a) => a.startsAt).sort()[0] ?? '';

  const title = resolved ? `✅ RESOLVED: ${alertname}` : `🔥 FIRING (${firing.length}): ${alertname}`;
  const blocks: AlertBlock[] = [header(title)];
  const lines = [
    `*Severity:* ${escapeMrkdwn(severity)}   *Since:* ${slackDate(since)}`,
    ...(summary ? [`*${escapeMrkdwn(summary)}*`] : []),
    ...(description ? [escapeMrkdwn(description)] : []),
  ];
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), maxSectionTextChars) } });
  const labels = Object.entries(payload.groupLabels).length > 0 ? payload.groupLabels : payload.commonLabels;
  const labelText = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `\`${escapeMrkdwn(k)}=${escapeMrkdwn(v)}\``)
    .join(' ');
  if (labelText) blocks.push(context(labelText));
  if (payload.truncatedAlerts > 0) blocks.push(context(`${payload.truncatedAlerts} more alerts in this group were left out by Alertmanager`));
  const runbook = runbookLink(payload, links);
  const dashboard = dashboardLink(payload, links);
  const linkText = [...(runbook ? [`<${runbook}|Runbook>`] : []), ...(dashboard ? [`<${dashboard}|Dashboard>`] : [])].join(' · ');
  if (linkText) blocks.push(context(linkText));
  if (state.acknowledgedBy) blocks.push(context(`👀 Acknowledged by <@${state.acknowledgedBy.userId}> ${slackDate(state.acknowledgedBy.at)}`));
  if (state.silence) blocks.push(context(`🔕 Silenced until ${slackDate(state.silence.endsAt)} by ${escapeMrkdwn(state.silence.createdBy)}`));

  if (!resolved) {
    const elements = state.silence
      ? [button(alertActions.unsilence, 'Unsilence', key, 'danger')]
      : [
          button(alertActions.silence1h, 'Silence 1 h', key),
          button(alertActions.silence4h, 'Silence 4 h', key),
          button(alertActions.silenceTomorrow, 'Silence until tomorrow 09:00', key),
        ];
    if (!state.acknowledgedBy) elements.push(button(alertActions.acknowledge, 'Acknowledge', key, 'primary'));
    blocks.push({ type: 'actions', block_id: `alert_actions`, elements });
  }
  const text = truncate(`${title}${summary ? `: ${summary}` : ''}`, maxFallbackTextChars);
  return { text, blocks };
}
