// The condition registry: `condition:` keys map to compilers; and / or / not and template live here too.
import type { ConditionDefinition } from '../schema.js';
import { compileTemplate } from '../template.js';
import { CompileError, type CompiledCondition, type ConditionResult } from '../types.js';
import type { Path } from '../validate.js';
import { compilePresenceCondition } from './presence.js';
import { compileNumericStateCondition, compileStateCondition } from './state.js';
import { compileSunCondition, compileTimeCondition } from './time.js';

export type TemplateScopeOf = (ctx: Parameters<CompiledCondition>[0], scope: Parameters<CompiledCondition>[1]) => Record<string, unknown>;

export function compileCondition(def: ConditionDefinition, path: Path, templateScope: TemplateScopeOf): CompiledCondition {
  switch (def.condition) {
    case 'state':
      return compileStateCondition(def, path);
    case 'numeric_state':
      return compileNumericStateCondition(def, path);
    case 'time':
      return compileTimeCondition(def, path);
    case 'sun':
      return compileSunCondition(def, path);
    case 'presence':
      return compilePresenceCondition(def, path);
    case 'and':
    case 'or':
    case 'not': {
      const kind = def.condition;
      const children = (def.conditions as ConditionDefinition[]).map((c, i) =>
        compileCondition(c, [...path, 'conditions', i], templateScope),
      );
      return (ctx, scope) => {
        const results: ConditionResult[] = children.map((c) => c(ctx, scope));
        const result =
          kind === 'and' ? results.every((r) => r.result) : kind === 'or' ? results.some((r) => r.result) : !results.some((r) => r.result);
        const counted = results.filter((r) => r.result).length;
        return { condition: kind, result, details: `${counted} of ${results.length} true`, children: results };
      };
    }
    case 'template': {
      let evaluate: ReturnType<typeof compileTemplate>;
      try {
        evaluate = compileTemplate(def.value_template);
      } catch (err) {
        throw new CompileError([...path, 'value_template'], (err as Error).message);
      }
      return (ctx, scope) => {
        let value: unknown;
        try {
          value = evaluate(templateScope(ctx, scope));
        } catch (err) {
          return { condition: 'template', result: false, details: `${def.value_template} failed: ${(err as Error).message}` };
        }
        const result = value === true || value === 'true' || (typeof value === 'number' && value !== 0);
        return { condition: 'template', result, details: `${def.value_template} → ${JSON.stringify(value)}` };
      };
    }
  }
}

/** All conditions must hold; stops at the first that fails (its details explain the run's outcome). */
export function allOf(
  conditions: CompiledCondition[],
): (ctx: Parameters<CompiledCondition>[0], scope: Parameters<CompiledCondition>[1]) => { ok: boolean; results: ConditionResult[] } {
  return (ctx, scope) => {
    const results: ConditionResult[] = [];
    for (const c of conditions) {
      const r = c(ctx, scope);
      results.push(r);
      if (!r.result) return { ok: false, results };
    }
    return { ok: true, results };
  };
}
