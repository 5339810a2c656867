// Immediate writes that a full or read-only disk must not break: the part that writes goes on in memory, and hears
// (for /healthz and the log) when its writes start failing and when they work again.
import { describeStorageTrouble, isStorageTrouble } from '../shared/health.js';

export type TroubleListener = (message: string | undefined) => void;

export class GuardedWrites {
  readonly #onTrouble: TroubleListener | undefined;
  /** What failing writes mean for the user, e.g. "pending timers run but would not survive a restart". */
  readonly #consequence: string;
  #troubled = false;

  constructor(onTrouble: TroubleListener | undefined, consequence: string) {
    this.#onTrouble = onTrouble;
    this.#consequence = consequence;
  }

  /** Runs `write`; a storage error (disk full, read-only, I/O) is reported instead of thrown, any other is thrown. */
  run(write: () => void): void {
    try {
      write();
      if (this.#troubled) {
        this.#troubled = false;
        this.#onTrouble?.(undefined);
      }
    } catch (err) {
      if (!isStorageTrouble(err)) throw err;
      this.#troubled = true;
      this.#onTrouble?.(`${describeStorageTrouble(err)}; ${this.#consequence}`);
    }
  }
}
