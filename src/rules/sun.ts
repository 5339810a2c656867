// Sunrise and sunset from the configured location, computed offline (suncalc), with signed offsets.
import SunCalc from 'suncalc';
import { parseDuration } from './duration.js';
import type { Location } from './types.js';

export type SunEvent = 'sunrise' | 'sunset';

/** The time of `event` on the local day of `at`, or undefined where the sun does not rise or set that day. */
export function sunTime(event: SunEvent, at: number, location: Location): number | undefined {
  const day = new Date(at);
  day.setHours(12, 0, 0, 0);
  const t = SunCalc.getTimes(day, location.latitude, location.longitude)[event];
  return t && !Number.isNaN(t.getTime()) ? t.getTime() : undefined;
}

/** The first `event` + offset strictly after `after`, searching up to a year ahead (polar days and nights). */
export function nextSunEvent(event: SunEvent, offsetMs: number, after: number, location: Location): number | undefined {
  const day = new Date(after);
  for (let i = 0; i < 366; i++) {
    const t = sunTime(event, day.getTime(), location);
    if (t !== undefined && t + offsetMs > after) return t + offsetMs;
    day.setDate(day.getDate() + 1);
  }
  return undefined;
}

/** `-30m`, `"-00:30:00"`, `+1h`, a number of seconds → signed milliseconds, or an error message. */
export function parseOffset(value: unknown): number | string {
  if (value === undefined) return 0;
  if (typeof value === 'number') return Math.round(value * 1000);
  const text = String(value).trim();
  const sign = text.startsWith('-') ? -1 : 1;
  const ms = parseDuration(text.replace(/^[-+]/, ''));
  return typeof ms === 'string' ? `must be a signed duration like -30m or "-00:30:00", got ${JSON.stringify(value)}` : sign * ms;
}
