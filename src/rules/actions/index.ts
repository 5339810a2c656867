// The action registry and the sequence runner: each step is timed and recorded in the run's trace.
import { actionKind, type ActionDefinitions as Defs } from '../schema.js';
import type { TemplateScopeOf } from '../conditions/index.js';
import { RunCancelled, StopRun, type ActionTrace, type RunContext } from '../types.js';
import type { Path } from '../validate.js';
import { compileLog, compilePublish, compileStop, compileVariables, type Step } from './basic.js';
import { compileChoose, compileDelay, compileIf, compileRepeat, compileWait, type SequenceCompiler } from './flow.js';
import { compileNotify } from './notify.js';
import { compileSceneAction, compileScriptAction } from './call.js';

export function compileSequence(
  defs: unknown[],
  path: Path,
  scopeOf: TemplateScopeOf,
): (ctx: RunContext, startAt?: number) => Promise<void> {
  const seq: SequenceCompiler = (d, p) => compileSequence(d, p, scopeOf);
  const steps = defs.map((raw, i) => {
    // Validated against ACTIONS before it is compiled; its kind says which of them it is.
    const def = raw as Defs[keyof Defs];
    const p = [...path, i];
    const kind = actionKind(def)!;
    const name =
      def.alias ??
      (kind === 'publish'
        ? `publish ${(def as Defs['publish']).topic}`
        : kind === 'scene'
          ? `scene ${(def as Defs['scene']).scene}`
          : kind === 'script'
            ? `script ${(def as Defs['script']).script}`
            : kind);
    let step: Step;
    switch (kind) {
      case 'publish':
        step = compilePublish(def as Defs['publish'], p);
        break;
      case 'log':
        step = compileLog(def as Defs['log'], p);
        break;
      case 'notify':
        step = compileNotify(def as Defs['notify'], p);
        break;
      case 'variables':
        step = compileVariables(def as Defs['variables'], p);
        break;
      case 'stop':
        step = compileStop(def as Defs['stop']);
        break;
      case 'delay':
        step = compileDelay(def as Defs['delay'], p);
        break;
      case 'wait_for_trigger':
        step = compileWait(def as Defs['wait_for_trigger'], p);
        break;
      case 'if':
        step = compileIf(def as Defs['if'], p, seq, scopeOf);
        break;
      case 'choose':
        step = compileChoose(def as Defs['choose'], p, seq, scopeOf);
        break;
      case 'repeat':
        step = compileRepeat(def as Defs['repeat'], p, seq, scopeOf);
        break;
      case 'scene':
        step = compileSceneAction(def as Defs['scene']);
        break;
      case 'script':
        step = compileScriptAction(def as Defs['script'], p);
        break;
    }
    return { name, step };
  });
  return async (ctx, startAt = 0) => {
    // Resuming after a restart: this level's part of the path says which step to go on from.
    const from = ctx.resumePath && ctx.resumePath.length > 0 ? Number(ctx.resumePath.shift()) : startAt;
    // An index loop: an entries() iterator and a pair for each step cost a run more than its one publish does.
    // (A path that does not read as a number starts at the first step, as the loop over entries() did.)
    const first = Number.isNaN(from) ? 0 : Math.max(from, 0);
    for (let index = first; index < steps.length; index++) {
      const { name, step } = steps[index]!;
      ctx.path.push(index);
      const entry: ActionTrace = { step: name, startedAt: ctx.clock.now(), result: 'running', children: [] };
      ctx.trace.push(entry);
      const parent = ctx.trace;
      ctx.trace = entry.children!;
      try {
        entry.result = await step(ctx);
      } catch (err) {
        // Stopped, restarted, saved or cancelled from outside: how the run ended, not an error of this step.
        if (err instanceof StopRun) entry.result = `stopped: ${err.message}`;
        else if (err instanceof RunCancelled) entry.result = `${err.outcome}: ${err.message}`;
        else {
          entry.result = 'error';
          entry.error = (err as Error).message;
        }
        throw err;
      } finally {
        entry.endedAt = ctx.clock.now();
        if (entry.children!.length === 0) delete entry.children;
        ctx.trace = parent;
        ctx.path.pop();
      }
    }
  };
}
