// The shapes shared by the engine and the trigger, condition and action modules.
import type { MessageBus } from '../bus/message-bus.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { DeliveryResult, Notification } from '../notify/types.js';
import type { Path } from './validate.js';

/** A problem found while compiling a validated rule (a bad duration, a template that does not parse). */
export class CompileError extends Error {
  constructor(
    readonly path: Path,
    message: string,
  ) {
    super(message);
  }
}

export interface Location {
  latitude: number;
  longitude: number;
}

/** The latest value of every topic the engine has seen (`home/+/+` and anything triggers listen to). */
export class StateStore {
  readonly #values = new Map<string, { value: unknown; ts: number }>();

  get(topic: string): unknown {
    return this.#values.get(topic)?.value;
  }

  since(topic: string): number | undefined {
    return this.#values.get(topic)?.ts;
  }

  set(topic: string, value: unknown, ts: number): void {
    const previous = this.#values.get(topic);
    if (!previous) {
      this.#values.set(topic, { value, ts });
      return;
    }
    // `for:` in state conditions measures from the last change, not the last message.
    if (sameValue(previous.value, value)) return;
    // In place: the entries never leave the store (`get`, `since` and `entries` hand out their fields).
    previous.value = value;
    previous.ts = ts;
  }

  get size(): number {
    return this.#values.size;
  }

  /** Every topic with its value (presence asks who is home: each home/person_<user>/home). */
  *entries(): IterableIterator<[string, unknown]> {
    for (const [topic, v] of this.#values) yield [topic, v.value];
  }
}

export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));
}

export interface TriggerEvent {
  /** The trigger's `id:` or its index. */
  id: string;
  kind: string;
  description: string;
  topic?: string;
  payload?: string;
  value?: unknown;
  from?: unknown;
  to?: unknown;
  [key: string]: unknown;
}

export interface IncomingMessage {
  topic: string;
  payload: string;
  value: unknown;
  /** The value before this message (from the state store). */
  previous: unknown;
}

/** A pending `for:` hold, persisted so it resumes with its remaining time after a restart or a crash. */
export interface StoredTimer {
  key: string;
  ruleId: string;
  dueAt: number;
  event: TriggerEvent;
}

export interface TimerStore {
  save(timer: StoredTimer): void;
  delete(key: string): void;
  load(): StoredTimer[];
}

/** Where a user's enable/disable choices are kept across restarts (SQLite in the hub). */
export interface RuleSwitches {
  disabledRules(): Set<string>;
  setRuleDisabled(ruleId: string, disabled: boolean): void;
}

export interface TriggerContext {
  clock: Clock;
  states: StateStore;
  location: Location;
  logger: Logger;
  /** Device readings on home/<id>/<property> (and `status`), decoded by the registry. */
  onMessage(filter: string, handler: (message: IncomingMessage) => void): () => void;
  /** Raw messages on any topic, as published (`mqtt` triggers). */
  onRawMessage(filter: string, handler: (message: IncomingMessage) => void): () => void;
  onWebhook(webhookId: string, handler: (body: unknown) => void): () => void;
  onHub(event: 'start' | 'shutdown', handler: () => void): () => void;
  /** Durable holds: set for a rule's own triggers (not for wait_for_trigger). */
  durable?: DurableHolds;
}

/** What a trigger needs to make its `for:` holds durable, scoped to one rule. */
export interface DurableHolds {
  ruleId: string;
  onMissed: 'run' | 'skip';
  save(key: string, dueAt: number, event: TriggerEvent): void;
  delete(key: string): void;
  /** A hold that was pending when the hub stopped: its due time and event; taken once. */
  take(key: string): { dueAt: number; event: TriggerEvent } | undefined;
  /** Keys (without the rule id) of pending holds that start with `prefix`, for triggers that hold per device. */
  pendingKeys?(prefix: string): string[];
  /** A hold that fell due while the hub was down and on_missed is skip: traced, not fired. */
  skipped(event: TriggerEvent, dueAt: number): void;
}

export type Fire = (event: TriggerEvent) => void;
/** A message reached the trigger but did not fire it: the reason goes into a trace. */
export type Reject = (reason: string, event: Partial<TriggerEvent>) => void;

export interface CompiledTrigger {
  attach(ctx: TriggerContext, fire: Fire, reject: Reject): () => void;
}

export interface ConditionResult {
  condition: string;
  result: boolean;
  /** What was compared, in words: "home/ac/power is "on", wanted "off"". */
  details: string;
  children?: ConditionResult[];
}

export interface Scope {
  trigger: TriggerEvent;
  variables: Record<string, unknown>;
}

export interface ConditionContext {
  clock: Clock;
  states: StateStore;
  location: Location;
}

export type CompiledCondition = (ctx: ConditionContext, scope: Scope) => ConditionResult;

export interface ActionTrace {
  step: string;
  startedAt: number;
  endedAt?: number;
  result: string;
  error?: string;
  children?: ActionTrace[];
}

export interface RunContext extends ConditionContext {
  bus: MessageBus;
  logger: Logger;
  ruleId: string;
  scope: Scope;
  signal: AbortSignal;
  /** Resolves after `ms` on the engine's clock, or rejects when the run is cancelled. */
  sleep(ms: number): Promise<void>;
  /** Attaches triggers until one fires or the timeout passes (undefined on timeout). */
  waitFor(triggers: CompiledTrigger[], timeoutMs: number | undefined): Promise<TriggerEvent | undefined>;
  /** Where this step records what it did. */
  trace: ActionTrace[];
  /** Published topics and payloads, for tests and replays. */
  published: Array<{ topic: string; payload: string; at: number }>;
  dryRun: boolean;
  /** Sends a notification to the named channels (default: every enabled one); absent where nothing can be sent. */
  notify?(notification: Notification, channels?: string[]): Promise<DeliveryResult[]>;
  templateScope(): Record<string, unknown>;
  /** Where the run is: step indexes, with branch markers (`then`, `else`, `o2`, `default`, `i3`) of containers. */
  path: Array<number | string>;
  /** Set while a run resumes after a restart: the rest of the path to continue from; consumed level by level. */
  resumePath?: Array<number | string>;
  /**
   * A `delay`, `wait_for_trigger` or a call waiting for a script records where the run resumes after a restart (and,
   * for a call, which run of the script it waits for), and clears it when done.
   */
  checkpoint?(path: Array<number | string>, dueAt: number, kind?: 'delay' | 'wait' | 'call', call?: CallRef): void;
  clearCheckpoint?(): void;
  /** Set when a run resumes at a `wait_for_trigger`: when its timeout ends (the wait keeps only the time left). */
  resumeDeadline?: number;
  /** Set when a run resumes at a script call: the run of the script it waited for. */
  resumeCall?: CallRef;
  /** Runs a script or activates a scene (`script:<id>`, `scene:<id>`); absent where there are none. Throws when it cannot start. */
  call?(id: string, event: TriggerEvent): CallHandle;
  /** The end of a script's run, by its trace id (running, or already over); undefined when it is unknown. */
  awaitRun?(id: string, traceId: string): Promise<RunTrace> | undefined;
}

/** A run of a script or scene: `script:<id>` and its trace id. */
export interface CallRef {
  id: string;
  traceId: string;
}

/** A run that was started (or queued: no trace id yet) and the trace it ends with. */
export interface CallHandle {
  traceId: string | undefined;
  done: Promise<RunTrace>;
}

/** What a caller reads of the trace of the run it called (the whole shape is RuleTrace in traces.ts). */
export interface RunTrace {
  id: string;
  outcome: string;
  reason?: string;
  error?: string;
  actions: ActionTrace[];
  published: Array<{ topic: string; payload: string; at: number }>;
}

export type CompiledAction = (ctx: RunContext) => Promise<void>;

/** Thrown by `stop:` to end a run early; not an error. */
export class StopRun extends Error {}
/**
 * Ends a run from outside. `restarted`: mode restart replaced it with a new run; `saved`: the hub stopped (or its file
 * was reloaded) while it waited in a delay or a wait, and it goes on from there; `cancelled`: it ends here.
 */
export class RunCancelled extends Error {
  constructor(
    message: string,
    readonly outcome: 'cancelled' | 'restarted' | 'saved' = 'cancelled',
  ) {
    super(message);
  }
}
