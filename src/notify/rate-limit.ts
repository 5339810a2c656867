// Per-channel rate limit over a sliding minute: a flood (a flapping door sensor, a rule in a loop) cannot bury
// a phone in alerts. What is held back is counted and summed up once the minute has room again.
import type { Notification, Priority } from './types.js';
import { priorityRank } from './types.js';

const WINDOW_MS = 60_000;

export class SendLog {
  readonly #sent = new Map<string, number[]>();

  /** Counts a send on `channel` if fewer than `max` went out in the last minute; false when the limit is reached. */
  allow(channel: string, max: number, now: number): boolean {
    const times = this.#recent(channel, now);
    if (times.length >= max) return false;
    times.push(now);
    return true;
  }

  /** Counts a send that the limit does not apply to (the summary of what was held back). */
  record(channel: string, now: number): void {
    this.#recent(channel, now).push(now);
  }

  /** When the next send on `channel` will be allowed again. */
  freeAt(channel: string, now: number): number {
    const times = this.#recent(channel, now);
    return times.length > 0 ? times[0]! + WINDOW_MS : now;
  }

  #recent(channel: string, now: number): number[] {
    const times = (this.#sent.get(channel) ?? []).filter((t) => now - t < WINDOW_MS);
    this.#sent.set(channel, times);
    return times;
  }
}

/** What a channel's rate limit held back since its last summary. */
export interface Held {
  count: number;
  latest: Notification;
  priority: Priority;
}

export function holdBack(held: Held | undefined, n: Notification): Held {
  if (!held) return { count: 1, latest: n, priority: n.priority };
  return {
    count: held.count + 1,
    latest: n,
    priority: priorityRank(n.priority) > priorityRank(held.priority) ? n.priority : held.priority,
  };
}

export function summarise(held: Held, maxPerMinute: number): Notification {
  const latest = held.latest.title ? `${held.latest.title}: ${held.latest.message}` : held.latest.message;
  const plural = held.count === 1 ? '' : 's';
  return {
    title: `${held.count} notification${plural} held back`,
    message: `Hearth held back ${held.count} notification${plural} to this channel (at most ${maxPerMinute} a minute). The latest: ${latest}`,
    priority: held.priority,
  };
}
