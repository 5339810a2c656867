// History sampling (`history.minIntervalMs`): a property's number readings go to history at most about once per
// interval. The first reading after a quiet interval is kept at once; of the readings that follow within the interval
// only the latest is held, and kept when the interval is over, so a chart ends on the value the device last sent.
// Every reading still reaches the latest state, the rules and the subscribers; values that are not numbers (ON/OFF,
// open/closed, text) always go to history, so no switch or door event is lost from it. `history.sampling` sets the
// interval of some properties apart from the others'.
import { topicMatches } from '../bus/message-bus.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import type { PropertyRecord } from './device-record.js';

export type HistoryWrite = (deviceId: string, property: string, value: unknown, ts: number, num: number | null) => void;

/** An interval for the properties `match` names (`device/property` with MQTT wildcards); the first match wins. */
export interface SamplingRule {
  match: string;
  minIntervalMs: number;
}

interface Held {
  deviceId: string;
  property: string;
  value: unknown;
  ts: number;
  num: number | null;
}

export class HistorySampler {
  /** The interval of a property no rule names (0: every reading kept). */
  readonly #default: number;
  readonly #rules: SamplingRule[];
  /** Each property's interval, found once (by its registry entry: gone with the device). */
  readonly #every = new WeakMap<PropertyRecord, number>();
  readonly #clock: Clock;
  readonly #write: HistoryWrite;
  /** When each property's last reading went to history (by its registry entry: gone with the device). */
  readonly #keptAt = new WeakMap<PropertyRecord, number>();
  /** The latest reading held back per property. */
  readonly #held = new Map<PropertyRecord, Held>();
  #timer: TimerHandle | undefined;
  /** When `#timer` fires. */
  #dueAt = 0;

  constructor(options: { minIntervalMs: number; rules?: SamplingRule[]; clock: Clock; write: HistoryWrite }) {
    this.#default = options.minIntervalMs;
    this.#rules = options.rules ?? [];
    this.#clock = options.clock;
    this.#write = options.write;
  }

  /** Whether any property is sampled: with none, the registry writes every reading itself. */
  get active(): boolean {
    return this.#default > 0 || this.#rules.some((r) => r.minIntervalMs > 0);
  }

  #intervalOf(entry: PropertyRecord, deviceId: string, property: string): number {
    let every = this.#every.get(entry);
    if (every === undefined) {
      const path = `${deviceId}/${property}`;
      every = this.#rules.find((r) => topicMatches(r.match, path))?.minIntervalMs ?? this.#default;
      this.#every.set(entry, every);
    }
    return every;
  }

  /** A reading of the property whose registry entry is `entry`: to history now, held back, or in place of one held. */
  offer(entry: PropertyRecord, deviceId: string, property: string, value: unknown, ts: number, num: number | null): void {
    const every = this.#intervalOf(entry, deviceId, property);
    const kept = this.#keptAt.get(entry);
    // A clock set back (a Pi without a real-time clock, corrected) ends the interval rather than stretching it.
    if (typeof value === 'number' && kept !== undefined && ts >= kept && ts - kept < every) {
      const held = this.#held.get(entry);
      if (held) {
        held.value = value;
        held.ts = ts;
        held.num = num;
      } else {
        this.#held.set(entry, { deviceId, property, value, ts, num });
        // One timer for all: set for the soonest interval's end.
        if (!this.#timer || kept + every < this.#dueAt) this.#arm(kept + every - ts);
      }
      return;
    }
    // A reading held from the interval before goes first (a text value after numbers, or a late timer).
    const held = this.#held.get(entry);
    if (held) {
      this.#held.delete(entry);
      this.#write(held.deviceId, held.property, held.value, held.ts, held.num);
    }
    this.#keep(entry, deviceId, property, value, ts, num);
  }

  /** Writes a reading to history and starts the property's interval at its time. */
  #keep(entry: PropertyRecord, deviceId: string, property: string, value: unknown, ts: number, num: number | null): void {
    this.#keptAt.set(entry, ts);
    this.#write(deviceId, property, value, ts, num);
  }

  /** Drops what is held for a device that is being deleted (its history goes with it). */
  forget(deviceId: string): void {
    for (const [entry, held] of this.#held) if (held.deviceId === deviceId) this.#held.delete(entry);
  }

  /** Keeps every held reading now (a clean stop loses none of them). */
  flush(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const held = [...this.#held];
    this.#held.clear();
    for (const [entry, h] of held) this.#keep(entry, h.deviceId, h.property, h.value, h.ts, h.num);
  }

  #arm(delayMs: number): void {
    this.#clock.clearTimeout(this.#timer);
    this.#dueAt = this.#clock.now() + Math.max(1, delayMs);
    this.#timer = this.#clock.setTimeout(() => this.#sweep(), Math.max(1, delayMs));
  }

  /** Keeps the held readings whose interval is over; waits again for the others. */
  #sweep(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [entry, held] of this.#held) {
      const every = this.#intervalOf(entry, held.deviceId, held.property);
      const due = (this.#keptAt.get(entry) ?? 0) + every;
      if (due > now && due - now <= every) {
        next = Math.min(next, due);
        continue;
      }
      this.#held.delete(entry);
      this.#keep(entry, held.deviceId, held.property, held.value, held.ts, held.num);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next - now);
  }
}
