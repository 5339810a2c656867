// One rule run, as named steps: match trigger → check conditions → run actions → record trace.
import { randomUUID } from 'node:crypto';
import type { MessageBus } from '../bus/message-bus.js';
import type { Logger } from '../shared/logger.js';
import type { CompiledRule } from './rule-loader.js';
import { templateScope } from './template-scope.js';
import type { RuleTrace } from './traces.js';
import {
  RunCancelled,
  StopRun,
  type CallRef,
  type CompiledTrigger,
  type ConditionContext,
  type RunContext,
  type Scope,
  type TriggerContext,
  type TriggerEvent,
} from './types.js';

export interface RunDeps extends ConditionContext {
  bus: MessageBus;
  logger: Logger;
  triggerContext: TriggerContext;
  notify?: RunContext['notify'];
  call?: RunContext['call'];
  awaitRun?: RunContext['awaitRun'];
}

export interface RunOptions {
  skipConditions?: boolean;
  dryRun?: boolean;
  /** Resume a run a restart interrupted in a top-level delay: wait what is left, then go on from step `startAt`. */
  resume?: {
    path: Array<number | string>;
    dueAt: number;
    variables: Record<string, unknown>;
    traceId: string;
    kind?: 'delay' | 'wait' | 'call';
    call?: CallRef;
  };
  /** Where the run's delay checkpoints are kept (durable engines only). */
  checkpoints?: { save(key: string, dueAt: number, event: TriggerEvent): void; delete(key: string): void };
}

export class RuleRun {
  readonly trace: RuleTrace;
  readonly #controller = new AbortController();
  readonly #rule: CompiledRule;
  readonly #deps: RunDeps;
  readonly #options: RunOptions;
  /** True while the run waits at a checkpoint kept in the timer store (a durable delay or wait). */
  #checkpointed = false;

  constructor(rule: CompiledRule, event: TriggerEvent, deps: RunDeps, options: RunOptions = {}) {
    this.#rule = rule;
    this.#deps = deps;
    this.#options = options;
    this.trace = {
      id: options.resume?.traceId ?? randomUUID(),
      ruleId: rule.id,
      startedAt: deps.clock.now(),
      outcome: 'running',
      trigger: event,
      conditions: [],
      actions: [],
      published: [],
    };
  }

  /** Ends the run; with `resume` (why it goes on later) a run waiting at a saved checkpoint is traced as saved. */
  cancel(reason: string, resume?: string): void {
    const saved = resume !== undefined && this.#checkpointed;
    this.#controller.abort(new RunCancelled(saved ? resume : reason, saved ? 'saved' : 'cancelled'));
  }

  /** Mode restart: a new trigger replaces this run. */
  restart(): void {
    this.#controller.abort(new RunCancelled('a new trigger started the rule again (mode restart)', 'restarted'));
  }

  async execute(): Promise<RuleTrace> {
    const { trace } = this;
    const rule = this.#rule;
    const deps = this.#deps;
    const resume = this.#options.resume;
    const variables: Record<string, unknown> = resume ? { ...resume.variables } : {};
    const scope = { trigger: trace.trigger as TriggerEvent, variables };
    const key = `${rule.id}/run/${trace.id}`;
    try {
      const ctx = new Context(this.#rule.id, scope, this.trace, deps, this.#controller, this.#options.dryRun ?? false);
      const store = this.#options.checkpoints;
      if (store) {
        ctx.checkpoint = (path, dueAt, kind = 'delay', call) => {
          store.save(key, dueAt, {
            ...(trace.trigger as TriggerEvent),
            resume: { path, variables: { ...scope.variables }, traceId: trace.id, kind, ...(call ? { call } : {}) },
          });
          this.#checkpointed = true;
        };
        ctx.clearCheckpoint = () => {
          store.delete(key);
          this.#checkpointed = false;
        };
      }
      if (resume) {
        trace.reason = `resumed after a restart at step ${resume.path.join('.')}`;
        if (resume.kind === 'wait') ctx.resumeDeadline = resume.dueAt;
        else if (resume.kind === 'call') ctx.resumeCall = resume.call;
        else {
          // The rest of the delay: its checkpoint is still in the store until it ends.
          this.#checkpointed = store !== undefined;
          await ctx.sleep(Math.max(0, resume.dueAt - deps.clock.now()));
          ctx.clearCheckpoint?.();
        }
        ctx.resumePath = [...resume.path];
        await rule.actions(ctx);
        return this.#finish('ran');
      }
      for (const [name, evaluate] of rule.variables) variables[name] = evaluate(templateScope(deps, trace.trigger, variables));
      if (!this.#options.skipConditions && !this.#checkConditions(scope)) return this.#finish('conditions_failed');
      await rule.actions(ctx);
      return this.#finish('ran');
    } catch (err) {
      if (err instanceof StopRun) return this.#finish('stopped', `stopped: ${err.message}`);
      if (err instanceof RunCancelled) {
        // A saved run keeps its checkpoint: it goes on from there.
        if (err.outcome !== 'saved') this.#options.checkpoints?.delete(key);
        // Why it ended now says more than how it began ("resumed after a restart").
        this.trace.reason = err.message;
        return this.#finish(err.outcome);
      }
      this.#options.checkpoints?.delete(key);
      trace.error = (err as Error).message;
      return this.#finish('error', (err as Error).message);
    }
  }

  #checkConditions(scope: { trigger: TriggerEvent; variables: Record<string, unknown> }): boolean {
    const { ok, results } = this.#rule.conditions(this.#deps, scope);
    this.trace.conditions = results;
    if (!ok) {
      const failed = results[results.length - 1]!;
      this.trace.reason = `${failed.condition}: ${failed.details}`;
    }
    return ok;
  }

  #finish(outcome: RuleTrace['outcome'], reason?: string): RuleTrace {
    this.trace.outcome = outcome;
    if (reason && !this.trace.reason) this.trace.reason = reason;
    this.trace.endedAt = this.#deps.clock.now();
    return this.trace;
  }
}

/**
 * What a run's steps see. Its functions are methods, not closures made for each run: a rule's firing allocated
 * ~1 KB more with them (`node dist/bench/profile.js alloc 100 2000 0 10 rules`; docs/performance.md).
 */
class Context implements RunContext {
  readonly clock: RunDeps['clock'];
  readonly states: RunDeps['states'];
  readonly location: RunDeps['location'];
  readonly bus: MessageBus;
  readonly logger: Logger;
  readonly ruleId: string;
  readonly scope: Scope;
  trace: RuleTrace['actions'];
  readonly published: RuleTrace['published'];
  readonly dryRun: boolean;
  readonly path: Array<number | string> = [];
  // Absent unless set (`declare`: no property on the object otherwise), as steps test them.
  declare notify?: RunContext['notify'];
  declare call?: RunContext['call'];
  declare awaitRun?: RunContext['awaitRun'];
  declare checkpoint?: RunContext['checkpoint'];
  declare clearCheckpoint?: RunContext['clearCheckpoint'];
  declare resumePath?: RunContext['resumePath'];
  declare resumeDeadline?: RunContext['resumeDeadline'];
  declare resumeCall?: RunContext['resumeCall'];
  readonly #deps: RunDeps;
  readonly #controller: AbortController;

  constructor(ruleId: string, scope: Scope, trace: RuleTrace, deps: RunDeps, controller: AbortController, dryRun: boolean) {
    this.clock = deps.clock;
    this.states = deps.states;
    this.location = deps.location;
    this.bus = deps.bus;
    this.logger = deps.logger;
    this.ruleId = ruleId;
    this.scope = scope;
    this.trace = trace.actions;
    this.published = trace.published;
    this.dryRun = dryRun;
    if (deps.notify) this.notify = deps.notify;
    if (deps.call) this.call = deps.call;
    if (deps.awaitRun) this.awaitRun = deps.awaitRun;
    this.#deps = deps;
    this.#controller = controller;
  }

  // The run's AbortSignal is made when something waits on it (a delay, a wait, a call), not for every run: Node
  // builds an EventTarget for each (~15 µs, 2.7 % of the hub's busy time while rules fire; docs/performance.md).
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  templateScope(): Record<string, unknown> {
    return templateScope(this.#deps, this.scope.trigger, this.scope.variables);
  }

  sleep(ms: number): Promise<void> {
    const { clock } = this;
    return new Promise<void>((resolve, reject) => {
      const { signal } = this.#controller;
      if (signal.aborted) return reject(signal.reason);
      const handle = clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clock.clearTimeout(handle);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  waitFor(triggers: CompiledTrigger[], timeoutMs: number | undefined): Promise<TriggerEvent | undefined> {
    const { clock } = this;
    const deps = this.#deps;
    return new Promise<TriggerEvent | undefined>((resolve, reject) => {
      const { signal } = this.#controller;
      const detaches: Array<() => void> = [];
      const done = (event: TriggerEvent | undefined, err?: unknown) => {
        for (const d of detaches) d();
        clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(event);
      };
      const onAbort = () => done(undefined, signal.reason);
      const timer = timeoutMs !== undefined ? clock.setTimeout(() => done(undefined), timeoutMs) : undefined;
      signal.addEventListener('abort', onAbort, { once: true });
      for (const t of triggers)
        detaches.push(
          t.attach(
            deps.triggerContext,
            (e) => done(e),
            () => undefined,
          ),
        );
    });
  }
}
