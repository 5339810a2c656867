// A bounded "already seen" set: says yes the first time it meets a key, so a problem is logged once, not per message.
export class FirstSeen {
  readonly #seen = new Set<string>();
  readonly #max: number;

  /** `max` bounds memory: beyond it the oldest keys are forgotten (and would be reported again). */
  constructor(max: number) {
    this.#max = max;
  }

  /** True the first time `key` is met (or after it was forgotten), false after that. */
  first(key: string): boolean {
    if (this.#seen.has(key)) return false;
    // A Set iterates in insertion order: the first key is the oldest.
    if (this.#seen.size >= this.#max) this.#seen.delete(this.#seen.values().next().value!);
    this.#seen.add(key);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }
}
