// The rule engine: attaches compiled rules' triggers, runs them by mode (single, restart, queued, parallel), keeps
// what must outlive a restart, records a trace of every evaluation, and pauses a rule that loops. Scripts and scenes
// are runs of the same kind without triggers (`script:<id>`, `scene:<id>`), started by a call. Which it runs is told
// by its caller (the rules dir, a rule test, a replay) through `setRules`.
// Long file: modes, durable runs, calls and the loop guard all act on one runtime per rule; split apart they would
// share it by reference.
import type { MessageBus } from '../bus/message-bus.js';
import { busReadings, type Reading, type ReadingSource } from '../devices/readings.js';
import { parsePayload } from '../devices/topic.js';
import type { Clock } from '../shared/clock.js';
import { HearthError } from '../shared/errors.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import { Dispatcher } from './dispatcher.js';
import { Hooks } from './hooks.js';
import { DurableState } from './durable-state.js';
import type { CompiledRule } from './rule-loader.js';
import { RuleRun, type RunDeps, type RunOptions } from './run.js';
import { instantTrace, MemoryTraceStore, RejectLimiter, type RuleTrace, type TraceStore } from './traces.js';
import { runLabel } from './actions/call.js';
import {
  StateStore,
  type Location,
  type RuleSwitches,
  type RunContext,
  type TimerStore,
  type TriggerContext,
  type TriggerEvent,
} from './types.js';

export interface RuleEngineDeps {
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  location?: Location;
  initialStates?: Iterable<[string, unknown]>;
  /** Device readings (the registry's); without it, home/… messages on the bus (rule tests, replay). */
  readings?: ReadingSource;
  /** Fires per second beyond which a rule is paused as a loop. */
  loopLimitPerSecond?: number;
  traceStore?: TraceStore;
  /** Where pending `for:` holds are kept so they survive a restart or a crash. */
  timerStore?: TimerStore;
  /** Where a user's enable/disable choices are kept across restarts. */
  switches?: RuleSwitches;
  /** What `action: notify` sends through (the hub's notifier; a recorder in rule tests). */
  notify?: RunContext['notify'];
}

/** How an attached rule is doing: what the rules dir shows as its status. */
export interface RuleRuntime {
  rule: CompiledRule;
  /** Where the rule came from (a file's name in the rules dir). */
  source: string;
  enabled: boolean;
  /** Why it was paused (a loop), until enabled again. */
  paused?: string;
  lastRun?: RuleTrace;
}

interface Runtime extends RuleRuntime {
  detaches: Array<() => void>;
  /** Runs in progress, each with the trace it will end with. */
  running: Map<RuleRun, Promise<RuleTrace>>;
  /** Triggers waiting for their turn (mode queued), each with its key in the timer store when durable, and the caller's. */
  queue: Array<{ event: TriggerEvent; key?: string; started?: (done: Promise<RuleTrace>) => void }>;
  fires: number[];
}

/** A run started (or queued: no trace id yet) and the trace it ends with. */
export interface RunHandle {
  traceId: string | undefined;
  done: Promise<RuleTrace>;
}

export class RuleEngine {
  readonly states = new StateStore();
  readonly #deps: RuleEngineDeps;
  readonly #dispatcher = new Dispatcher();
  /** `mqtt` triggers: raw messages on any topic, as published. */
  readonly #raw = new Dispatcher();
  readonly #traces: TraceStore;
  readonly #rejects = new RejectLimiter();
  readonly #rules = new Map<string, Runtime>();
  /** Rules set before start, by source: attached when the engine starts. */
  readonly #waiting = new Map<string, CompiledRule[]>();
  readonly #hooks = new Hooks();
  #disabled = new Set<string>();
  #started = false;
  readonly #durable: DurableState;
  #unsubscribe: (() => Promise<void>) | undefined;
  #offReadings: (() => unknown) | undefined;
  readonly #runDeps: RunDeps;
  readonly #triggerContext: TriggerContext;

  constructor(deps: RuleEngineDeps) {
    this.#deps = deps;
    this.#traces = deps.traceStore ?? new MemoryTraceStore();
    this.#durable = new DurableState(deps.timerStore, deps.clock);
    const location = deps.location ?? { latitude: 51.5, longitude: 0 };
    this.#triggerContext = {
      clock: deps.clock,
      states: this.states,
      location,
      logger: deps.logger,
      onMessage: (filter, handler) => this.#dispatcher.on(filter, handler),
      onRawMessage: (filter, handler) => this.#raw.on(filter, handler),
      onWebhook: (id, handler) => this.#hooks.onWebhook(id, handler),
      onHub: (event, handler) => this.#hooks.onHub(event, handler),
    };
    const { bus, logger, notify } = deps;
    const call = (id: string, event: TriggerEvent) => this.call(id, event);
    const awaitRun = (id: string, traceId: string) => this.awaitRun(id, traceId);
    this.#runDeps = {
      clock: deps.clock,
      states: this.states,
      location,
      bus,
      logger,
      triggerContext: this.#triggerContext,
      notify,
      call,
      awaitRun,
    };
  }

  async start(): Promise<void> {
    const now = this.#deps.clock.now();
    for (const [topic, value] of this.#deps.initialStates ?? []) this.states.set(topic, value, now);
    this.#disabled = this.#deps.switches?.disabledRules() ?? new Set();
    this.#durable.load();
    // Readings come decoded by the registry (from any adapter, as home/<id>/<property>); retained ones only update
    // the state, as replaying them would fire triggers at start-up.
    const readings = this.#deps.readings ?? (await busReadings(this.#deps.bus, () => this.#deps.clock.now()));
    const off = readings.onReading((r) => this.#onReading(r));
    this.#offReadings = this.#deps.readings ? off : () => (readings as Awaited<ReturnType<typeof busReadings>>).close();
    // `mqtt` triggers are raw by design: every live message as it was published, on any topic.
    this.#unsubscribe = await this.#deps.bus.subscribe('#', (m) => this.#onRaw(m.topic, m.payload), { retained: false });
    this.#started = true;
    for (const [source, rules] of this.#waiting) for (const rule of rules) this.#attach(rule, source);
    this.#waiting.clear();
    this.#resumeRuns();
    this.#durable.forgetUnclaimed();
    this.#hooks.hub('start');
  }

  async stop(): Promise<void> {
    this.#durable.stopping();
    this.#hooks.hub('shutdown');
    for (const rt of this.#rules.values())
      this.#detach(
        rt,
        'the hub is stopping',
        'the hub stopped while the run waited here; saved, it goes on with the time left when the hub starts again',
      );
    this.#rules.clear();
    this.#started = false;
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#offReadings?.();
    this.#offReadings = undefined;
  }

  #onReading(r: Reading): void {
    const previous = this.states.get(r.topic);
    this.states.set(r.topic, r.value, r.ts);
    if (r.retained) return;
    if (!this.#dispatcher.watches(r.topic)) return;
    this.#dispatcher.dispatch({ topic: r.topic, payload: r.payload, value: r.value, previous }, (err) =>
      this.#deps.logger.error(`trigger on ${r.topic} failed: ${err.message}`),
    );
  }

  #onRaw(topic: string, payload: Buffer): void {
    if (this.#raw.size === 0) return;
    const text = payload.toString('utf8');
    this.#raw.dispatch({ topic, payload: text, value: parsePayload(text), previous: undefined }, (err) =>
      this.#deps.logger.error(`trigger on ${topic} failed: ${err.message}`),
    );
  }

  /**
   * Puts `rules` in the place of those `source` (a file of the rules dir, `label` in messages) held before: none
   * for a new source, `[]` to remove them. Before start they wait for it; after, pending holds and runs waiting in a
   * delay carry over to the new rules with the same ids, and other sources' rules are not touched.
   */
  setRules(source: string, label: string, rules: CompiledRule[]): void {
    if (!this.#started) {
      this.#waiting.set(source, rules);
      return;
    }
    const previous = [...this.#rules.values()].filter((rt) => rt.source === source);
    const kept = previous.length > 0 ? this.#durable.keep(previous.map((rt) => rt.rule.id)) : [];
    const continuing = rules.map((r) => r.id);
    for (const rt of previous) {
      const resume = continuing.includes(rt.rule.id)
        ? `${label} changed while the run waited here; saved, it goes on in the reloaded rule`
        : undefined;
      this.#detach(rt, `${label} changed`, resume);
      this.#rules.delete(rt.rule.id);
    }
    this.#durable.restore(kept);
    for (const rule of rules) this.#attach(rule, source);
    if (kept.length > 0 && rules.length > 0) this.#resumeRuns();
  }

  #attach(rule: CompiledRule, source: string): void {
    const rt: Runtime = {
      rule,
      source,
      enabled: rule.enabledByDefault && !this.#disabled.has(rule.id),
      detaches: [],
      running: new Map(),
      queue: [],
      fires: [],
    };
    this.#rules.set(rule.id, rt);
    if (rt.enabled) this.#arm(rt);
  }

  #arm(rt: Runtime): void {
    const durable = this.#durable.holdsFor(rt.rule.id, rt.rule.onMissed, (event, dueAt) => {
      const now = this.#deps.clock.now();
      this.#record(
        rt,
        instantTrace(
          `${now}-missed`,
          rt.rule.id,
          now,
          'trigger_rejected',
          `on_missed: skip — the for: hold fell due at ${new Date(dueAt).toISOString()} while the hub was down`,
          event,
        ),
      );
    });
    const ctx: TriggerContext = durable ? { ...this.#triggerContext, durable } : this.#triggerContext;
    rt.detaches = rt.rule.triggers.map((t) =>
      t.attach(
        ctx,
        (e) => this.#onFire(rt, e),
        (reason, e) => this.#onReject(rt, reason, e),
      ),
    );
    this.#durable.forgetStaleHolds(rt.rule.id);
  }

  /** Detaches a rule's triggers and ends its runs; with `resume`, runs waiting at a saved checkpoint are saved. */
  #detach(rt: Runtime, why: string, resume?: string): void {
    for (const d of rt.detaches) d();
    rt.detaches = [];
    const now = this.#deps.clock.now();
    for (const q of rt.queue) {
      this.#durable.dequeued(q.key);
      q.started?.(Promise.resolve(instantTrace(`${now}-dequeued`, rt.rule.id, now, 'cancelled', why, q.event)));
    }
    rt.queue = [];
    for (const run of rt.running.keys()) run.cancel(why, resume);
  }

  #onReject(rt: Runtime, reason: string, event: Partial<TriggerEvent>): void {
    const now = this.#deps.clock.now();
    if (!this.#rejects.allow(rt.rule.id, now)) return;
    this.#traces.record(
      instantTrace(`${now}-${Math.random().toString(36).slice(2, 8)}`, rt.rule.id, now, 'trigger_rejected', reason, event),
    );
  }

  #onFire(rt: Runtime, event: TriggerEvent): RunHandle | undefined {
    const now = this.#deps.clock.now();
    rt.fires = rt.fires.filter((t) => now - t < 1000);
    rt.fires.push(now);
    const limit = this.#deps.loopLimitPerSecond ?? 20;
    const how = rt.rule.id.includes(':') ? 'started' : 'triggered';
    if (rt.fires.length > limit)
      return void this.#pause(rt, `${how} more than ${limit} times in a second (a loop?); paused until enabled again`);
    const busy = rt.running.size > 0;
    const { mode, max } = rt.rule;
    if (mode === 'restart') for (const run of rt.running.keys()) run.restart();
    else if (busy && mode === 'single') return this.#skip(rt, event, 'mode single: a run is in progress');
    else if (busy && mode === 'queued') {
      if (rt.queue.length >= max) return this.#skip(rt, event, `mode queued: ${max} runs already queued`);
      // Kept on disk too, so a restart does not forget who was waiting.
      const entry: Runtime['queue'][number] = { event, key: this.#durable.queued(rt.rule.id, event, rt.queue.length) };
      rt.queue.push(entry);
      return { traceId: undefined, done: new Promise((resolve) => (entry.started = resolve)) };
    } else if (mode === 'parallel' && rt.running.size >= max) return this.#skip(rt, event, `mode parallel: ${max} runs in progress`);
    return this.#run(rt, event);
  }

  #skip(rt: Runtime, event: TriggerEvent, reason: string): RunHandle {
    const now = this.#deps.clock.now();
    this.#deps.logger.warn(`${runLabel(rt.rule.id)} skipped: ${reason}`);
    const trace = instantTrace(`${now}-skip`, rt.rule.id, now, 'skipped_by_mode', reason, event);
    this.#record(rt, trace);
    return { traceId: trace.id, done: Promise.resolve(trace) };
  }

  #pause(rt: Runtime, why: string): void {
    this.#detach(rt, why);
    rt.paused = why;
    this.#deps.logger.error(`${runLabel(rt.rule.id)} ${why}`);
    this.#deps.events.emit('rule.error', { ruleId: rt.rule.id, message: why, ts: this.#deps.clock.now() });
    void this.#deps.bus
      .publish('hearth/events/rule', JSON.stringify({ ruleId: rt.rule.id, outcome: 'paused', message: why }), { qos: 0 })
      .catch(() => undefined);
  }

  /** Runs that a restart interrupted in a delay or a wait go on with the time left (or per on_missed); then queues. */
  #resumeRuns(): void {
    // Scripts first: a rule run that waited for a script's run finds it running again.
    const runs = this.#durable.takeRuns().sort((a, b) => Number(!a.ruleId.includes(':')) - Number(!b.ruleId.includes(':')));
    for (const r of runs) {
      const rt = this.#rules.get(r.ruleId);
      if (!rt?.enabled || !r.resume) {
        r.forget();
        continue;
      }
      const now = this.#deps.clock.now();
      if (r.dueAt <= now && rt.rule.onMissed === 'skip' && r.resume.kind !== 'wait') {
        r.forget();
        this.#record(
          rt,
          instantTrace(
            r.resume.traceId,
            rt.rule.id,
            now,
            'cancelled',
            `on_missed: skip — its delay ended at ${new Date(r.dueAt).toISOString()} while the hub was down`,
            r.event,
          ),
        );
        continue;
      }
      this.#run(rt, r.event, { resume: { ...r.resume, dueAt: r.dueAt } });
    }
    // …then the triggers that were waiting in a queued rule's queue, behind them, in the order they came.
    for (const q of this.#durable.takeQueued()) {
      const rt = this.#rules.get(q.ruleId);
      if (rt?.enabled) this.#onFire(rt, q.event);
    }
  }

  #run(rt: Runtime, event: TriggerEvent, options: RunOptions = {}): RunHandle {
    const checkpoints = this.#durable.checkpointsFor(rt.rule.id);
    if (checkpoints) options = { ...options, checkpoints };
    const run = new RuleRun(rt.rule, event, this.#runDeps, options);
    const done = run.execute().then((trace) => {
      rt.running.delete(run);
      this.#record(rt, trace);
      const next = rt.queue.shift();
      this.#durable.dequeued(next?.key);
      if (next) {
        const started = this.#run(rt, next.event);
        next.started?.(started.done);
      }
      return trace;
    });
    rt.running.set(run, done);
    return { traceId: run.trace.id, done };
  }

  #record(rt: Runtime, trace: RuleTrace): void {
    this.#traces.record(trace);
    rt.lastRun = trace;
    const { logger, events, bus, clock } = this.#deps;
    // The line only where it is printed: a hub logging at warn (HEARTH_LOG_LEVEL=warn, as the benchmarks run it) builds
    // none per run.
    if (trace.outcome === 'error' || logger.enabled('info')) {
      const line = `${runLabel(trace.ruleId)} ${trace.outcome}${trace.reason ? `: ${trace.reason}` : ''} (trigger: ${trace.trigger.description ?? trace.trigger.kind})`;
      if (trace.outcome === 'error') logger.error(line);
      else logger.info(line);
    }
    events.emit('rule.run', { ruleId: trace.ruleId, outcome: trace.outcome, traceId: trace.id, ts: clock.now(), message: trace.reason });
    if (trace.outcome === 'error') events.emit('rule.error', { ruleId: trace.ruleId, message: trace.error ?? 'error', ts: clock.now() });
    const summary = {
      ruleId: trace.ruleId,
      outcome: trace.outcome,
      reason: trace.reason,
      trigger: trace.trigger.description,
      traceId: trace.id,
      at: new Date(trace.startedAt).toISOString(),
    };
    void bus.publish('hearth/events/rule', JSON.stringify(summary), { qos: 0 }).catch(() => undefined);
  }

  /** An attached rule's state; undefined for ids it does not run (unknown, or in a file that does not load). */
  runtime(id: string): RuleRuntime | undefined {
    const rt = this.#rules.get(id);
    return rt && { rule: rt.rule, source: rt.source, enabled: rt.enabled, paused: rt.paused, lastRun: rt.lastRun };
  }

  #runtime(id: string): Runtime {
    const rt = this.#rules.get(id);
    if (!rt) throw new HearthError('HEARTH_RULE_NOT_FOUND', { id });
    return rt;
  }

  enable(id: string): void {
    const rt = this.#runtime(id);
    if (!rt.enabled || rt.paused) {
      this.#detach(rt, 'enabled again');
      rt.enabled = true;
      rt.paused = undefined;
      rt.fires = [];
      this.#arm(rt);
    }
    this.#disabled.delete(id);
    this.#deps.switches?.setRuleDisabled(id, false);
  }

  disable(id: string): void {
    const rt = this.#runtime(id);
    this.#detach(rt, 'disabled');
    rt.enabled = false;
    // Remembered here too: the rule stays disabled when its file is reloaded.
    this.#disabled.add(id);
    this.#deps.switches?.setRuleDisabled(id, true);
  }

  /** Runs a rule now, as if triggered manually; resolves with its trace once the run ends. */
  runNow(id: string, options: RunOptions = {}): Promise<RuleTrace> {
    const rt = this.#runtime(id);
    return this.#run(rt, { id: 'manual', kind: 'manual', description: 'run manually' }, options).done;
  }

  /**
   * Starts a script or a scene (`script:<id>`, `scene:<id>`) by its mode, as a trigger starts a rule; throws, saying
   * why, when it is not loaded, disabled or paused.
   */
  call(id: string, event: TriggerEvent): RunHandle {
    const rt = this.#rules.get(id);
    if (!rt) throw new Error(`${runLabel(id)} is not loaded (its file has problems, or it was removed)`);
    if (rt.paused) throw new Error(`${runLabel(id)} is paused: ${rt.paused}`);
    if (!rt.enabled) throw new Error(`${runLabel(id)} is disabled`);
    const handle = this.#onFire(rt, event);
    if (!handle) throw new Error(`${runLabel(id)} ${rt.paused ?? 'did not start'}`);
    return handle;
  }

  /** The end of a run by its trace id: while it runs, or its recorded trace once over; undefined when unknown. */
  awaitRun(id: string, traceId: string): Promise<RuleTrace> | undefined {
    const rt = this.#rules.get(id);
    for (const [run, done] of rt?.running ?? []) if (run.trace.id === traceId) return done;
    const over = this.#traces.list(id, 50).find((t) => t.id === traceId);
    return over && Promise.resolve(over);
  }

  /** The latest traces of a rule, newest first. */
  traces(id: string, limit?: number): RuleTrace[] {
    return this.#traces.list(id, limit);
  }

  /** Fires the webhook triggers with this id; false when no rule listens to it. */
  handleWebhook(webhookId: string, body: unknown): boolean {
    return this.#hooks.webhook(webhookId, body);
  }

  state(topic: string): unknown {
    return this.states.get(topic);
  }
}
