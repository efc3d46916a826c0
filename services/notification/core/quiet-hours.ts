import type { QuietWindow } from "./records.js";

const clock = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since midnight of "HH:MM", or undefined when it is not a 24-hour clock time. */
export function minutesOf(time: string): number | undefined {
  const match = clock.exec(time);
  return match === null ? undefined : Number(match[1]) * 60 + Number(match[2]);
}

/** True when this server knows the IANA zone (Intl's tz database). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock minute of the day (and second within it) at `at` in `zone`. */
function wallClock(at: Date, zone: string): { minute: number; second: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { minute: part("hour") * 60 + part("minute"), second: part("second") };
}

/**
 * When the quiet hours around `at` end, or undefined when `at` is outside
 * them (or there is no window). The window is [start, end) on the player's
 * wall clock and may span midnight. The end is `at` plus the wall-clock
 * minutes left, so a DST change inside the window moves it by that hour: the
 * delivery then comes an hour early or late, never inside the next window.
 */
export function quietHoursEnd(window: QuietWindow | undefined, zone: string, at: Date): Date | undefined {
  if (window === undefined) return undefined;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === undefined || end === undefined || start === end) return undefined;
  const now = wallClock(at, zone);
  const inside = start < end ? now.minute >= start && now.minute < end : now.minute >= start || now.minute < end;
  if (!inside) return undefined;
  const minutesLeft = (end - now.minute + 1_440) % 1_440;
  return new Date(at.getTime() + minutesLeft * 60_000 - now.second * 1_000 - (at.getTime() % 1_000));
}
