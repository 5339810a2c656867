// Flow actions: `if`/`then`/`else`, `choose`, `repeat` (count / while / until), `delay` and `wait_for_trigger`.
import type { Static } from '@sinclair/typebox';
import { compileCondition, allOf, type TemplateScopeOf } from '../conditions/index.js';
import { formatDuration } from '../duration.js';
import type { ACTIONS, ConditionDefinition, TriggerDefinition } from '../schema.js';
import { compileTemplate } from '../template.js';
import { durationAt } from '../triggers/common.js';
import { compileTrigger } from '../triggers/index.js';
import { CompileError, type RunContext } from '../types.js';
import type { Path } from '../validate.js';
import type { Step } from './basic.js';

export type SequenceCompiler = (defs: unknown[], path: Path) => (ctx: RunContext) => Promise<void>;

/** While resuming, the branch a container took before the restart (then/else, an option, an iteration). */
function resumedMarker(ctx: RunContext): string | undefined {
  return ctx.resumePath && ctx.resumePath.length > 0 ? String(ctx.resumePath.shift()) : undefined;
}

/** Runs a nested sequence with its branch marker on the path, so a delay inside knows where it is. */
async function inBranch(ctx: RunContext, marker: string, run: (ctx: RunContext) => Promise<void>): Promise<void> {
  ctx.path.push(marker);
  try {
    await run(ctx);
  } finally {
    ctx.path.pop();
  }
}

const conditionsOf = (defs: unknown[], path: Path, scopeOf: TemplateScopeOf) =>
  allOf((defs as ConditionDefinition[]).map((c, i) => compileCondition(c, [...path, i], scopeOf)));

const explain = (results: Array<{ condition: string; details: string; result: boolean }>) =>
  results.map((r) => `${r.condition}: ${r.details}`).join('; ');

export function compileIf(def: Static<typeof ACTIONS.if>, path: Path, seq: SequenceCompiler, scopeOf: TemplateScopeOf): Step {
  const test = conditionsOf(def.if, [...path, 'if'], scopeOf);
  const then = seq(def.then, [...path, 'then']);
  const otherwise = def.else ? seq(def.else, [...path, 'else']) : undefined;
  return async (ctx) => {
    const resumed = resumedMarker(ctx);
    if (resumed) {
      await inBranch(ctx, resumed, resumed === 'then' ? then : otherwise!);
      return `${resumed} (resumed after a restart)`;
    }
    const { ok, results } = test(ctx, ctx.scope);
    if (ok) await inBranch(ctx, 'then', then);
    else if (otherwise) await inBranch(ctx, 'else', otherwise);
    return `${ok ? 'then' : otherwise ? 'else' : 'skipped'} (${explain(results)})`;
  };
}

export function compileChoose(def: Static<typeof ACTIONS.choose>, path: Path, seq: SequenceCompiler, scopeOf: TemplateScopeOf): Step {
  const options = def.choose.map((o, i) => ({
    test: conditionsOf(o.conditions, [...path, 'choose', i, 'conditions'], scopeOf),
    run: seq(o.sequence, [...path, 'choose', i, 'sequence']),
  }));
  const fallback = def.default ? seq(def.default, [...path, 'default']) : undefined;
  return async (ctx) => {
    const resumed = resumedMarker(ctx);
    if (resumed) {
      await inBranch(ctx, resumed, resumed === 'default' ? fallback! : options[Number(resumed.slice(1))]!.run);
      return `${resumed === 'default' ? 'default' : `option ${resumed.slice(1)}`} (resumed after a restart)`;
    }
    for (const [i, o] of options.entries()) {
      const { ok } = o.test(ctx, ctx.scope);
      if (ok) {
        await inBranch(ctx, `o${i}`, o.run);
        return `option ${i} chosen`;
      }
    }
    if (fallback) await inBranch(ctx, 'default', fallback);
    return fallback ? 'default chosen' : 'no option matched';
  };
}

export function compileRepeat(def: Static<typeof ACTIONS.repeat>, path: Path, seq: SequenceCompiler, scopeOf: TemplateScopeOf): Step {
  const r = def.repeat;
  const kinds = ['count', 'while', 'until'].filter((k) => (r as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1)
    throw new CompileError(
      [...path, 'repeat'],
      `needs exactly one of count, while or until, got ${kinds.length ? kinds.join(', ') : 'none'}`,
    );
  const body = seq(r.sequence, [...path, 'repeat', 'sequence']);
  const whileTest = r.while ? conditionsOf(r.while, [...path, 'repeat', 'while'], scopeOf) : undefined;
  const untilTest = r.until ? conditionsOf(r.until, [...path, 'repeat', 'until'], scopeOf) : undefined;
  let count: ((ctx: RunContext) => number) | undefined;
  if (r.count !== undefined) {
    if (typeof r.count === 'number') count = () => r.count as number;
    else {
      const t = compileTemplate(r.count);
      count = (ctx) => Number(t(ctx.templateScope()));
    }
  }
  // A runaway `while` must not spin forever: 10,000 iterations is far beyond any home automation.
  const LIMIT = 10_000;
  return async (ctx) => {
    // Resuming inside iteration k: finish it first (without testing `while` again), then loop as usual.
    const resumed = resumedMarker(ctx);
    let i = resumed ? Number(resumed.slice(1)) : 0;
    let skipTest = resumed !== undefined;
    const loop = () => ({ index: i + 1, first: i === 0 });
    const iteration = () => inBranch(ctx, `i${i}`, body);
    if (count) {
      const n = count(ctx);
      for (; i < Math.min(n, LIMIT); i++) {
        ctx.scope.variables.repeat = loop();
        await iteration();
      }
    } else if (whileTest) {
      while (i < LIMIT && (skipTest || whileTest(ctx, ctx.scope).ok)) {
        skipTest = false;
        ctx.scope.variables.repeat = loop();
        await iteration();
        i++;
      }
    } else if (untilTest) {
      do {
        ctx.scope.variables.repeat = loop();
        await iteration();
        i++;
      } while (i < LIMIT && !untilTest(ctx, ctx.scope).ok);
    }
    if (i >= LIMIT) throw new Error(`repeat stopped after ${LIMIT} iterations`);
    return `repeated ${i} time${i === 1 ? '' : 's'}`;
  };
}

export function compileDelay(def: Static<typeof ACTIONS.delay>, path: Path): Step {
  const ms = durationAt(def.delay, [...path, 'delay'])!;
  return async (ctx) => {
    // A delay survives a restart: the run resumes after it (wherever it is nested) with the time left.
    const next = [...ctx.path];
    next[next.length - 1] = Number(next[next.length - 1]) + 1;
    ctx.checkpoint?.(next, ctx.clock.now() + ms, 'delay');
    await ctx.sleep(ms);
    ctx.clearCheckpoint?.();
    return `waited ${formatDuration(ms)}`;
  };
}

export function compileWait(def: Static<typeof ACTIONS.wait_for_trigger>, path: Path): Step {
  const triggers = (def.wait_for_trigger as TriggerDefinition[]).map((t, i) => compileTrigger(t, i, [...path, 'wait_for_trigger', i]));
  const timeout = durationAt(def.timeout, [...path, 'timeout']);
  return async (ctx) => {
    // A wait survives a restart: the run resumes waiting (wherever it is nested), for the time left.
    const deadline = ctx.resumeDeadline;
    ctx.resumeDeadline = undefined;
    const left = deadline !== undefined ? Math.max(0, deadline - ctx.clock.now()) : timeout;
    ctx.checkpoint?.([...ctx.path], ctx.clock.now() + (left ?? 10 * 365 * 86_400_000), 'wait');
    const event = await ctx.waitFor(triggers, left);
    ctx.clearCheckpoint?.();
    ctx.scope.variables.wait = { trigger: event ?? null, timed_out: event === undefined };
    if (event) return `triggered: ${event.description}`;
    if (def.continue_on_timeout === false) throw new Error(`wait_for_trigger timed out after ${formatDuration(timeout!)}`);
    return `timed out after ${formatDuration(timeout!)}`;
  };
}
