// `for:` holds: a trigger condition that must stay true for a duration before the trigger fires. With a durable
// store, a pending hold is on disk and resumes with its remaining time after a restart, a reload or a kill -9.
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { formatDuration } from '../duration.js';
import type { DurableHolds, TriggerEvent } from '../types.js';

export class Hold {
  #handle: TimerHandle | undefined;
  #startedAt = 0;
  #event: TriggerEvent | undefined;
  readonly #clock: Clock;
  readonly #ms: number;
  readonly #durable: DurableHolds | undefined;
  readonly #key: string;

  constructor(clock: Clock, ms: number, durable?: DurableHolds, key = '') {
    this.#clock = clock;
    this.#ms = ms;
    this.#durable = durable;
    this.#key = durable ? `${durable.ruleId}/${key}` : key;
  }

  get pending(): boolean {
    return this.#handle !== undefined;
  }

  /** The event a pending hold started with (also after a restart). */
  get event(): TriggerEvent | undefined {
    return this.#handle === undefined ? undefined : this.#event;
  }

  start(event: TriggerEvent, onDone: () => void): void {
    this.cancel();
    this.#arm(this.#clock.now() + this.#ms, event, onDone);
  }

  /**
   * Picks up a hold that was pending when the hub stopped. Returns false when there was none. A hold that fell
   * due meanwhile fires at once (on_missed: run) or is traced and dropped (on_missed: skip).
   */
  resume(onDone: (event: TriggerEvent) => void): boolean {
    const stored = this.#durable?.take(this.#key);
    if (!stored) return false;
    const now = this.#clock.now();
    if (stored.dueAt <= now && this.#durable!.onMissed === 'skip') {
      this.#durable!.delete(this.#key);
      this.#durable!.skipped(stored.event, stored.dueAt);
      return false;
    }
    this.#startedAt = stored.dueAt - this.#ms;
    this.#arm(Math.max(stored.dueAt, now), stored.event, () => onDone(stored.event));
    return true;
  }

  #arm(dueAt: number, event: TriggerEvent, onDone: () => void): void {
    if (!this.#startedAt || this.#startedAt > this.#clock.now()) this.#startedAt = this.#clock.now();
    this.#event = event;
    this.#durable?.save(this.#key, dueAt, event);
    this.#handle = this.#clock.setTimeout(
      () => {
        this.#handle = undefined;
        this.#startedAt = 0;
        this.#durable?.delete(this.#key);
        onDone();
      },
      Math.max(0, dueAt - this.#clock.now()),
    );
  }

  /** Cancels a pending hold; returns how long it had been held, in words, or undefined when none was pending. */
  cancel(): string | undefined {
    if (!this.#handle) return undefined;
    this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#durable?.delete(this.#key);
    const held = formatDuration(this.#clock.now() - this.#startedAt);
    this.#startedAt = 0;
    return held;
  }

  get description(): string {
    return formatDuration(this.#ms);
  }
}
