// Traces: what each evaluation of a rule saw and did, kept per rule (the last N) behind a small store interface.
import type { ActionTrace, ConditionResult, TriggerEvent } from './types.js';

/**
 * How an evaluation ended. `restarted`: mode restart replaced the run with a new one; `saved`: the hub stopped while
 * the run waited in a delay or a wait, and it resumes from there at the next start (the trace is then replaced by
 * the resumed run's); `cancelled`: disabled, removed, or skipped by on_missed.
 */
export const OUTCOMES = [
  'running',
  'ran',
  'stopped',
  'conditions_failed',
  'trigger_rejected',
  'skipped_by_mode',
  'restarted',
  'saved',
  'cancelled',
  'error',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface RuleTrace {
  id: string;
  ruleId: string;
  startedAt: number;
  endedAt?: number;
  outcome: Outcome;
  /** Why it did not run, in words: the failing condition, the rejected value, the mode. */
  reason?: string;
  trigger: Partial<TriggerEvent>;
  conditions: ConditionResult[];
  actions: ActionTrace[];
  published: Array<{ topic: string; payload: string; at: number }>;
  error?: string;
}

/** The trace of an evaluation that ended where it began: a rejected trigger, a skip, a missed hold or delay. */
export function instantTrace(
  id: string,
  ruleId: string,
  at: number,
  outcome: Outcome,
  reason: string,
  trigger: Partial<TriggerEvent>,
): RuleTrace {
  return { id, ruleId, startedAt: at, endedAt: at, outcome, reason, trigger, conditions: [], actions: [], published: [] };
}

export interface TraceStore {
  record(trace: RuleTrace): void;
  list(ruleId: string, limit?: number): RuleTrace[];
  clear(ruleId: string): void;
}

/** The newest traces per rule in memory: `perRule` each, oldest dropped first. */
export class MemoryTraceStore implements TraceStore {
  readonly #byRule = new Map<string, RuleTrace[]>();
  readonly #perRule: number;

  constructor(perRule = 50) {
    this.#perRule = perRule;
  }

  record(trace: RuleTrace): void {
    const list = this.#byRule.get(trace.ruleId) ?? [];
    const at = list.findIndex((t) => t.id === trace.id);
    if (at >= 0) list[at] = trace;
    else list.push(trace);
    if (list.length > this.#perRule) list.splice(0, list.length - this.#perRule);
    this.#byRule.set(trace.ruleId, list);
  }

  list(ruleId: string, limit = this.#perRule): RuleTrace[] {
    return (this.#byRule.get(ruleId) ?? []).slice(-limit).reverse();
  }

  clear(ruleId: string): void {
    this.#byRule.delete(ruleId);
  }
}

/** Allows `burst` rejected-trigger traces per rule, refilled at `perMinute`: a chatty sensor cannot flood the store. */
export class RejectLimiter {
  readonly #tokens = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly burst = 10,
    private readonly perMinute = 10,
  ) {}

  allow(ruleId: string, now: number): boolean {
    const b = this.#tokens.get(ruleId) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    this.#tokens.set(ruleId, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
