// A private world to run rules in: the real engine (with helpers beside it) on an in-memory bus with a virtual clock,
// so nothing reaches a real device and an hour of rule time takes milliseconds. `hearth rules test`, replay and the
// tests run rules here.
import { MemoryBus } from '../bus/memory-bus.js';
import type { MessageBus } from '../bus/message-bus.js';
import { FakeClock } from '../shared/clock.js';
import { EventBus } from '../shared/event-bus.js';
import { createMemoryLogger, type Logger } from '../shared/logger.js';
import type { HelperDefinition } from '../helpers/helper-schema.js';
import { HelperService, MemoryHelperStore, type HelperStore } from '../helpers/helper-service.js';
import { RuleEngine, type RuleEngineDeps } from './engine.js';
import type { CompiledRule } from './rule-loader.js';
import type { TraceStore } from './traces.js';
import type { Location, TimerStore } from './types.js';

export interface RuleHarnessOptions {
  /** Where the virtual clock starts. */
  start?: number | Date;
  /** Topic values the rules know from the start, as the hub's retained states would be. */
  states?: Iterable<[string, unknown]>;
  location?: Location;
  traceStore?: TraceStore;
  timerStore?: TimerStore;
  loopLimitPerSecond?: number;
  /** What `action: notify` sends through: a recorder, as nothing leaves the harness. */
  notify?: RuleEngineDeps['notify'];
  /** Helper values (in memory unless given); `states` of `home/helper_<id>/value` are their values at the start. */
  helperStore?: HelperStore;
}

/** A message the rules published, with when (on the virtual clock) they did. */
export interface RulePublish {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

export class RuleHarness {
  readonly bus = new MemoryBus();
  readonly clock: FakeClock;
  readonly logger: Logger & { lines: string[] } = createMemoryLogger();
  readonly events = new EventBus(this.logger);
  readonly engine: RuleEngine;
  readonly helpers: HelperService;
  /** What the rules published, in order (the hub's own `hearth/…` events included). */
  readonly published: RulePublish[] = [];

  constructor(options: RuleHarnessOptions = {}) {
    this.clock = new FakeClock(options.start);
    // What the engine publishes is recorded as it leaves: the harness's own publishes are not the rules' doing.
    const bus: MessageBus = {
      subscribe: (filter, handler, opts) => this.bus.subscribe(filter, handler, opts),
      publish: (topic, payload, opts = {}) => {
        this.published.push({ topic, payload: payload.toString(), retain: opts.retain ?? false, at: this.clock.now() });
        return this.bus.publish(topic, payload, opts);
      },
    };
    const { states: initialStates, location, traceStore, timerStore, loopLimitPerSecond, notify } = options;
    const { clock, logger, events } = this;
    this.engine = new RuleEngine({
      bus,
      clock,
      logger,
      events,
      initialStates,
      location,
      traceStore,
      timerStore,
      loopLimitPerSecond,
      notify,
    });
    const store = options.helperStore ?? new MemoryHelperStore();
    for (const [topic, value] of options.states ?? []) {
      const helper = /^home\/helper_([a-z0-9_-]+)\/value$/.exec(topic)?.[1];
      if (helper) store.save(helper, { value }, this.clock.now());
    }
    // Helpers publish their values on the bus itself: what they publish is not the rules' doing.
    this.helpers = new HelperService({ bus: this.bus, clock, logger, store });
  }

  /** Rules (and scripts, scenes, helpers) to run, as one source (`label` names it in messages); before start or after. */
  load(source: string, label: string, rules: CompiledRule[], helpers: HelperDefinition[] = []): void {
    this.engine.setRules(source, label, rules);
    this.helpers.setHelpers(source, label, helpers);
  }

  async start(): Promise<void> {
    await this.engine.start();
    await this.helpers.start();
  }

  /** Starts a script or a scene (`script:<id>`, `scene:<id>`) as a call from outside would; its run goes on as the clock moves. */
  async call(id: string, fields?: Record<string, unknown>): Promise<void> {
    const what = id.startsWith('scene:') ? 'scene' : 'script';
    this.engine.call(id, { id: 'test', kind: what, description: 'started by the rule test', ...(fields ? { fields } : {}) });
    await this.clock.advance(0);
  }

  /** Publishes as a device would, and lets the rules react before the clock moves on. */
  async publish(topic: string, payload: string, options: { retain?: boolean } = {}): Promise<void> {
    await this.bus.publish(topic, payload, { qos: 0, retain: options.retain ?? false });
    await this.clock.advance(0);
  }

  /** Stops the engine, and lets the runs it cancelled record their traces (they end on the turns after). */
  async stop(): Promise<void> {
    await this.helpers.stop();
    await this.engine.stop();
    await this.clock.advance(0);
  }
}
