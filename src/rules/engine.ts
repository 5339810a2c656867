// The rule engine: loads rule files, attaches their triggers, runs them by mode, keeps traces and hot-reloads files.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MessageBus } from '../broker/message-bus.js';
import { busReadings, type Reading, type ReadingSource } from '../devices/readings.js';
import { parsePayload } from '../devices/topic.js';
import type { Clock } from '../shared/clock.js';
import { HearthError } from '../shared/errors.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import { Dispatcher } from './dispatcher.js';
import { loadRuleFile, type CompiledRule, type LoadedFile, type RuleProblem } from './rule-loader.js';
import { RuleRun, type RunDeps, type RunOptions } from './run.js';
import { MemoryTraceStore, RejectLimiter, type RuleTrace, type TraceStore } from './traces.js';
import { DurableState } from './durable-state.js';
import { watchRulesDir } from './rules-dir-watcher.js';
import { StateStore, type Location, type RunContext, type TimerStore, type TriggerContext, type TriggerEvent } from './types.js';

export interface RuleEngineDeps {
  bus: MessageBus;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  rulesDir: string;
  location?: Location;
  initialStates?: Iterable<[string, unknown]>;
  /** Device readings (the registry's); without it, home/… messages on the bus (rule tests, replay). */
  readings?: ReadingSource;
  /** Fires per second beyond which a rule is paused as a loop. */
  loopLimitPerSecond?: number;
  watch?: boolean;
  traceStore?: TraceStore;
  /** Where pending `for:` holds are kept so they survive a restart or a crash. */
  timerStore?: TimerStore;
  /** Where enable/disable choices are kept across restarts. */
  disabled?: { load(): Set<string>; save(ruleId: string, disabled: boolean): void };
  /** What `action: notify` sends through (the hub's notifier; a recorder in rule tests). */
  notify?: RunContext['notify'];
}

export type RuleStatus = 'active' | 'disabled' | 'invalid' | 'paused';

export interface RuleInfo {
  id: string;
  /** The file as the hub names it in messages (relative to the working directory). */
  file: string;
  /** The file's name in the rules dir: how `/api/rule-files/:file` addresses it. */
  fileName: string;
  line?: number;
  status: RuleStatus;
  description: string;
  mode?: string;
  errors?: RuleProblem[];
  lastRun?: { at: string; outcome: string; reason?: string };
}

/** A rule file as a whole: what the editor opens, broken or not. */
export interface RuleFileInfo {
  fileName: string;
  file: string;
  status: 'valid' | 'invalid';
  /** The rules it holds, by the ids it names (an invalid file's rules are all invalid). */
  rules: Array<{ id: string; status: RuleStatus; description: string }>;
  errors: RuleProblem[];
}

interface Runtime {
  rule: CompiledRule;
  fileName: string;
  enabled: boolean;
  paused?: string;
  detaches: Array<() => void>;
  running: Set<RuleRun>;
  /** Triggers waiting for their turn (mode queued), each with its key in the timer store when durable. */
  queue: Array<{ event: TriggerEvent; key?: string }>;
  fires: number[];
  lastRun?: RuleTrace;
}

export class RuleEngine {
  readonly states = new StateStore();
  readonly #deps: RuleEngineDeps;
  readonly #dispatcher = new Dispatcher();
  /** `mqtt` triggers: raw messages on any topic, as published. */
  readonly #raw = new Dispatcher();
  readonly #traces: TraceStore;
  readonly #rejects = new RejectLimiter();
  readonly #files = new Map<string, LoadedFile>();
  readonly #rules = new Map<string, Runtime>();
  readonly #webhooks = new Map<string, Set<(body: unknown) => void>>();
  readonly #hubHandlers = { start: new Set<() => void>(), shutdown: new Set<() => void>() };
  #disabled = new Set<string>();
  readonly #durable: DurableState;
  #unsubscribe: (() => Promise<void>) | undefined;
  #offReadings: (() => unknown) | undefined;
  #unwatch: (() => void) | undefined;
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
      onWebhook: (id, handler) => {
        const set = this.#webhooks.get(id) ?? new Set();
        set.add(handler);
        this.#webhooks.set(id, set);
        return () => set.delete(handler);
      },
      onHub: (event, handler) => {
        this.#hubHandlers[event].add(handler);
        return () => this.#hubHandlers[event].delete(handler);
      },
    };
    this.#runDeps = {
      clock: deps.clock,
      states: this.states,
      location,
      bus: deps.bus,
      logger: deps.logger,
      triggerContext: this.#triggerContext,
      notify: deps.notify,
      templateScope: (trigger, variables) => ({
        ...variables,
        trigger,
        state: (topic: unknown) => this.states.get(String(topic)),
        now: () => new Date(deps.clock.now()).toISOString(),
      }),
    };
  }

  async start(): Promise<void> {
    const now = this.#deps.clock.now();
    for (const [topic, value] of this.#deps.initialStates ?? []) this.states.set(topic, value, now);
    this.#disabled = this.#deps.disabled?.load() ?? new Set();
    this.#durable.load();
    // Readings come decoded by the registry (from any adapter, as home/<id>/<property>); retained ones only update
    // the state, as replaying them would fire triggers at start-up.
    const readings = this.#deps.readings ?? (await busReadings(this.#deps.bus, () => this.#deps.clock.now()));
    const off = readings.onReading((r) => this.#onReading(r));
    this.#offReadings = this.#deps.readings ? off : () => (readings as Awaited<ReturnType<typeof busReadings>>).close();
    // `mqtt` triggers are raw by design: every live message as it was published, on any topic.
    this.#unsubscribe = await this.#deps.bus.subscribe('#', (m) => this.#onRaw(m.topic, m.payload), { retained: false });
    this.reloadAll();
    this.#resumeRuns();
    this.#durable.forgetUnclaimed();
    if (this.#deps.watch !== false) {
      this.#unwatch = watchRulesDir(this.#deps.rulesDir, isRuleFile, {
        changed: (file) => this.reloadFile(file),
        removed: (file) => {
          this.removeFile(file);
          this.#deps.logger.info(`rule file ${file} removed; its rules are gone`);
        },
      }, this.#deps.logger);
    }
    for (const h of [...this.#hubHandlers.start]) h();
  }

  async stop(): Promise<void> {
    this.#durable.stopping();
    for (const h of [...this.#hubHandlers.shutdown]) h();
    this.#unwatch?.();
    for (const rt of this.#rules.values()) this.#detach(rt, 'the hub is stopping', 'the hub stopped while the run waited here; saved, it goes on with the time left when the hub starts again');
    this.#rules.clear();
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#offReadings?.();
    this.#offReadings = undefined;
  }

  #onReading(r: Reading): void {
    const previous = this.states.get(r.topic);
    this.states.set(r.topic, r.value, r.ts);
    if (r.retained) return;
    this.#dispatcher.dispatch({ topic: r.topic, payload: r.payload, value: r.value, previous }, (err) => this.#deps.logger.error(`trigger on ${r.topic} failed: ${err.message}`));
  }

  #onRaw(topic: string, payload: Buffer): void {
    if (this.#raw.size === 0) return;
    const text = payload.toString('utf8');
    this.#raw.dispatch({ topic, payload: text, value: parsePayload(text), previous: undefined }, (err) => this.#deps.logger.error(`trigger on ${topic} failed: ${err.message}`));
  }

  /** Loads every rule file of the rules dir (not `*.test.yaml`), replacing what was loaded. */
  reloadAll(): void {
    const dir = this.#deps.rulesDir;
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    const files = readdirSync(dir).filter(isRuleFile).sort();
    for (const file of [...this.#files.keys()]) if (!files.includes(file)) this.removeFile(file);
    for (const file of files) this.reloadFile(file);
  }

  /** (Re)loads one file (a name in the rules dir): only its rules are replaced; other files' timers keep running. */
  reloadFile(file: string): LoadedFile {
    const display = this.displayPath(file);
    const loaded = loadRuleFile(join(this.#deps.rulesDir, file), display, (_ctx, scope) => this.#runDeps.templateScope(scope.trigger, scope.variables));
    loaded.problems.push(...this.clashes(file, loaded.rules));
    // Pending holds of this file's rules carry over to the reloaded rules with the same ids.
    const previous = this.#files.get(file);
    const kept = previous ? this.#durable.keep(previous.rules.map((r) => r.id)) : [];
    this.removeFile(file, loaded.problems.length === 0 ? loaded.rules.map((r) => r.id) : []);
    this.#durable.restore(kept);
    this.#files.set(file, loaded);
    if (loaded.problems.length > 0) {
      for (const p of loaded.problems) this.#deps.logger.error(`rule file invalid: ${p.text}`);
    } else {
      for (const rule of loaded.rules) this.#attach(rule, file);
      if (kept.length > 0) this.#resumeRuns();
    }
    this.#deps.events.emit('rules.reloaded', { file: display, ruleIds: loaded.rules.map((r) => r.id), errors: loaded.problems.length, ts: this.#deps.clock.now() });
    this.#deps.logger.info(`loaded ${display}: ${loaded.rules.length} rule(s)${loaded.problems.length ? `, ${loaded.problems.length} problem(s); its rules are disabled` : ''}`);
    return loaded;
  }

  /** Removes a file's rules; runs of rules in `continuing` (a reload that keeps them) are saved to go on there. */
  removeFile(file: string, continuing: string[] = []): void {
    const loaded = this.#files.get(file);
    if (!loaded) return;
    for (const rule of loaded.rules) {
      const rt = this.#rules.get(rule.id);
      if (rt && rt.rule === rule) {
        this.#detach(rt, `${loaded.file} changed`, continuing.includes(rule.id) ? `${loaded.file} changed while the run waited here; saved, it goes on in the reloaded rule` : undefined);
        this.#rules.delete(rule.id);
      }
    }
    this.#files.delete(file);
  }

  /** How the hub names a file of the rules dir in messages and logs: relative to the working directory. */
  displayPath(file: string): string {
    return relative(process.cwd(), join(this.#deps.rulesDir, file)) || file;
  }

  /** Rule ids of `rules` (about to be file `file`) that another file already uses: each names both places. */
  clashes(file: string, rules: Array<{ id: string; line: number }>): RuleProblem[] {
    const display = this.displayPath(file);
    const found: RuleProblem[] = [];
    for (const rule of rules) {
      for (const [otherFile, other] of this.#files) {
        if (otherFile === file) continue;
        const clash = other.rules.find((r) => r.id === rule.id);
        if (clash) found.push({ file: display, line: rule.line, column: 1, path: 'id', message: `"${rule.id}" is already used by ${clash.file}:${clash.line}`, text: `${display}:${rule.line}:1 id "${rule.id}" is already used by ${clash.file}:${clash.line}` });
      }
    }
    return found;
  }

  #attach(rule: CompiledRule, fileName: string): void {
    const rt: Runtime = { rule, fileName, enabled: rule.enabledByDefault && !this.#disabled.has(rule.id), detaches: [], running: new Set(), queue: [], fires: [] };
    this.#rules.set(rule.id, rt);
    if (rt.enabled) this.#arm(rt);
  }

  #arm(rt: Runtime): void {
    const durable = this.#durable.holdsFor(rt.rule.id, rt.rule.onMissed, (event, dueAt) => {
      const now = this.#deps.clock.now();
      this.#record(rt, { id: `${now}-missed`, ruleId: rt.rule.id, startedAt: now, endedAt: now, outcome: 'trigger_rejected', reason: `on_missed: skip — the for: hold fell due at ${new Date(dueAt).toISOString()} while the hub was down`, trigger: event, conditions: [], actions: [], published: [] });
    });
    const ctx: TriggerContext = durable ? { ...this.#triggerContext, durable } : this.#triggerContext;
    rt.detaches = rt.rule.triggers.map((t) => t.attach(ctx, (e) => this.#onFire(rt, e), (reason, e) => this.#onReject(rt, reason, e)));
    this.#durable.forgetStaleHolds(rt.rule.id);
  }

  /** Detaches a rule's triggers and ends its runs; with `resume`, runs waiting at a saved checkpoint are saved. */
  #detach(rt: Runtime, why: string, resume?: string): void {
    rt.detaches.forEach((d) => d());
    rt.detaches = [];
    for (const q of rt.queue) this.#durable.dequeued(q.key);
    rt.queue = [];
    for (const run of rt.running) run.cancel(why, resume);
  }

  #onReject(rt: Runtime, reason: string, event: Partial<TriggerEvent>): void {
    const now = this.#deps.clock.now();
    if (!this.#rejects.allow(rt.rule.id, now)) return;
    this.#traces.record({ id: `${now}-${Math.random().toString(36).slice(2, 8)}`, ruleId: rt.rule.id, startedAt: now, endedAt: now, outcome: 'trigger_rejected', reason, trigger: event, conditions: [], actions: [], published: [] });
  }

  #onFire(rt: Runtime, event: TriggerEvent): void {
    const now = this.#deps.clock.now();
    rt.fires = rt.fires.filter((t) => now - t < 1000);
    rt.fires.push(now);
    const limit = this.#deps.loopLimitPerSecond ?? 20;
    if (rt.fires.length > limit) return this.#pause(rt, `triggered more than ${limit} times in a second (a loop?); paused until enabled again`);
    const busy = rt.running.size > 0;
    const { mode, max } = rt.rule;
    if (mode === 'restart') for (const run of rt.running) run.restart();
    else if (busy && mode === 'single') return this.#skip(rt, event, 'mode single: a run is in progress');
    else if (busy && mode === 'queued') {
      if (rt.queue.length >= max) return this.#skip(rt, event, `mode queued: ${max} runs already queued`);
      // Kept on disk too, so a restart does not forget who was waiting.
      rt.queue.push({ event, key: this.#durable.queued(rt.rule.id, event, rt.queue.length) });
      return;
    } else if (mode === 'parallel' && rt.running.size >= max) return this.#skip(rt, event, `mode parallel: ${max} runs in progress`);
    void this.#run(rt, event);
  }

  #skip(rt: Runtime, event: TriggerEvent, reason: string): void {
    const now = this.#deps.clock.now();
    this.#deps.logger.warn(`rule ${rt.rule.id} skipped: ${reason}`);
    this.#record(rt, { id: `${now}-skip`, ruleId: rt.rule.id, startedAt: now, endedAt: now, outcome: 'skipped_by_mode', reason, trigger: event, conditions: [], actions: [], published: [] });
  }

  #pause(rt: Runtime, why: string): void {
    this.#detach(rt, why);
    rt.paused = why;
    this.#deps.logger.error(`rule ${rt.rule.id} ${why}`);
    this.#deps.events.emit('rule.error', { ruleId: rt.rule.id, message: why, ts: this.#deps.clock.now() });
    void this.#deps.bus.publish('hearth/events/rule', JSON.stringify({ ruleId: rt.rule.id, outcome: 'paused', message: why }), { qos: 0 }).catch(() => undefined);
  }

  /** Runs that a restart interrupted in a delay or a wait go on with the time left (or per on_missed); then queues. */
  #resumeRuns(): void {
    for (const r of this.#durable.takeRuns()) {
      const rt = this.#rules.get(r.ruleId);
      if (!rt || !rt.enabled || !r.resume) {
        r.forget();
        continue;
      }
      if (r.dueAt <= this.#deps.clock.now() && rt.rule.onMissed === 'skip' && r.resume.kind !== 'wait') {
        r.forget();
        const now = this.#deps.clock.now();
        this.#record(rt, { id: r.resume.traceId, ruleId: rt.rule.id, startedAt: now, endedAt: now, outcome: 'cancelled', reason: `on_missed: skip — its delay ended at ${new Date(r.dueAt).toISOString()} while the hub was down`, trigger: r.event, conditions: [], actions: [], published: [] });
        continue;
      }
      void this.#run(rt, r.event, { resume: { ...r.resume, dueAt: r.dueAt } });
    }
    // …then the triggers that were waiting in a queued rule's queue, behind them, in the order they came.
    for (const q of this.#durable.takeQueued()) {
      const rt = this.#rules.get(q.ruleId);
      if (rt?.enabled) this.#onFire(rt, q.event);
    }
  }

  async #run(rt: Runtime, event: TriggerEvent, options: RunOptions = {}): Promise<RuleTrace> {
    const checkpoints = this.#durable.checkpointsFor(rt.rule.id);
    if (checkpoints) options = { ...options, checkpoints };
    const run = new RuleRun(rt.rule, event, this.#runDeps, options);
    rt.running.add(run);
    let trace: RuleTrace;
    try {
      trace = await run.execute();
    } finally {
      rt.running.delete(run);
    }
    this.#record(rt, trace);
    const next = rt.queue.shift();
    this.#durable.dequeued(next?.key);
    if (next) void this.#run(rt, next.event);
    return trace;
  }

  #record(rt: Runtime, trace: RuleTrace): void {
    this.#traces.record(trace);
    rt.lastRun = trace;
    const { logger, events, bus, clock } = this.#deps;
    const line = `rule ${trace.ruleId} ${trace.outcome}${trace.reason ? `: ${trace.reason}` : ''} (trigger: ${trace.trigger.description ?? trace.trigger.kind})`;
    if (trace.outcome === 'error') logger.error(line);
    else logger.info(line);
    events.emit('rule.run', { ruleId: trace.ruleId, outcome: trace.outcome, traceId: trace.id, ts: clock.now(), message: trace.reason });
    if (trace.outcome === 'error') events.emit('rule.error', { ruleId: trace.ruleId, message: trace.error ?? 'error', ts: clock.now() });
    const summary = { ruleId: trace.ruleId, outcome: trace.outcome, reason: trace.reason, trigger: trace.trigger.description, traceId: trace.id, at: new Date(trace.startedAt).toISOString() };
    void bus.publish('hearth/events/rule', JSON.stringify(summary), { qos: 0 }).catch(() => undefined);
  }

  /** Every rule with its status; a file with problems lists each rule id it names (or, naming none, its file name) as invalid. */
  list(): RuleInfo[] {
    const out: RuleInfo[] = [];
    for (const [fileName, loaded] of [...this.#files].sort((a, b) => a[1].file.localeCompare(b[1].file))) {
      if (loaded.problems.length > 0) {
        const ids = loaded.ids.length > 0 ? loaded.ids : [fileName];
        for (const id of ids) out.push({ id, file: loaded.file, fileName, status: 'invalid', description: '', errors: loaded.problems });
        continue;
      }
      for (const rule of loaded.rules) out.push(this.#info(this.#rules.get(rule.id)!));
    }
    return out;
  }

  /** One file of the rules dir (by its name there), with the rules it holds and its problems. */
  file(fileName: string): RuleFileInfo | undefined {
    const loaded = this.#files.get(fileName);
    if (!loaded) return undefined;
    const invalid = loaded.problems.length > 0;
    const rules = loaded.ids.map((id) => {
      const rt = this.#rules.get(id);
      return !invalid && rt?.fileName === fileName ? { id, status: this.#info(rt).status, description: rt.rule.description } : { id, status: 'invalid' as const, description: '' };
    });
    return { fileName, file: loaded.file, status: invalid ? 'invalid' : 'valid', rules, errors: loaded.problems };
  }

  get(id: string): RuleInfo & { definition?: unknown } {
    const rt = this.#rules.get(id);
    if (rt) return { ...this.#info(rt), definition: rt.rule.definition };
    const invalid = this.list().find((r) => r.id === id);
    if (invalid) return invalid;
    throw new HearthError('HEARTH_RULE_NOT_FOUND', { id });
  }

  #info(rt: Runtime): RuleInfo {
    const { rule } = rt;
    return {
      id: rule.id,
      file: rule.file,
      fileName: rt.fileName,
      line: rule.line,
      status: rt.paused ? 'paused' : rt.enabled ? 'active' : 'disabled',
      description: rule.description,
      mode: rule.mode,
      ...(rt.paused ? { errors: [{ file: rule.file, line: rule.line, column: 1, path: '', message: rt.paused, text: rt.paused }] } : {}),
      ...(rt.lastRun ? { lastRun: { at: new Date(rt.lastRun.startedAt).toISOString(), outcome: rt.lastRun.outcome, reason: rt.lastRun.reason } } : {}),
    };
  }

  #runtime(id: string): Runtime {
    const rt = this.#rules.get(id);
    if (!rt) throw new HearthError('HEARTH_RULE_NOT_FOUND', { id });
    return rt;
  }

  enable(id: string): RuleInfo {
    const rt = this.#runtime(id);
    if (!rt.enabled || rt.paused) {
      this.#detach(rt, 'enabled again');
      rt.enabled = true;
      rt.paused = undefined;
      rt.fires = [];
      this.#arm(rt);
    }
    this.#deps.disabled?.save(id, false);
    return this.#info(rt);
  }

  disable(id: string): RuleInfo {
    const rt = this.#runtime(id);
    this.#detach(rt, 'disabled');
    rt.enabled = false;
    this.#deps.disabled?.save(id, true);
    return this.#info(rt);
  }

  /** Runs a rule now, as if triggered manually; resolves with its trace once the run ends. */
  runNow(id: string, options: RunOptions = {}): Promise<RuleTrace> {
    const rt = this.#runtime(id);
    return this.#run(rt, { id: 'manual', kind: 'manual', description: 'run manually' }, options);
  }

  traces(id: string, limit?: number): RuleTrace[] {
    this.get(id);
    return this.#traces.list(id, limit);
  }

  /** Fires the webhook triggers with this id; false when no rule listens to it. */
  handleWebhook(webhookId: string, body: unknown): boolean {
    const handlers = this.#webhooks.get(webhookId);
    if (!handlers || handlers.size === 0) return false;
    for (const h of [...handlers]) h(body);
    return true;
  }

  /** The file (a name in the rules dir) that holds rule `id`, and how many rules it holds; undefined when none. */
  fileOf(id: string): { file: string; rules: number } | undefined {
    const rt = this.#rules.get(id);
    if (rt) return { file: rt.fileName, rules: this.#files.get(rt.fileName)!.ids.length };
    // A rule of a file with problems is not running, but its file is still where it lives.
    for (const [file, loaded] of this.#files) {
      if (loaded.ids.includes(id)) return { file, rules: loaded.ids.length };
    }
    return undefined;
  }

  get rulesDir(): string {
    return this.#deps.rulesDir;
  }

  state(topic: string): unknown {
    return this.states.get(topic);
  }

  get problems(): RuleProblem[] {
    return [...this.#files.values()].flatMap((f) => f.problems);
  }
}

export function isRuleFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name) && !name.startsWith('.');
}
