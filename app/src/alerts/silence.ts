// A silence for one alert group, as Alertmanager's API v2 takes it (POST /api/v2/silences).
import { silenceLengths, type SilenceLength } from './actions.ts';
import type { WebhookPayload } from './payload.ts';
import { nextDayAt } from './time.ts';

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface PostableSilence {
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface SlackActor {
  id: string;
  name: string;
}

export { silenceLengths };

/**
 * The group's labels as equality matchers: the group labels (what Alertmanager grouped by), or
 * the labels every alert shares when the route groups by nothing. Never an empty set, which
 * Alertmanager refuses and which would silence everything.
 */
export function groupMatchers(payload: Pick<WebhookPayload, 'groupLabels' | 'commonLabels'>): SilenceMatcher[] {
  const labels = Object.keys(payload.groupLabels).length > 0 ? payload.groupLabels : payload.commonLabels;
  const matchers = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
  if (matchers.length === 0) throw new Error('the alert group has no labels in common to silence by');
  return matchers;
}

export function silenceEnd(now: Date, length: SilenceLength, timeZone: string): Date {
  if ('hours' in length) return new Date(now.getTime() + length.hours * 3_600_000);
  return nextDayAt(now, timeZone, length.tomorrowAt.hour, length.tomorrowAt.minute);
}

export function buildSilence(options: {
  payload: Pick<WebhookPayload, 'groupLabels' | 'commonLabels'>;
  length: SilenceLength;
  timeZone: string;
  now: Date;
  actor: SlackActor;
  channel: string;
}): PostableSilence {
  const { now, actor } = options;
  const endsAt = silenceEnd(now, options.length, options.timeZone);
  return {
    matchers: groupMatchers(options.payload),
    startsAt: now.toISOString(),
    endsAt: endsAt.toISOString(),
    createdBy: `${actor.name} (Slack ${actor.id})`,
    comment: `Silenced from Slack by ${actor.name} in channel ${options.channel} until ${endsAt.toISOString()}`,
  };
}
