// What the hub undoes at shutdown: each start step pushes its undo, run in reverse; and what the shutdown did, for
// the hub's last log line.
import type { Logger } from '../shared/logger.js';

export type Undo = () => Promise<void> | void;

export class Teardown {
  #undos: Undo[] = [];
  /** Said in the hub's last line ("everything written to the database", "2 rule timers saved …"). */
  readonly summary: string[] = [];

  push(undo: Undo): void {
    this.#undos.push(undo);
  }

  /** Runs every undo, last pushed first; one that fails is logged and the others still run. */
  async run(logger: Logger): Promise<void> {
    for (const undo of this.#undos.reverse()) {
      try {
        await undo();
      } catch (err) {
        logger.error(`error while stopping: ${(err as Error).message}`);
      }
    }
    this.#undos = [];
  }
}
