// `for:` holds: a trigger condition that must stay true for a duration before the trigger fires.
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { formatDuration } from '../duration.js';

export class Hold {
  #handle: TimerHandle | undefined;
  #startedAt = 0;
  readonly #clock: Clock;
  readonly #ms: number;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.#ms = ms;
  }

  get pending(): boolean {
    return this.#handle !== undefined;
  }

  start(onDone: () => void): void {
    this.cancel();
    this.#startedAt = this.#clock.now();
    this.#handle = this.#clock.setTimeout(() => {
      this.#handle = undefined;
      onDone();
    }, this.#ms);
  }

  /** Cancels a pending hold; returns how long it had been held, in words, or undefined when none was pending. */
  cancel(): string | undefined {
    if (!this.#handle) return undefined;
    this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    return formatDuration(this.#clock.now() - this.#startedAt);
  }

  get description(): string {
    return formatDuration(this.#ms);
  }
}
