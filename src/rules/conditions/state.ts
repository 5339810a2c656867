// `condition: state` and `condition: numeric_state`: compare a topic's current value.
import type { Static } from '@sinclair/typebox';
import { formatDuration } from '../duration.js';
import type { CONDITIONS } from '../schema.js';
import { durationAt, matchesAny, show, valueAtPath } from '../triggers/common.js';
import { CompileError, type CompiledCondition } from '../types.js';
import type { Path } from '../validate.js';

export function compileStateCondition(def: Static<typeof CONDITIONS.state>, path: Path): CompiledCondition {
  const forMs = durationAt(def.for, [...path, 'for']);
  return (ctx) => {
    const value = ctx.states.get(def.topic);
    const matches = value !== undefined && matchesAny(def.state, value);
    if (!matches) return { condition: 'state', result: false, details: `${def.topic} is ${show(value)}, wanted ${show(def.state)}` };
    if (forMs !== undefined) {
      const held = ctx.clock.now() - (ctx.states.since(def.topic) ?? ctx.clock.now());
      if (held < forMs)
        return {
          condition: 'state',
          result: false,
          details: `${def.topic} is ${show(value)} for ${formatDuration(held)}, wanted for ${formatDuration(forMs)}`,
        };
    }
    return { condition: 'state', result: true, details: `${def.topic} is ${show(value)}` };
  };
}

export function compileNumericStateCondition(def: Static<typeof CONDITIONS.numeric_state>, path: Path): CompiledCondition {
  if (def.above === undefined && def.below === undefined) throw new CompileError(path, 'needs above, below or both');
  return (ctx) => {
    const raw = valueAtPath(ctx.states.get(def.topic), def.value);
    const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(v)) return { condition: 'numeric_state', result: false, details: `${def.topic} is ${show(raw)}, not a number` };
    if (def.above !== undefined && !(v > def.above))
      return { condition: 'numeric_state', result: false, details: `${def.topic} is ${v}, not above ${def.above}` };
    if (def.below !== undefined && !(v < def.below))
      return { condition: 'numeric_state', result: false, details: `${def.topic} is ${v}, not below ${def.below}` };
    return {
      condition: 'numeric_state',
      result: true,
      details: `${def.topic} is ${v}${def.above !== undefined ? `, above ${def.above}` : ''}${def.below !== undefined ? `, below ${def.below}` : ''}`,
    };
  };
}
