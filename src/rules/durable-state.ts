// What of the rules must outlive the process: pending `for:` holds, runs waiting in a delay or a wait, and triggers
// waiting in a queued rule's queue. Kept in a TimerStore (SQLite in the hub) under keys `<rule>/<kind>/…`.
import type { Clock } from '../shared/clock.js';
import type { DurableHolds, StoredTimer, TimerStore, TriggerEvent } from './types.js';

export interface ResumePoint {
  path: Array<number | string>;
  variables: Record<string, unknown>;
  traceId: string;
  kind?: 'delay' | 'wait' | 'call';
  /** A run waiting for a script's run: which one. */
  call?: { id: string; traceId: string };
}

export class DurableState {
  readonly #store: TimerStore | undefined;
  readonly #clock: Clock;
  /** What was pending when the hub stopped, until a trigger or a run takes it. */
  readonly #pending = new Map<string, StoredTimer>();
  /** While stopping, detaching triggers and cancelling runs must not forget them: they resume at the next start. */
  #stopping = false;

  constructor(store: TimerStore | undefined, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  get enabled(): boolean {
    return this.#store !== undefined;
  }

  load(): void {
    for (const t of this.#store?.load() ?? []) this.#pending.set(t.key, t);
  }

  stopping(): void {
    this.#stopping = true;
  }

  #delete(key: string): void {
    if (!this.#stopping) this.#store?.delete(key);
  }

  /** A file is reloaded: its rules' pending state carries over to the reloaded rules with the same ids. */
  keep(ruleIds: string[]): StoredTimer[] {
    return (this.#store?.load() ?? []).filter((t) => ruleIds.includes(t.ruleId));
  }

  restore(timers: StoredTimer[]): void {
    for (const t of timers) this.#pending.set(t.key, t);
  }

  /** Anything still pending after start-up belongs to rules that are gone or disabled: forgotten. */
  forgetUnclaimed(): void {
    for (const key of this.#pending.keys()) this.#store?.delete(key);
    this.#pending.clear();
  }

  /** Holds of this rule that no trigger took (the rule changed) are stale. Runs and queues are taken separately. */
  forgetStaleHolds(ruleId: string): void {
    for (const [key, t] of this.#pending) {
      if (t.ruleId !== ruleId || key.includes('/run/') || key.includes('/queue/')) continue;
      this.#pending.delete(key);
      this.#store?.delete(key);
    }
  }

  holdsFor(ruleId: string, onMissed: 'run' | 'skip', skipped: (event: TriggerEvent, dueAt: number) => void): DurableHolds | undefined {
    const store = this.#store;
    if (!store) return undefined;
    return {
      ruleId,
      onMissed,
      save: (key, dueAt, event) => store.save({ key, ruleId, dueAt, event }),
      delete: (key) => this.#delete(key),
      take: (key) => {
        const t = this.#pending.get(key);
        this.#pending.delete(key);
        return t ? { dueAt: t.dueAt, event: t.event } : undefined;
      },
      pendingKeys: (prefix) =>
        [...this.#pending.keys()].filter((k) => k.startsWith(`${ruleId}/${prefix}`)).map((k) => k.slice(ruleId.length + 1)),
      skipped,
    };
  }

  checkpointsFor(ruleId: string): { save(key: string, dueAt: number, event: TriggerEvent): void; delete(key: string): void } | undefined {
    const store = this.#store;
    if (!store) return undefined;
    return { save: (key, dueAt, event) => store.save({ key, ruleId, dueAt, event }), delete: (key) => this.#delete(key) };
  }

  /** Records a trigger waiting in a queue; returns its key (or undefined when nothing is durable). */
  queued(ruleId: string, event: TriggerEvent, position: number): string | undefined {
    if (!this.#store) return undefined;
    const now = this.#clock.now();
    const key = `${ruleId}/queue/${now}-${Math.random().toString(36).slice(2, 8)}`;
    // Ordered by the time they queued.
    this.#store.save({ key, ruleId, dueAt: now + position, event });
    return key;
  }

  dequeued(key: string | undefined): void {
    if (key) this.#delete(key);
  }

  /** Runs interrupted in a delay or a wait, taken (and removed) for resuming. */
  takeRuns(): Array<{ ruleId: string; dueAt: number; event: TriggerEvent; resume?: ResumePoint; forget(): void }> {
    const out = [];
    for (const [key, t] of [...this.#pending]) {
      if (!key.includes('/run/')) continue;
      this.#pending.delete(key);
      const { resume, ...event } = t.event as TriggerEvent & { resume?: ResumePoint };
      out.push({ ruleId: t.ruleId, dueAt: t.dueAt, event: event as TriggerEvent, resume, forget: () => this.#store?.delete(key) });
    }
    return out;
  }

  /** Triggers that waited in queues, in the order they came; removed from the store (re-queued by the engine). */
  takeQueued(): Array<{ ruleId: string; event: TriggerEvent }> {
    const queued = [...this.#pending].filter(([key]) => key.includes('/queue/')).sort((a, b) => a[1].dueAt - b[1].dueAt);
    for (const [key] of queued) {
      this.#pending.delete(key);
      this.#store?.delete(key);
    }
    return queued.map(([, t]) => ({ ruleId: t.ruleId, event: t.event }));
  }
}
