// Helpers as devices: each helper is `helper_<id>`, publishing its value retained on `home/helper_<id>/value` (timers
// also `remaining` in seconds, and a non-retained `event`) and obeying `home/helper_<id>/value/set` from rules,
// the API, the dashboard and MQTT clients — so the registry, history, triggers and conditions see it as any device.
// Values are kept in a HelperStore (SQLite in the hub); timers run on the injected clock and survive a restart.
import type { MessageBus } from '../bus/message-bus.js';
import { formatPayload } from '../devices/topic.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import { HearthError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Capability } from '../devices/device-schema.js';
import { helperCapabilities } from './helper-capabilities.js';
import { helperDevice, type HelperDefinition } from './helper-schema.js';
import { applyCommand, remainingSeconds, restoreState, type HelperState, type TimerEvent } from './helper-values.js';

export interface HelperStore {
  load(): Map<string, HelperState>;
  save(id: string, state: HelperState, at: number): void;
}

/** Helper values in memory: the rule harness's store, and the tests'. */
export class MemoryHelperStore implements HelperStore {
  readonly values = new Map<string, HelperState>();
  load(): Map<string, HelperState> {
    return new Map([...this.values].map(([id, s]) => [id, structuredClone(s)]));
  }
  save(id: string, state: HelperState): void {
    this.values.set(id, structuredClone(state));
  }
}

export interface HelperServiceDeps {
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  store: HelperStore;
  /** Tells the device registry what the helper's device is (its name and its properties' capabilities). */
  describe?(device: string, name: string, capabilities: Record<string, Capability>): void;
}

/** A helper as the API and the dashboard show it. */
export interface HelperView {
  id: string;
  device: string;
  type: HelperDefinition['type'];
  name: string | null;
  description: string | null;
  /** The file that declares it, as the hub names it, and its name in the rules dir. */
  file: string;
  fileName: string;
  definition: HelperDefinition;
  value: unknown;
  /** Timers: idle, active or paused, seconds left, and when it finishes while active. */
  timer?: { state: string; remaining: number; finishesAt: string | null; duration: number };
}

interface Live {
  def: HelperDefinition;
  source: string;
  file: string;
  state: HelperState;
  timer?: TimerHandle;
}

export class HelperService {
  readonly #deps: HelperServiceDeps;
  readonly #helpers = new Map<string, Live>();
  /** Helpers set before start, by source. */
  readonly #waiting = new Map<string, { file: string; defs: HelperDefinition[] }>();
  #stored = new Map<string, HelperState>();
  #unsubscribe: (() => Promise<void>) | undefined;
  #started = false;

  constructor(deps: HelperServiceDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    this.#stored = this.#deps.store.load();
    // Live commands only: a retained /set (which nobody should publish) must not replay at every start.
    this.#unsubscribe = await this.#deps.bus.subscribe('home/+/value/set', (m) => this.#onCommand(m.topic, m.payload.toString('utf8')), {
      retained: false,
    });
    this.#started = true;
    for (const [source, { file, defs }] of this.#waiting) this.setHelpers(source, file, defs);
    this.#waiting.clear();
  }

  async stop(): Promise<void> {
    this.#started = false;
    // Timers stay in the store as they are: an active one finishes at its time, or at the next start if that passed.
    for (const live of this.#helpers.values()) this.#deps.clock.clearTimeout(live.timer);
    this.#helpers.clear();
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Puts `defs` in the place of the helpers `source` (a file of the rules dir) declared before; `[]` removes them. */
  setHelpers(source: string, file: string, defs: HelperDefinition[]): void {
    if (!this.#started) {
      this.#waiting.set(source, { file, defs });
      return;
    }
    for (const [id, live] of [...this.#helpers]) {
      if (live.source !== source) continue;
      this.#deps.clock.clearTimeout(live.timer);
      this.#helpers.delete(id);
    }
    for (const def of defs) {
      // A value kept from before (a restart, a reload, a file fixed after a mistake) stays when it still fits.
      const stored = this.#stored.get(def.id);
      const state = restoreState(def, stored);
      const live: Live = { def, source, file, state };
      this.#helpers.set(def.id, live);
      this.#deps.describe?.(helperDevice(def.id), def.name ?? def.id, helperCapabilities(def));
      if (!stored || JSON.stringify(stored) !== JSON.stringify(state)) this.#save(def.id, state);
      this.#arm(live);
      void this.#publish(live);
    }
  }

  list(): HelperView[] {
    return [...this.#helpers.keys()].sort().map((id) => this.get(id));
  }

  has(id: string): boolean {
    return this.#helpers.has(id);
  }

  get(id: string): HelperView {
    const live = this.#helpers.get(id);
    if (!live) throw new HearthError('HEARTH_NOT_FOUND', { message: `No helper "${id}"` });
    const { def, state } = live;
    const timer = state.timer
      ? {
          state: state.timer.state,
          remaining: remainingSeconds(state.timer, this.#deps.clock.now()),
          finishesAt: state.timer.finishesAt && state.timer.state === 'active' ? new Date(state.timer.finishesAt).toISOString() : null,
          duration: Math.round(state.timer.duration / 1000),
        }
      : undefined;
    return {
      id,
      device: helperDevice(id),
      type: def.type,
      name: def.name ?? null,
      description: def.description ?? null,
      file: live.file,
      fileName: live.source,
      definition: def,
      value: state.value,
      ...(timer ? { timer } : {}),
    };
  }

  /**
   * Applies a command as `home/helper_<id>/value/set` would, and answers the helper as it is then; a value the helper
   * cannot take is refused with a HEARTH_VALIDATION error naming it.
   */
  async command(id: string, payload: string): Promise<HelperView> {
    const live = this.#helpers.get(id);
    if (!live) throw new HearthError('HEARTH_NOT_FOUND', { message: `No helper "${id}"` });
    const error = await this.#apply(live, payload);
    if (error) throw new HearthError('HEARTH_VALIDATION', { message: `helper ${id}: ${error}` }, { field: 'body.value' });
    return this.get(id);
  }

  #onCommand(topic: string, payload: string): void {
    const device = topic.split('/')[1]!;
    if (!device.startsWith('helper_')) return;
    const live = this.#helpers.get(device.slice('helper_'.length));
    if (!live) return;
    void this.#apply(live, payload).then((error) => {
      if (error) this.#deps.logger.warn(`helper ${live.def.id}: ignored ${JSON.stringify(payload)} on ${topic}: ${error}`);
    });
  }

  /** Applies one command; the reason it was refused, or undefined. */
  async #apply(live: Live, payload: string): Promise<string | undefined> {
    const now = this.#deps.clock.now();
    const applied = applyCommand(live.def, live.state, payload, now);
    if ('error' in applied) return applied.error;
    live.state = applied.state;
    this.#save(live.def.id, live.state);
    this.#arm(live);
    await this.#publish(live, applied.event);
    return undefined;
  }

  #save(id: string, state: HelperState): void {
    this.#stored.set(id, state);
    this.#deps.store.save(id, state, this.#deps.clock.now());
  }

  /** An active timer finishes at its time; one whose time passed while the hub was down finishes now. */
  #arm(live: Live): void {
    const { clock } = this.#deps;
    clock.clearTimeout(live.timer);
    live.timer = undefined;
    const timer = live.state.timer;
    if (timer?.state !== 'active' || timer.finishesAt === undefined) return;
    live.timer = clock.setTimeout(
      () => {
        if (this.#helpers.get(live.def.id) !== live) return;
        void this.#apply(live, 'finish');
      },
      Math.max(0, timer.finishesAt - clock.now()),
    );
  }

  async #publish(live: Live, event?: TimerEvent): Promise<void> {
    const { bus, logger, clock } = this.#deps;
    const base = `home/${helperDevice(live.def.id)}`;
    const messages: Array<[string, string, boolean]> = [[`${base}/value`, formatPayload(live.state.value), true]];
    const timer = live.state.timer;
    if (timer) {
      messages.push([`${base}/remaining`, String(remainingSeconds(timer, clock.now())), true]);
      if (event) messages.push([`${base}/event`, event, false]);
    }
    try {
      for (const [topic, payload, retain] of messages) await bus.publish(topic, payload, { qos: 1, retain });
    } catch (err) {
      logger.warn(`helper ${live.def.id}: could not publish its value: ${(err as Error).message}`);
    }
  }
}
