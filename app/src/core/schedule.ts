// Schedule helpers that need no clock of their own. Pure.
import type { Schedule } from '../config/schema.ts';

/**
 * The scheduled second a cron fire belongs to (node-cron gives the planned slot; this drops
 * any milliseconds). Replicas key their claim on it, so it must not collapse per-second
 * schedules into one minute.
 */
export function fireSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function findSchedule(schedules: readonly Schedule[], name: string): Schedule | undefined {
  return schedules.find((s) => s.name === name);
}

/** Wall-clock time of `date` in `timeZone`, as "YYYY-MM-DD HH:mm" (weekday appended). */
export function localTime(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('weekday')}`;
}
