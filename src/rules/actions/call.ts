// `action: scene` and `action: script`: a run of a scene or a script of its own (its own mode and trace), started by
// this step. A script call waits for the script's run to end (unless `wait: false`), and a restart while it waits
// goes on waiting for the same run after the restart. The step's trace says what the scene sent and what was
// already so, or how the script's run ended.
import type { Static } from '@sinclair/typebox';
import type { ACTIONS } from '../schema.js';
import { compileValue } from '../template.js';
import { CompileError, type CallRef, type RunContext, type RunTrace, type TriggerEvent } from '../types.js';
import type { Path } from '../validate.js';
import type { Step } from './basic.js';

/** `script:announce` → `script announce`; a rule id → `rule <id>`. */
export function runLabel(id: string): string {
  const at = id.indexOf(':');
  return at > 0 ? `${id.slice(0, at)} ${id.slice(at + 1)}` : `rule ${id}`;
}

/** Waits for `done`, or rejects when the calling run is ended from outside. */
function untilEnded<T>(done: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    done.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function callEvent(ctx: RunContext, kind: 'scene' | 'script', target: string, fields?: Record<string, unknown>): TriggerEvent {
  const callers = [...((ctx.scope.trigger.callers as string[] | undefined) ?? []), ctx.ruleId];
  if (callers.includes(target)) throw new Error(`${kind} loop: ${[...callers, target].map(runLabel).join(' → ')}`);
  return { id: 'call', kind, description: `called by ${runLabel(ctx.ruleId)}`, ...(fields ? { fields } : {}), callers };
}

export function compileSceneAction(def: Static<typeof ACTIONS.scene>): Step {
  const target = `scene:${def.scene}`;
  return async (ctx) => {
    if (ctx.dryRun) return `would activate scene ${def.scene} (dry run)`;
    if (!ctx.call) throw new Error(`scene ${def.scene}: there are no scenes here`);
    const trace = await untilEnded(ctx.call(target, callEvent(ctx, 'scene', target)).done, ctx.signal);
    // What the scene sent and what was already so, under this step.
    for (const entry of trace.actions) ctx.trace.push(...(entry.children ?? [entry]));
    if (trace.outcome === 'error') throw new Error(`scene ${def.scene} failed: ${trace.error ?? trace.reason}`);
    return `${def.scene}: ${trace.actions.at(-1)?.result ?? trace.reason ?? trace.outcome}`;
  };
}

export function compileScriptAction(def: Static<typeof ACTIONS.script>, path: Path): Step {
  const target = `script:${def.script}`;
  let fields: ReturnType<typeof compileValue>;
  try {
    fields = compileValue(def.fields ?? {});
  } catch (err) {
    throw new CompileError([...path, 'fields'], (err as Error).message);
  }
  return async (ctx) => {
    const resumed = ctx.resumeCall;
    ctx.resumeCall = undefined;
    let ref: CallRef | undefined;
    let done: Promise<RunTrace> | undefined;
    if (resumed) {
      // After a restart: the script's run that this step waited for goes on too; wait for it again.
      ref = resumed;
      done = ctx.awaitRun?.(resumed.id, resumed.traceId);
      if (!done) return `script ${def.script}: its run did not outlast the restart`;
    } else {
      const values = fields(ctx.templateScope()) as Record<string, unknown>;
      if (ctx.dryRun)
        return `would run script ${def.script}${Object.keys(values).length ? ` with ${JSON.stringify(values)}` : ''} (dry run)`;
      if (!ctx.call) throw new Error(`script ${def.script}: there are no scripts here`);
      const handle = ctx.call(target, callEvent(ctx, 'script', target, values));
      if (def.wait === false) return `started script ${def.script}${handle.traceId ? ` (trace ${handle.traceId})` : ' (queued)'}`;
      done = handle.done;
      if (handle.traceId) ref = { id: target, traceId: handle.traceId };
    }
    if (ref) ctx.checkpoint?.([...ctx.path], ctx.clock.now() + 10 * 365 * 86_400_000, 'call', ref);
    const trace = await untilEnded(done, ctx.signal);
    ctx.clearCheckpoint?.();
    if (trace.outcome === 'error') throw new Error(`script ${def.script} failed: ${trace.error ?? trace.reason}`);
    return `script ${def.script} ${trace.outcome}${trace.reason ? `: ${trace.reason}` : ''} (trace ${trace.id})`;
  };
}
