// Structural validation of rule definitions: every problem, each with its path and a message naming the bad value.
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { quote } from '../shared/errors.js';
import { describeValueError } from '../shared/schema-errors.js';
import { ACTIONS, CONDITIONS, NAMED_ACTIONS, RuleSchema, TRIGGERS, actionKind } from './schema.js';

export type Path = Array<string | number>;
export interface Problem {
  path: Path;
  message: string;
}

export function validateRule(value: unknown, path: Path = []): Problem[] {
  const problems: Problem[] = [];
  check(RuleSchema, value, path, problems);
  return problems;
}

export function check(schema: TSchema, value: unknown, path: Path, problems: Problem[]): void {
  const seen = new Set<string>();
  // Errors only for what fails: walking them allocates per node, and a start checks every rule (docs/performance.md).
  const errors = Value.Check(schema, value) ? [] : Value.Errors(schema, value);
  for (const error of errors) {
    const rel =
      error.path === ''
        ? []
        : error.path
            .slice(1)
            .split('/')
            .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
    const key = rel.join('/');
    // One message per path: a union reports each of its branches, the first says enough.
    if ([...seen].some((s) => key === s || key.startsWith(s + '/'))) continue;
    seen.add(key);
    problems.push({ path: [...path, ...rel], message: describeValueError(error, { root: schema }) });
  }
  if (problems.length > 0 && seen.size > 0 && !isObject(value)) return;
  // Nested lists (`x-ref`) hold triggers, conditions or actions: check each against its own kind.
  walkNested(schema, value, path, problems, seen);
}

function walkNested(schema: TSchema | undefined, value: unknown, path: Path, problems: Problem[], failed: Set<string>): void {
  if (!schema || value === undefined || value === null) return;
  if (schema.type === 'array' && schema.items?.['x-ref'] && Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkItem(schema.items['x-ref'], item, [...path, i], problems);
    return;
  }
  if (schema.type === 'array' && Array.isArray(value)) {
    for (const [i, item] of value.entries()) walkNested(schema.items, item, [...path, i], problems, failed);
    return;
  }
  if (schema.type === 'object' && isObject(value) && schema.properties) {
    for (const [key, sub] of Object.entries<TSchema>(schema.properties)) {
      if (key in value) walkNested(sub, value[key], [...path, key], problems, failed);
    }
  }
}

function checkItem(kind: 'trigger' | 'condition' | 'action', item: unknown, path: Path, problems: Problem[]): void {
  if (!isObject(item)) {
    problems.push({ path, message: `must be a mapping (a ${kind}), got ${quote(item)}` });
    return;
  }
  const obj = item as Record<string, unknown>;
  let schema: TSchema | undefined;
  if (kind === 'trigger') {
    schema = (TRIGGERS as Record<string, TSchema>)[String(obj.trigger)];
    if (!schema) {
      problems.push({
        path: [...path, 'trigger'],
        message:
          obj.trigger === undefined
            ? `is required: one of ${Object.keys(TRIGGERS).join(', ')}`
            : `must be one of ${Object.keys(TRIGGERS).join(', ')}, got ${quote(obj.trigger)}`,
      });
      return;
    }
  } else if (kind === 'condition') {
    schema = (CONDITIONS as Record<string, TSchema>)[String(obj.condition)];
    if (!schema) {
      problems.push({
        path: [...path, 'condition'],
        message:
          obj.condition === undefined
            ? `is required: one of ${Object.keys(CONDITIONS).join(', ')}`
            : `must be one of ${Object.keys(CONDITIONS).join(', ')}, got ${quote(obj.condition)}`,
      });
      return;
    }
  } else {
    const k = actionKind(obj);
    if (!k) {
      const message =
        typeof obj.action === 'string'
          ? `must be ${NAMED_ACTIONS.slice(0, -1).join(', ')} or ${NAMED_ACTIONS.at(-1)}, got ${quote(obj.action)} (delay, wait_for_trigger, if, choose, repeat, variables and stop are keys of their own)`
          : `is not an action: expected "action: ${NAMED_ACTIONS.join('|')}" or one of the keys delay, wait_for_trigger, if, choose, repeat, variables, stop; got keys ${Object.keys(obj).join(', ') || 'none'}`;
      problems.push({ path: typeof obj.action === 'string' ? [...path, 'action'] : path, message });
      return;
    }
    schema = ACTIONS[k];
  }
  check(schema, item, path, problems);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `[0, 'triggers', 1, 'above']` → `[0].triggers[1].above` */
export function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
