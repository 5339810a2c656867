// Routes each bus message to the triggers listening for it: exact topics by map lookup, wildcard filters by matching.
import { topicMatches } from '../bus/message-bus.js';
import type { IncomingMessage } from './types.js';

type Handler = (message: IncomingMessage) => void;

export class Dispatcher {
  readonly #exact = new Map<string, Set<Handler>>();
  readonly #wildcard = new Set<{ filter: string; handler: Handler }>();

  on(filter: string, handler: Handler): () => void {
    if (!filter.includes('+') && !filter.includes('#')) {
      const set = this.#exact.get(filter) ?? new Set<Handler>();
      set.add(handler);
      this.#exact.set(filter, set);
      return () => {
        set.delete(handler);
        if (set.size === 0) this.#exact.delete(filter);
      };
    }
    const entry = { filter, handler };
    this.#wildcard.add(entry);
    return () => this.#wildcard.delete(entry);
  }

  /** Whether any trigger may listen for `topic`: a caller builds its message only then. */
  watches(topic: string): boolean {
    return this.#wildcard.size > 0 || this.#exact.has(topic);
  }

  dispatch(message: IncomingMessage, onError: (err: Error) => void): void {
    const exact = this.#exact.get(message.topic);
    // Copies: a handler may detach (a wait_for_trigger resolving) while we iterate.
    if (exact) for (const h of [...exact]) safe(h, message, onError);
    if (this.#wildcard.size === 0) return;
    for (const w of [...this.#wildcard]) if (topicMatches(w.filter, message.topic)) safe(w.handler, message, onError);
  }

  get size(): number {
    let n = this.#wildcard.size;
    for (const s of this.#exact.values()) n += s.size;
    return n;
  }
}

function safe(handler: Handler, message: IncomingMessage, onError: (err: Error) => void): void {
  try {
    handler(message);
  } catch (err) {
    onError(err as Error);
  }
}
