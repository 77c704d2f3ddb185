// A person's own reminder settings (set in the App Home): when their `personal` and `reviews`
// DMs go out. Validation of what they typed, and the decision, for an instant, whether a DM
// goes out. Pure: the clock and the store are the caller's.

/** ISO weekdays: 1 Monday … 7 Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const weekdays: readonly Weekday[] = [1, 2, 3, 4, 5, 6, 7];
export const weekdayNames: Readonly<Record<Weekday, string>> = { 1: 'Mon', 2: 'Tue', 3: 'Wed', 4: 'Thu', 5: 'Fri', 6: 'Sat', 7: 'Sun' };

export interface QuietHours {
  /** "HH:MM", local; the quiet span may wrap past midnight (22:00–07:00) */
  start: string;
  end: string;
}

export interface PersonalSettings {
  slackUserId: string;
  /** IANA zone the times below are in; the schedule's zone when absent */
  timeZone?: string;
  /** "HH:MM": the DMs come at this local time instead of at the schedule's fires */
  dmTime?: string;
  /** the days DMs may come; every day when absent */
  workingDays?: Weekday[];
  quietHours?: QuietHours;
  /** "YYYY-MM-DD": no DMs before this local date; they resume on it */
  pausedUntil?: string;
  updatedAt: string;
}

/** What the settings form sends, each field as typed (absent when left empty). */
export interface SettingsFormInput {
  timeZone?: string;
  dmTime?: string;
  workingDays?: readonly string[];
  quietStart?: string;
  quietEnd?: string;
  pausedUntil?: string;
}

export type SettingsField = keyof SettingsFormInput;
export type SettingsValidation = { ok: true; settings: PersonalSettings } | { ok: false; errors: Partial<Record<SettingsField, string>> };

const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$/;
const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    // RangeError: Intl does not know the zone.
    return false;
  }
}

function isCalendarDate(text: string): boolean {
  const match = isoDate.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** The wall clock of `instant` in `timeZone`. */
export interface LocalTime {
  /** "YYYY-MM-DD" */
  date: string;
  /** "HH:MM" */
  time: string;
  weekday: Weekday;
}

// Building a formatter costs far more than using one: one per zone and shape.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, withSeconds: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withSeconds}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : { weekday: 'short' }),
      hourCycle: 'h23',
    });
    formatters.set(key, found);
  }
  return found;
}

export function localTimeOf(instant: Date, timeZone: string): LocalTime {
  const parts = formatter(timeZone, false).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = (weekdays.find((day) => weekdayNames[day] === get('weekday')) ?? 1) as Weekday;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}`, weekday };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in ms. */
function offsetMs(instant: Date, timeZone: string): number {
  const parts = formatter(timeZone, true).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant the wall clock of `timeZone` shows `time` on `date`. A time skipped by a DST
 * change (02:30 on a spring-forward day) comes as late as the skip (03:30); a time that happens
 * twice (autumn) comes at its first occurrence.
 */
export function instantAt(date: string, time: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  const naive = Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0);
  const dayMs = 86_400_000;
  // The offsets a day either side: DST changes are never two within two days.
  const before = offsetMs(new Date(naive - dayMs), timeZone);
  const after = offsetMs(new Date(naive + dayMs), timeZone);
  const candidates = [naive - before, naive - after].sort((a, b) => a - b);
  const exact = candidates.find((t) => {
    const local = localTimeOf(new Date(t), timeZone);
    return local.date === date && local.time === time;
  });
  return new Date(exact ?? naive - before);
}

/** `time` lies in the quiet span, which may wrap past midnight. */
export function inQuietHours(time: string, quiet: QuietHours | undefined): boolean {
  if (!quiet) return false;
  if (quiet.start < quiet.end) return time >= quiet.start && time < quiet.end;
  return time >= quiet.start || time < quiet.end;
}

/** Reads and checks the form: errors name the field and the fix; `now` decides what is past. */
export function validateSettings(slackUserId: string, input: SettingsFormInput, now: Date, defaultTimeZone: string): SettingsValidation {
  const errors: Partial<Record<SettingsField, string>> = {};
  const timeZone = input.timeZone?.trim() || undefined;
  if (timeZone !== undefined && !isTimeZone(timeZone)) errors.timeZone = `"${timeZone}" is not a time zone: use an IANA name such as Europe/Berlin`;
  const zone = timeZone !== undefined && errors.timeZone === undefined ? timeZone : defaultTimeZone;
  const time = (field: 'dmTime' | 'quietStart' | 'quietEnd'): string | undefined => {
    const value = input[field]?.trim() || undefined;
    if (value !== undefined && !hhmm.test(value)) errors[field] = `"${value}" is not a time: use HH:MM on a 24-hour clock, e.g. 09:30`;
    return value;
  };
  const dmTime = time('dmTime');
  const quietStart = time('quietStart');
  const quietEnd = time('quietEnd');
  if ((quietStart === undefined) !== (quietEnd === undefined)) {
    errors[quietStart === undefined ? 'quietStart' : 'quietEnd'] = 'quiet hours need both a start and an end (or neither)';
  } else if (quietStart !== undefined && quietStart === quietEnd) {
    errors.quietEnd = 'quiet hours must end at another time than they start';
  }
  const quietHours = quietStart !== undefined && quietEnd !== undefined ? { start: quietStart, end: quietEnd } : undefined;
  if (dmTime !== undefined && errors.dmTime === undefined && errors.quietEnd === undefined && inQuietHours(dmTime, quietHours)) {
    errors.dmTime = `${dmTime} is inside your quiet hours (${quietStart}–${quietEnd}): pick a DM time outside them`;
  }
  const days = [...new Set(input.workingDays ?? weekdays.map(String))].map(Number);
  if (days.length === 0) errors.workingDays = 'pick at least one working day (to stop all reminders, pause them instead)';
  else if (!days.every((d) => weekdays.includes(d as Weekday))) errors.workingDays = 'working days are 1 (Monday) to 7 (Sunday)';
  const pausedUntil = input.pausedUntil?.trim() || undefined;
  if (pausedUntil !== undefined) {
    if (!isCalendarDate(pausedUntil)) errors.pausedUntil = `"${pausedUntil}" is not a date: use YYYY-MM-DD`;
    else if (pausedUntil <= localTimeOf(now, zone).date) errors.pausedUntil = `${pausedUntil} is not in the future: pick a later day, or leave it empty`;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const workingDays = (days as Weekday[]).sort((a, b) => a - b);
  return {
    ok: true,
    settings: {
      slackUserId,
      ...(timeZone !== undefined ? { timeZone } : {}),
      ...(dmTime !== undefined ? { dmTime } : {}),
      // Every day is the default: store nothing, so the default can follow the schedule.
      ...(workingDays.length < weekdays.length ? { workingDays } : {}),
      ...(quietHours ? { quietHours } : {}),
      ...(pausedUntil !== undefined ? { pausedUntil } : {}),
      updatedAt: now.toISOString(),
    },
  };
}

/** Paused, off-day or quiet at `instant`: no DM then, whatever triggered it. */
function heldBack(settings: PersonalSettings, instant: Date, scheduleTimeZone: string): boolean {
  const local = localTimeOf(instant, settings.timeZone ?? scheduleTimeZone);
  if (settings.pausedUntil !== undefined && local.date < settings.pausedUntil) return true;
  if (settings.workingDays && !settings.workingDays.includes(local.weekday)) return true;
  return inQuietHours(local.time, settings.quietHours);
}

/**
 * Whether the schedule's fire at `fire` DMs this person: not when their own DM time replaces
 * the schedule's, nor when paused, on a day off or in quiet hours. No settings: always.
 */
export function receivesScheduledDm(settings: PersonalSettings | undefined, fire: Date, scheduleTimeZone: string): boolean {
  if (!settings) return true;
  if (settings.dmTime !== undefined) return false;
  return !heldBack(settings, fire, scheduleTimeZone);
}

/** Whether this person's own DM time falls in the minute starting at `minute` (and nothing holds it back). */
export function dmTimeDue(settings: PersonalSettings, minute: Date, scheduleTimeZone: string): boolean {
  if (settings.dmTime === undefined) return false;
  const zone = settings.timeZone ?? scheduleTimeZone;
  const start = Math.floor(minute.getTime() / 60_000) * 60_000;
  const due = instantAt(localTimeOf(new Date(start), zone).date, settings.dmTime, zone).getTime();
  return due >= start && due < start + 60_000 && !heldBack(settings, new Date(due), scheduleTimeZone);
}

/** The next instant after `after` this person's own DM time sends, within a year; undefined without a DM time. */
export function nextDmTime(settings: PersonalSettings, after: Date, scheduleTimeZone: string): Date | undefined {
  if (settings.dmTime === undefined) return undefined;
  const zone = settings.timeZone ?? scheduleTimeZone;
  let date = localTimeOf(after, zone).date;
  for (let day = 0; day < 400; day += 1) {
    const due = instantAt(date, settings.dmTime, zone);
    if (due > after && !heldBack(settings, due, scheduleTimeZone)) return due;
    // Noon of the next local day is never in a DST gap.
    date = localTimeOf(new Date(instantAt(date, '12:00', zone).getTime() + 86_400_000), zone).date;
  }
  return undefined;
}
