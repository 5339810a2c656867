// Templates `{{ … }}`: parsed once with jsep and evaluated by a small interpreter over a whitelist of node types.
// Never eval, new Function or vm on rule text: a template can read its scope and call listed functions, nothing else.
import jsep from 'jsep';

export type Scope = Record<string, unknown>;
export type Evaluate = (scope: Scope) => unknown;

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

// biome-ignore lint/suspicious/noExplicitAny: operators (+, <, unary -, …) apply to template values of any type, as in JavaScript
type Operand = any;

const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  float: (v: unknown) => Number.parseFloat(String(v)),
  int: (v: unknown) => Math.trunc(Number(v)),
  round: (v: unknown, digits: unknown = 0) => {
    const f = 10 ** Number(digits);
    return Math.round(Number(v) * f) / f;
  },
  min: (...v: unknown[]) => Math.min(...v.map(Number)),
  max: (...v: unknown[]) => Math.max(...v.map(Number)),
  abs: (v: unknown) => Math.abs(Number(v)),
  lower: (v: unknown) => String(v).toLowerCase(),
  upper: (v: unknown) => String(v).toUpperCase(),
  string: (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)),
  json: (v: unknown) => JSON.stringify(v),
  parse_json: (v: unknown) => JSON.parse(String(v)),
};

export class TemplateError extends Error {}

/**
 * Jinja-style filters (`value_json.x | float | round(1)`), for the templates devices send in discovery configs: with
 * them, `|` applies the filter on its right to the value on its left. Rules do not use them (`|` is not an operator).
 */
export interface TemplateOptions {
  filters?: Record<string, (value: unknown, ...args: unknown[]) => unknown>;
}

/** Compiles one expression; throws TemplateError naming the expression when it does not parse. */
export function compileExpression(expression: string, options: TemplateOptions = {}): Evaluate {
  let ast: jsep.Expression;
  try {
    ast = jsep(expression);
  } catch (err) {
    throw new TemplateError(`cannot parse {{ ${expression} }}: ${(err as Error).message}`);
  }
  check(ast, expression, options);
  return (scope) => evaluate(ast, scope, options);
}

/** Compiles a string with `{{ … }}` parts. A string that is exactly one template keeps the value's type. */
export function compileTemplate(text: string, options: TemplateOptions = {}): Evaluate {
  const parts: Array<string | Evaluate> = [];
  let last = 0;
  for (const m of text.matchAll(/\{\{(.*?)\}\}/gs)) {
    if (m.index! > last) parts.push(text.slice(last, m.index));
    parts.push(compileExpression(m[1]!.trim(), options));
    last = m.index! + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  if (parts.length === 0) return constant('');
  if (parts.length === 1 && typeof parts[0] === 'function') return parts[0];
  if (parts.every((p) => typeof p === 'string')) return constant(text);
  return (scope) => parts.map((p) => (typeof p === 'string' ? p : stringify(p(scope)))).join('');
}

/** Compiles any value: strings become templates, objects and arrays are compiled deeply, others stay. */
export function compileValue(value: unknown): Evaluate {
  if (typeof value === 'string') return value.includes('{{') ? compileTemplate(value) : constant(value);
  if (Array.isArray(value)) {
    const items = value.map(compileValue);
    return (scope) => items.map((f) => f(scope));
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, compileValue(v)] as const);
    return (scope) => Object.fromEntries(entries.map(([k, f]) => [k, f(scope)]));
  }
  return constant(value);
}

/** Evaluators that read nothing of their scope, with what they always give. */
const CONSTANTS = new WeakMap<Evaluate, unknown>();

function constant(value: unknown): Evaluate {
  const evaluate = () => value;
  CONSTANTS.set(evaluate, value);
  return evaluate;
}

/**
 * What a compiled template gives as text when it reads nothing of its scope (`topic: home/ac/power/set`), or
 * undefined: such a template needs no scope built when it runs.
 */
export function constantText(evaluate: Evaluate): string | undefined {
  return CONSTANTS.has(evaluate) ? stringify(CONSTANTS.get(evaluate)) : undefined;
}

export function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function check(node: jsep.Expression, source: string, options: TemplateOptions = {}): void {
  const recurse = (n: jsep.Expression) => check(n, source, options);
  switch (node.type) {
    case 'Literal':
    case 'Identifier':
    case 'ThisExpression':
      if (node.type === 'ThisExpression') throw new TemplateError(`{{ ${source} }}: "this" is not available`);
      if (node.type === 'Identifier' && FORBIDDEN.has(node.name as string))
        throw new TemplateError(`{{ ${source} }}: "${node.name}" is not allowed`);
      return;
    case 'MemberExpression':
      recurse(node.object as jsep.Expression);
      if (node.computed) recurse(node.property as jsep.Expression);
      else if (FORBIDDEN.has((node.property as jsep.Identifier).name))
        throw new TemplateError(`{{ ${source} }}: "${(node.property as jsep.Identifier).name}" is not allowed`);
      return;
    case 'UnaryExpression':
      recurse(node.argument as jsep.Expression);
      return;
    case 'BinaryExpression':
      recurse(node.left as jsep.Expression);
      if (node.operator === '|' && options.filters) checkFilter(node.right as jsep.Expression, source, options);
      else recurse(node.right as jsep.Expression);
      return;
    case 'ConditionalExpression':
      recurse(node.test as jsep.Expression);
      recurse(node.consequent as jsep.Expression);
      recurse(node.alternate as jsep.Expression);
      return;
    case 'ArrayExpression':
      for (const e of node.elements as jsep.Expression[]) if (e) recurse(e);
      return;
    case 'CallExpression': {
      const callee = node.callee as jsep.Expression;
      if (callee.type !== 'Identifier') throw new TemplateError(`{{ ${source} }}: only functions by name can be called`);
      const name = callee.name as string;
      if (!(name in FUNCTIONS) && name !== 'state' && name !== 'now') {
        throw new TemplateError(`{{ ${source} }}: unknown function ${name}() (known: state, now, ${Object.keys(FUNCTIONS).join(', ')})`);
      }
      for (const a of node.arguments as jsep.Expression[]) recurse(a);
      return;
    }
    case 'Compound':
      throw new TemplateError(`{{ ${source} }}: one expression only`);
    default:
      throw new TemplateError(`{{ ${source} }}: ${node.type} is not supported`);
  }
}

/** The right side of `|`: a filter by name, bare or called with arguments. */
function checkFilter(node: jsep.Expression, source: string, options: TemplateOptions): void {
  const name =
    node.type === 'Identifier'
      ? (node.name as string)
      : node.type === 'CallExpression' && (node.callee as jsep.Expression).type === 'Identifier'
        ? ((node.callee as jsep.Identifier).name as string)
        : undefined;
  if (name === undefined) throw new TemplateError(`{{ ${source} }}: only a filter by name may follow |`);
  if (!Object.hasOwn(options.filters!, name))
    throw new TemplateError(`{{ ${source} }}: unknown filter ${name} (known: ${Object.keys(options.filters!).join(', ')})`);
  if (node.type === 'CallExpression') for (const a of node.arguments as jsep.Expression[]) check(a, source, options);
}

function evaluate(node: jsep.Expression, scope: Scope, options: TemplateOptions = {}): unknown {
  const ev = (n: jsep.Expression) => evaluate(n, scope, options);
  switch (node.type) {
    case 'Literal':
      return node.value;
    case 'Identifier':
      return Object.hasOwn(scope, node.name as string) ? scope[node.name as string] : undefined;
    case 'MemberExpression': {
      const object = ev(node.object as jsep.Expression);
      if (object === null || object === undefined) return undefined;
      const key = node.computed ? ev(node.property as jsep.Expression) : (node.property as jsep.Identifier).name;
      if (FORBIDDEN.has(String(key))) return undefined;
      // Own data only: no methods of strings, arrays or objects.
      if (typeof object !== 'object' || !Object.hasOwn(object, key as PropertyKey))
        return key === 'length' && (typeof object === 'string' || Array.isArray(object)) ? object.length : undefined;
      return (object as Record<PropertyKey, unknown>)[key as PropertyKey];
    }
    case 'UnaryExpression': {
      const v: Operand = ev(node.argument as jsep.Expression);
      switch (node.operator) {
        case '!':
          return !v;
        case '-':
          return -v;
        case '+':
          return +v;
        default:
          throw new TemplateError(`operator ${node.operator} is not supported`);
      }
    }
    case 'BinaryExpression': {
      if (node.operator === '|' && options.filters)
        return applyFilter(node.right as jsep.Expression, ev(node.left as jsep.Expression), ev, options);
      if (node.operator === '&&') return ev(node.left as jsep.Expression) && ev(node.right as jsep.Expression);
      if (node.operator === '||') return ev(node.left as jsep.Expression) || ev(node.right as jsep.Expression);
      if (node.operator === '??') return ev(node.left as jsep.Expression) ?? ev(node.right as jsep.Expression);
      const a: Operand = ev(node.left as jsep.Expression);
      const b: Operand = ev(node.right as jsep.Expression);
      switch (node.operator) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '%':
          return a % b;
        case '==':
        case '===':
          return a === b || (typeof a !== typeof b && String(a) === String(b));
        case '!=':
        case '!==':
          return !(a === b || (typeof a !== typeof b && String(a) === String(b)));
        case '<':
          return a < b;
        case '<=':
          return a <= b;
        case '>':
          return a > b;
        case '>=':
          return a >= b;
        default:
          throw new TemplateError(`operator ${node.operator} is not supported`);
      }
    }
    case 'ConditionalExpression':
      return ev(node.test as jsep.Expression) ? ev(node.consequent as jsep.Expression) : ev(node.alternate as jsep.Expression);
    case 'ArrayExpression':
      return (node.elements as jsep.Expression[]).map((e) => (e ? ev(e) : undefined));
    case 'CallExpression': {
      const name = (node.callee as jsep.Identifier).name;
      const args = (node.arguments as jsep.Expression[]).map((a) => ev(a));
      const fromScope = scope[name];
      if ((name === 'state' || name === 'now') && typeof fromScope === 'function')
        return (fromScope as (...a: unknown[]) => unknown)(...args);
      return FUNCTIONS[name]!(...args);
    }
    default:
      throw new TemplateError(`${node.type} is not supported`);
  }
}

function applyFilter(node: jsep.Expression, value: unknown, ev: (n: jsep.Expression) => unknown, options: TemplateOptions): unknown {
  if (node.type === 'Identifier') return options.filters![node.name as string]!(value);
  const name = (node.callee as jsep.Identifier).name as string;
  return options.filters![name]!(value, ...(node.arguments as jsep.Expression[]).map(ev));
}
