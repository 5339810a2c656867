// The value and command templates devices put in discovery configs, in the forms they actually send
// (`{{ value_json.x }}`, `{{ value_json['x'] }}`, `{{ value_json.x.y }}`, `{{ value }}`, with `| float`, `| int`,
// `| round(n)`, `| lower`, `| upper`, `| default(v)`, `| is_defined`), evaluated by Hearth's own template interpreter
// (src/rules/template.ts): never eval, and a template beyond it is refused with the reason, not guessed at.
import { compileTemplate, TemplateError, type Evaluate } from '../../rules/template.js';

const number = (name: string) => (v: unknown, fallback?: unknown) => {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v));
  if (Number.isFinite(n)) return name === 'int' ? Math.trunc(n) : n;
  if (fallback !== undefined) return fallback;
  throw new Error(`${name} got ${JSON.stringify(v)}, which is not a number`);
};

const FILTERS: Record<string, (value: unknown, ...args: unknown[]) => unknown> = {
  float: number('float'),
  int: number('int'),
  round: (v, digits = 0) => {
    const f = 10 ** Number(digits);
    return Math.round(Number(v) * f) / f;
  },
  lower: (v) => String(v).toLowerCase(),
  upper: (v) => String(v).toUpperCase(),
  string: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
  trim: (v) => String(v).trim(),
  abs: (v) => Math.abs(Number(v)),
  tojson: (v) => JSON.stringify(v),
  // Jinja's default applies to an undefined value only (a key the payload does not have).
  default: (v, fallback) => (v === undefined ? fallback : v),
  // Home Assistant's is_defined: an error instead of an empty value when the key is missing.
  is_defined: (v) => {
    if (v === undefined) throw new Error('a value the template reads is not in the payload');
    return v;
  },
};

export type HaTemplate = { render(value: unknown, json?: unknown): unknown } | { error: string };

/** Compiles one template; `error` says in words why Hearth cannot evaluate it. */
export function compileHaTemplate(text: string): HaTemplate {
  if (text.includes('{%')) return { error: 'it uses {% … %} statements, which Hearth does not evaluate' };
  let evaluate: Evaluate;
  try {
    evaluate = compileTemplate(text, { filters: FILTERS });
  } catch (err) {
    return { error: err instanceof TemplateError ? err.message : String(err) };
  }
  return {
    render: (value, json) => evaluate({ value, value_json: json, True: true, False: false, None: null }),
  };
}

/** A value template applied to a received payload: `value` is its text, `value_json` its JSON when it is JSON. */
export function renderValue(template: Exclude<HaTemplate, { error: string }>, payload: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    json = undefined;
  }
  return template.render(payload, json);
}
