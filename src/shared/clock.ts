// Clock: the only source of time for timers, `for:` holds and schedules, so tests can advance time.
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const systemClock: Clock = (() => {
  const timers = new Map<number, NodeJS.Timeout>();
  let next = 1;
  return {
    now: () => Date.now(),
    setTimeout(callback, ms) {
      const id = next++;
      // Node caps timers at 2^31-1 ms (~24.8 days); longer waits re-arm in steps.
      const MAX = 2_147_483_647;
      const due = Date.now() + ms;
      const arm = (remaining: number) => {
        const t = setTimeout(
          () => {
            const left = due - Date.now();
            if (left > 0) return arm(left);
            timers.delete(id);
            callback();
          },
          Math.min(Math.max(remaining, 0), MAX),
        );
        t.unref?.();
        timers.set(id, t);
      };
      arm(ms);
      return { id };
    },
    clearTimeout(handle) {
      if (!handle) return;
      const t = timers.get(handle.id);
      if (t) clearTimeout(t);
      timers.delete(handle.id);
    },
  };
})();

/**
 * A virtual clock: time moves only when `advance` is called; due timers run in time order,
 * and promises queued by a timer settle before the next timer runs.
 */
export class FakeClock implements Clock {
  #now: number;
  #next = 1;
  #timers = new Map<number, { due: number; seq: number; callback: () => void }>();

  constructor(start: number | Date = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#timers.set(id, { due: this.#now + Math.max(0, ms), seq: id, callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.#timers.delete(handle.id);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Move time forward by `ms`, running every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flushMicrotasks();
      let nextId = -1;
      let next: { due: number; seq: number; callback: () => void } | undefined;
      for (const [id, t] of this.#timers) {
        if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) {
          next = t;
          nextId = id;
        }
      }
      if (!next) break;
      this.#timers.delete(nextId);
      this.#now = Math.max(this.#now, next.due);
      next.callback();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /** Jump to an absolute time (must not go backwards). */
  async advanceTo(time: number | Date): Promise<void> {
    const t = typeof time === 'number' ? time : time.getTime();
    await this.advance(Math.max(0, t - this.#now));
  }
}

async function flushMicrotasks(): Promise<void> {
  // Deliveries hop through a few event-loop turns (mqemitter, the bus, the broker): let them all settle.
  for (let i = 0; i < 30; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
