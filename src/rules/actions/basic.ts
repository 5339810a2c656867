// `action: publish`, `action: log`, `variables:` and `stop:`.
import type { Static } from '@sinclair/typebox';
import type { ACTIONS } from '../schema.js';
import { compileTemplate, compileValue, constantText, stringify } from '../template.js';
import { CompileError, StopRun, type RunContext } from '../types.js';
import type { Path } from '../validate.js';

export type Step = (ctx: RunContext) => Promise<string>;

export function template(text: string, path: Path) {
  try {
    return compileTemplate(text);
  } catch (err) {
    throw new CompileError(path, (err as Error).message);
  }
}

function value(v: unknown, path: Path) {
  try {
    return compileValue(v);
  } catch (err) {
    throw new CompileError(path, (err as Error).message);
  }
}

export function compilePublish(def: Static<typeof ACTIONS.publish>, path: Path): Step {
  const topic = template(def.topic, [...path, 'topic']);
  const payload = value(def.payload ?? '', [...path, 'payload']);
  // A topic or payload without `{{ }}` is the same text every run: no template scope is built for it.
  const fixedTopic = constantText(topic);
  const fixedPayload = constantText(payload);
  return async (ctx) => {
    const t = fixedTopic ?? stringify(topic(ctx.templateScope()));
    if (!t || t.includes('+') || t.includes('#')) throw new Error(`publish: topic ${JSON.stringify(t)} is not a valid topic to publish to`);
    const p = fixedPayload ?? stringify(payload(ctx.templateScope()));
    ctx.published.push({ topic: t, payload: p, at: ctx.clock.now() });
    if (!ctx.dryRun) await ctx.bus.publish(t, p, { qos: def.qos ?? 1, retain: def.retain ?? false });
    return `published ${JSON.stringify(p)} to ${t}${ctx.dryRun ? ' (dry run)' : ''}`;
  };
}

export function compileLog(def: Static<typeof ACTIONS.log>, path: Path): Step {
  const message = template(def.message, [...path, 'message']);
  return async (ctx) => {
    const text = stringify(message(ctx.templateScope()));
    if (!ctx.dryRun) ctx.logger[def.level ?? 'info'](`rule ${ctx.ruleId}: ${text}`);
    return `logged: ${text}`;
  };
}

export function compileVariables(def: Static<typeof ACTIONS.variables>, path: Path): Step {
  const entries = Object.entries(def.variables).map(([k, v]) => [k, value(v, [...path, 'variables', k])] as const);
  return async (ctx) => {
    for (const [k, f] of entries) ctx.scope.variables[k] = f(ctx.templateScope());
    return `set ${entries.map(([k]) => k).join(', ')}`;
  };
}

export function compileStop(def: Static<typeof ACTIONS.stop>): Step {
  return async () => {
    throw new StopRun(def.stop);
  };
}
