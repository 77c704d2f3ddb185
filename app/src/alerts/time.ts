// Wall-clock arithmetic in an IANA zone with Intl only: "tomorrow 09:00 in Europe/Berlin" as
// an instant, correct across daylight-saving changes.

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(instant);
  const value = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return { year: value('year'), month: value('month'), day: value('day'), hour: value('hour'), minute: value('minute'), second: value('second') };
}

/** Milliseconds the zone's wall clock is ahead of UTC at `instant`. */
function offsetMs(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant the zone's clock shows `hour:minute` on the calendar day after `now`'s day there.
 * A wall time skipped by a spring-forward change resolves to the instant just after the gap.
 */
export function nextDayAt(now: Date, timeZone: string, hour: number, minute: number): Date {
  const today = wallClock(now, timeZone);
  const target = Date.UTC(today.year, today.month - 1, today.day + 1, hour, minute, 0);
  // t + offset(t) = target; the offset at the guess may differ from the offset at t across a change.
  const shows = (t: number): boolean => t + offsetMs(new Date(t), timeZone) === target;
  const first = target - offsetMs(new Date(target), timeZone);
  if (shows(first)) return new Date(first);
  const second = target - offsetMs(new Date(first), timeZone);
  if (shows(second)) return new Date(second);
  return new Date(Math.max(first, second));
}
