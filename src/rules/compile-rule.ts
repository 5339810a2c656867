// Compiling a validated rule definition: each trigger an attach(), each condition a predicate, the actions one
// sequence, the variables templates. Nothing re-reads YAML when a rule runs. Scripts and scenes compile to the same
// shape (without triggers), so the engine runs them with the same modes, traces and durable delays.
import { allOf, compileCondition, type TemplateScopeOf } from './conditions/index.js';
import { compileSequence } from './actions/index.js';
import type { ConditionDefinition, RuleDefinition, TriggerDefinition } from './schema.js';
import { compileValue, type Evaluate } from './template.js';
import { templateScope } from './template-scope.js';
import { compileTrigger } from './triggers/index.js';
import { CompileError, type CompiledTrigger, type RunContext } from './types.js';
import type { Path } from './validate.js';

export interface CompiledRule {
  /** A rule's id; `script:<id>` and `scene:<id>` for scripts and scenes. */
  id: string;
  file: string;
  description: string;
  mode: 'single' | 'restart' | 'queued' | 'parallel';
  max: number;
  onMissed: 'run' | 'skip';
  enabledByDefault: boolean;
  definition: unknown;
  triggers: CompiledTrigger[];
  conditions: ReturnType<typeof allOf>;
  actions: (ctx: RunContext, startAt?: number) => Promise<void>;
  variables: Array<[string, Evaluate]>;
  line: number;
}

/** Every compile problem of one definition at once. */
export class CompileErrors extends Error {
  constructor(readonly errors: CompileError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/** Templates in conditions read the run's context (see template-scope.ts): the compiled rule runs in any engine. */
export const scopeOf: TemplateScopeOf = (ctx, scope) => templateScope(ctx, scope.trigger, scope.variables);

/** Runs each compile step, keeping every CompileError (others become one at `path`); `done()` throws them all. */
export function collector(path: Path) {
  const errors: CompileError[] = [];
  return {
    attempt<T>(fn: () => T): T | undefined {
      try {
        return fn();
      } catch (err) {
        if (err instanceof CompileError) errors.push(err);
        else errors.push(new CompileError(path, (err as Error).message));
        return undefined;
      }
    },
    done(): void {
      if (errors.length > 0) throw new CompileErrors(errors);
    },
  };
}

/** Runs `fn`; an error that is not a CompileError becomes one at `path`. */
export function withPath<T>(fn: () => T, path: Path): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof CompileError ? err : new CompileError(path, (err as Error).message);
  }
}

export function compileRule(def: RuleDefinition, file: string, path: Path): CompiledRule {
  const { attempt, done } = collector(path);
  const triggers = (def.triggers as TriggerDefinition[]).map((t, i) => attempt(() => compileTrigger(t, i, [...path, 'triggers', i])));
  const conditions = ((def.conditions ?? []) as ConditionDefinition[]).map((c, i) =>
    attempt(() => compileCondition(c, [...path, 'conditions', i], scopeOf)),
  );
  const actions = attempt(() => compileSequence(def.actions, [...path, 'actions'], scopeOf));
  const variables = Object.entries(def.variables ?? {}).map(
    ([k, v]) => [k, attempt(() => withPath(() => compileValue(v), [...path, 'variables', k]))] as [string, Evaluate],
  );
  done();
  return {
    id: def.id,
    file,
    description: def.description ?? '',
    mode: def.mode ?? 'single',
    max: def.max ?? 10,
    onMissed: def.on_missed ?? 'run',
    enabledByDefault: def.enabled ?? true,
    definition: def,
    triggers: triggers as CompiledTrigger[],
    conditions: allOf(conditions as NonNullable<(typeof conditions)[number]>[]),
    actions: actions!,
    variables,
    line: 1,
  };
}
