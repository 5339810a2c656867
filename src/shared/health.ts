// The hub's health beyond "ready": parts report trouble (the disk refusing writes) and its end; /healthz, the
// metrics and the activity log show it, and the log says once when it starts and once when it is over.
import type { EventBus } from './event-bus.js';
import type { Logger } from './logger.js';

export interface Problem {
  component: string;
  message: string;
  since: number;
}

export class Health {
  readonly #problems = new Map<string, Problem>();
  readonly #logger: Logger;
  readonly #events: EventBus | undefined;
  readonly #now: () => number;

  constructor(logger: Logger, events?: EventBus, now: () => number = Date.now) {
    this.#logger = logger;
    this.#events = events;
    this.#now = now;
  }

  /** Reports `component` in trouble with `message`, or (message undefined) back to normal. Repeats are quiet. */
  report(component: string, message: string | undefined): void {
    const current = this.#problems.get(component);
    const ts = this.#now();
    if (message === undefined) {
      if (!current) return;
      this.#problems.delete(component);
      const line = `${component} recovered after ${Math.round((ts - current.since) / 1000)} s: ${current.message}`;
      this.#logger.info(line);
      this.#events?.emit('hub.log', { level: 'info', message: line, ts });
      return;
    }
    if (current) return;
    this.#problems.set(component, { component, message, since: ts });
    this.#logger.error(`${component} degraded: ${message}`);
    this.#events?.emit('hub.log', { level: 'error', message: `${component} degraded: ${message}`, ts });
  }

  get problems(): Problem[] {
    return [...this.#problems.values()];
  }

  get degraded(): boolean {
    return this.#problems.size > 0;
  }
}

/** SQLite errors that come from the disk (full, read-only, I/O) or a lock, not from the statement itself. */
export function isStorageTrouble(err: unknown): boolean {
  return /^SQLITE_(FULL|BUSY|LOCKED|IOERR|READONLY|CANTOPEN)/.test((err as { code?: string } | undefined)?.code ?? '');
}

/** The cause of a storage error, in the words a homeowner needs. */
export function describeStorageTrouble(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  if (code.startsWith('SQLITE_FULL')) return `the disk is full (${code})`;
  if (code.startsWith('SQLITE_READONLY')) return `the data dir is read-only (${code})`;
  if (code.startsWith('SQLITE_IOERR')) return `the disk reports I/O errors (${code})`;
  return `${(err as Error).message} (${code || 'error'})`;
}
