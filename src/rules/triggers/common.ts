// Helpers shared by trigger kinds: JSON value paths, value lists, `for:` holds and self-re-arming schedules.
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { parseDuration } from '../duration.js';
import { CompileError } from '../types.js';
import type { Path } from '../validate.js';

export function durationAt(value: unknown, path: Path): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (typeof ms === 'string') throw new CompileError(path, ms);
  return ms;
}

/** `data.temperature` into a parsed JSON payload; undefined when a level is missing. */
export function valueAtPath(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let node: unknown = value;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** `to: on` matches "on"; `to: [on, off]` either; numbers and strings compare by text so `to: 1` matches 1 and "1". */
export function matchesAny(expected: unknown, actual: unknown): boolean {
  const list = Array.isArray(expected) ? expected : [expected];
  return list.some((e) => e === actual || String(e) === String(actual));
}

export function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? 'nothing');
}

/** Runs `compute` to find the next time, fires then, and re-arms; returns the detach. */
export function scheduleRepeating(clock: Clock, next: (after: number) => number | undefined, onDue: (at: number) => void): () => void {
  let handle: TimerHandle | undefined;
  let stopped = false;
  const arm = (after: number) => {
    const at = next(after);
    if (at === undefined || stopped) return;
    handle = clock.setTimeout(
      () => {
        if (stopped) return;
        onDue(at);
        // +1 ms: the next occurrence strictly after this one, even when the clock sits exactly on it.
        arm(Math.max(at, clock.now()) + 1);
      },
      Math.max(0, at - clock.now()),
    );
  };
  arm(clock.now());
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}

/** Milliseconds of a local time of day `HH:MM[:SS]`. */
export function parseClock(text: string): number {
  const [h, m, s] = text.split(':').map(Number);
  return ((h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0)) * 1000;
}

/** The next local time after `after` (ms) whose time of day is `offsetMs` from midnight. */
export function nextTimeOfDay(after: number, offsetMs: number): number {
  const d = new Date(after);
  d.setHours(0, 0, 0, 0);
  let candidate = d.getTime() + offsetMs;
  // Walk by calendar days (not 24 h) so daylight-saving changes keep the wall-clock time.
  while (candidate <= after) {
    d.setDate(d.getDate() + 1);
    candidate = d.getTime() + offsetMs;
  }
  return candidate;
}

/** Milliseconds since local midnight of `at`. */
export function timeOfDay(at: number): number {
  const d = new Date(at);
  return ((d.getHours() * 60 + d.getMinutes()) * 60 + d.getSeconds()) * 1000 + d.getMilliseconds();
}
