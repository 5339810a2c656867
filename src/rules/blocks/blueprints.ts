// Blueprints: a rule written once with typed inputs (`!input <name>` marks where each goes), and rules that
// `use_blueprint` with values for them. Expansion is plain substitution before the rule is checked and compiled, so
// a rule made from a blueprint is a rule like any other; what goes wrong is told with the rule, the blueprint and
// the input it came from.
import type { ScalarTag } from 'yaml';
import { quote } from '../../shared/errors.js';
import { parseDuration } from '../duration.js';
import type { RuleDefinition } from '../schema.js';
import type { Path } from '../validate.js';
import { PROPERTY_TOPIC, type BlueprintDefinition, type InputDefinition, type SelectorKind, type UseBlueprintRule } from './schema.js';

/** Where a blueprint takes an input: `!input off_delay`. */
export class InputRef {
  constructor(readonly name: string) {}
  toJSON(): string {
    return `!input ${this.name}`;
  }
}

export const inputTag: ScalarTag = {
  tag: '!input',
  identify: (value) => value instanceof InputRef,
  resolve: (value) => new InputRef(value.trim()),
  stringify: (item) => (item.value as InputRef).name,
};

export interface Selector {
  kind: SelectorKind;
  min?: number;
  max?: number;
  unit?: string;
}

export function selectorOf(input: InputDefinition): Selector {
  if (typeof input.selector === 'string') return { kind: input.selector as SelectorKind };
  const [kind, options] = Object.entries(input.selector)[0]!;
  return { kind: kind as SelectorKind, ...((options as object | null) ?? {}) };
}

/** Why `value` does not fit the selector, in words; undefined when it does. */
export function checkInput(selector: Selector, value: unknown): string | undefined {
  switch (selector.kind) {
    case 'property':
      return typeof value === 'string' && PROPERTY_TOPIC.test(value)
        ? undefined
        : `must be a device property home/<device>/<property>, got ${quote(value)}`;
    case 'topic':
      return typeof value === 'string' && value.length > 0 && value.length <= 256
        ? undefined
        : `must be an MQTT topic, got ${quote(value)}`;
    case 'number': {
      const range = `${selector.min !== undefined ? ` of at least ${selector.min}` : ''}${selector.max !== undefined ? `${selector.min !== undefined ? ' and' : ''} at most ${selector.max}` : ''}`;
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (selector.min === undefined || value >= selector.min) &&
        (selector.max === undefined || value <= selector.max);
      return ok ? undefined : `must be a number${range}${selector.unit ? ` (${selector.unit})` : ''}, got ${quote(value)}`;
    }
    case 'duration': {
      const ms = parseDuration(value);
      return typeof ms === 'number' ? undefined : ms;
    }
    case 'text':
      return typeof value === 'string' ? undefined : `must be text, got ${quote(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false, got ${quote(value)}`;
  }
}

/** A value of the selector's kind, standing in for the input while the blueprint itself is checked. */
function sample(selector: Selector): unknown {
  switch (selector.kind) {
    case 'property':
    case 'topic':
      return 'home/sample/value';
    case 'number':
      return selector.min ?? selector.max ?? 0;
    case 'duration':
      return '1s';
    case 'text':
      return 'text';
    case 'boolean':
      return true;
  }
}

export interface Substituted {
  value: unknown;
  /** Where each input went, as paths into the value. */
  at: Array<{ path: Path; input: string }>;
  /** `!input` names that are not inputs. */
  unknown: Array<{ path: Path; input: string }>;
}

/** A copy of `value` with every `!input x` replaced by `values[x]`. */
export function substitute(value: unknown, values: Record<string, unknown>, path: Path = []): Substituted {
  const out: Substituted = { value: undefined, at: [], unknown: [] };
  const walk = (v: unknown, p: Path): unknown => {
    if (v instanceof InputRef) {
      if (!(v.name in values)) {
        out.unknown.push({ path: p, input: v.name });
        return null;
      }
      out.at.push({ path: p, input: v.name });
      return values[v.name];
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...p, i]));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...p, k])]));
    return v;
  };
  out.value = walk(value, path);
  return out;
}

/** Every `!input` in a value, with its path: only blueprints may hold them. */
export function findInputRefs(value: unknown, path: Path = []): Array<{ path: Path; input: string }> {
  return substitute(value, {}, path).unknown;
}

const BODY = ['mode', 'max', 'on_missed', 'variables', 'triggers', 'conditions', 'actions'] as const;

/** The rule a blueprint makes with these input values (inputs are also variables of their names). */
export function ruleFromBlueprint(
  blueprint: BlueprintDefinition,
  values: Record<string, unknown>,
  rule: { id: string; description?: string; enabled?: boolean },
): Substituted {
  const body: Record<string, unknown> = {};
  for (const key of BODY) if (blueprint[key] !== undefined) body[key] = blueprint[key];
  const done = substitute(body, values);
  const made = done.value as Record<string, unknown>;
  made.variables = { ...values, ...((made.variables as object | undefined) ?? {}) };
  const description = rule.description ?? blueprint.description;
  done.value = {
    id: rule.id,
    ...(description !== undefined ? { description } : {}),
    ...(rule.enabled !== undefined ? { enabled: rule.enabled } : {}),
    ...made,
  } as RuleDefinition;
  return done;
}

/** Input values for checking the blueprint itself: each default, or a sample of its kind. */
export function sampleInputs(blueprint: BlueprintDefinition): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(blueprint.inputs).map(([name, input]) => [
      name,
      input.default !== undefined && checkInput(selectorOf(input), input.default) === undefined ? input.default : sample(selectorOf(input)),
    ]),
  );
}

export interface InputProblem {
  /** Relative to the rule that uses the blueprint. */
  path: Path;
  message: string;
}

/** The values a rule gives a blueprint, with defaults filled in, or what is wrong with them (every problem). */
export function inputValues(
  use: UseBlueprintRule,
  blueprint: BlueprintDefinition,
): { values: Record<string, unknown>; problems: InputProblem[] } {
  const given = use.use_blueprint.inputs ?? {};
  const names = Object.keys(blueprint.inputs);
  const about = `(rule "${use.id}", blueprint "${blueprint.id}")`;
  const problems: InputProblem[] = [];
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(given)) {
    if (!(key in blueprint.inputs))
      problems.push({
        path: ['use_blueprint', 'inputs', key],
        message: `is not an input of blueprint "${blueprint.id}" (inputs: ${names.join(', ') || 'none'})`,
      });
  }
  for (const [name, input] of Object.entries(blueprint.inputs)) {
    const selector = selectorOf(input);
    if (!(name in given)) {
      if (input.default === undefined) {
        const what = `${selector.kind}${input.description ? `: ${input.description}` : ''}`;
        problems.push({ path: ['use_blueprint', 'inputs'], message: `needs ${name} (${what}) ${about}` });
      } else values[name] = input.default;
      continue;
    }
    const wrong = checkInput(selector, given[name]);
    if (wrong)
      problems.push({
        path: ['use_blueprint', 'inputs', name],
        message: `${wrong} (input "${name}" of blueprint "${blueprint.id}", rule "${use.id}")`,
      });
    else values[name] = given[name];
  }
  return { values, problems };
}

/** The input a path of the made rule came from: the longest place an input was put that holds the path. */
export function inputAt(at: Substituted['at'], path: Path): string | undefined {
  let best: { path: Path; input: string } | undefined;
  for (const a of at) {
    if (a.path.length <= path.length && a.path.every((p, i) => p === path[i]) && (!best || a.path.length > best.path.length)) best = a;
  }
  return best?.input;
}
