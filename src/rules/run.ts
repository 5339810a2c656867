// One rule run, as named steps: match trigger → check conditions → run actions → record trace.
import { randomUUID } from 'node:crypto';
import type { MessageBus } from '../broker/message-bus.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { CompiledRule } from './rule-loader.js';
import type { RuleTrace } from './traces.js';
import { RunCancelled, StopRun, type CompiledTrigger, type ConditionContext, type RunContext, type TriggerContext, type TriggerEvent } from './types.js';

export interface RunDeps extends ConditionContext {
  bus: MessageBus;
  logger: Logger;
  triggerContext: TriggerContext;
  templateScope(trigger: Partial<TriggerEvent>, variables: Record<string, unknown>): Record<string, unknown>;
}

export interface RunOptions {
  skipConditions?: boolean;
  dryRun?: boolean;
}

export class RuleRun {
  readonly trace: RuleTrace;
  readonly #controller = new AbortController();
  readonly #rule: CompiledRule;
  readonly #deps: RunDeps;
  readonly #options: RunOptions;

  constructor(rule: CompiledRule, event: TriggerEvent, deps: RunDeps, options: RunOptions = {}) {
    this.#rule = rule;
    this.#deps = deps;
    this.#options = options;
    this.trace = { id: randomUUID(), ruleId: rule.id, startedAt: deps.clock.now(), outcome: 'running', trigger: event, conditions: [], actions: [], published: [] };
  }

  cancel(reason: string): void {
    this.#controller.abort(new RunCancelled(reason));
  }

  async execute(): Promise<RuleTrace> {
    const { trace } = this;
    const rule = this.#rule;
    const deps = this.#deps;
    const variables: Record<string, unknown> = {};
    const scope = { trigger: trace.trigger as TriggerEvent, variables };
    try {
      for (const [name, evaluate] of rule.variables) variables[name] = evaluate(deps.templateScope(trace.trigger, variables));
      if (!this.#options.skipConditions && !this.#checkConditions(scope)) return this.#finish('conditions_failed');
      const ctx = this.#runContext(scope);
      await rule.actions(ctx);
      return this.#finish('ran');
    } catch (err) {
      if (err instanceof StopRun) return this.#finish('stopped', `stopped: ${err.message}`);
      if (err instanceof RunCancelled) return this.#finish('cancelled', err.message);
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

  #runContext(scope: { trigger: TriggerEvent; variables: Record<string, unknown> }): RunContext {
    const deps = this.#deps;
    const signal = this.#controller.signal;
    const { clock } = deps;
    return {
      clock,
      states: deps.states,
      location: deps.location,
      bus: deps.bus,
      logger: deps.logger,
      ruleId: this.#rule.id,
      scope,
      signal,
      trace: this.trace.actions,
      published: this.trace.published,
      dryRun: this.#options.dryRun ?? false,
      templateScope: () => deps.templateScope(scope.trigger, scope.variables),
      sleep: (ms) =>
        new Promise<void>((resolve, reject) => {
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
        }),
      waitFor: (triggers: CompiledTrigger[], timeoutMs) =>
        new Promise<TriggerEvent | undefined>((resolve, reject) => {
          const detaches: Array<() => void> = [];
          const done = (event: TriggerEvent | undefined, err?: unknown) => {
            detaches.forEach((d) => d());
            clock.clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            if (err) reject(err);
            else resolve(event);
          };
          const onAbort = () => done(undefined, signal.reason);
          const timer = timeoutMs !== undefined ? clock.setTimeout(() => done(undefined), timeoutMs) : undefined;
          signal.addEventListener('abort', onAbort, { once: true });
          for (const t of triggers) detaches.push(t.attach(deps.triggerContext, (e) => done(e), () => undefined));
        }),
    };
  }

  #finish(outcome: RuleTrace['outcome'], reason?: string): RuleTrace {
    this.trace.outcome = outcome;
    if (reason && !this.trace.reason) this.trace.reason = reason;
    this.trace.endedAt = this.#deps.clock.now();
    return this.trace;
  }
}
