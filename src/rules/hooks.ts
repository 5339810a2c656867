// What fires rule triggers besides MQTT messages and time: webhook calls (through the API) and the hub's own start
// and shutdown. Triggers register here when attached and unregister when detached.
type Handler<T> = (value: T) => void;

export class Hooks {
  readonly #webhooks = new Map<string, Set<Handler<unknown>>>();
  readonly #hub = { start: new Set<() => void>(), shutdown: new Set<() => void>() };

  onWebhook(webhookId: string, handler: Handler<unknown>): () => void {
    const set = this.#webhooks.get(webhookId) ?? new Set();
    set.add(handler);
    this.#webhooks.set(webhookId, set);
    return () => set.delete(handler);
  }

  onHub(event: 'start' | 'shutdown', handler: () => void): () => void {
    this.#hub[event].add(handler);
    return () => this.#hub[event].delete(handler);
  }

  /** Fires the webhook triggers with this id; false when none listens to it. */
  webhook(webhookId: string, body: unknown): boolean {
    const handlers = this.#webhooks.get(webhookId);
    if (!handlers || handlers.size === 0) return false;
    for (const h of [...handlers]) h(body);
    return true;
  }

  hub(event: 'start' | 'shutdown'): void {
    for (const h of [...this.#hub[event]]) h();
  }
}
