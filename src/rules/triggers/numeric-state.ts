// `trigger: numeric_state`: fires when a value crosses into the range (above / below), not on every update;
// with `for:` it must stay in range that long; with `hysteresis` it re-arms only once clearly out of range.
import type { Static } from '@sinclair/typebox';
import type { TRIGGERS } from '../schema.js';
import { CompileError, type CompiledTrigger } from '../types.js';
import type { Path } from '../validate.js';
import { durationAt, show, valueAtPath } from './common.js';
import { Hold } from './hold.js';

export function compileNumericState(def: Static<typeof TRIGGERS.numeric_state>, id: string, path: Path): CompiledTrigger {
  if (def.above === undefined && def.below === undefined) throw new CompileError(path, 'needs above, below or both');
  if (def.above !== undefined && def.below !== undefined && def.above >= def.below)
    throw new CompileError([...path, 'below'], `must be greater than above (${def.above}), got ${def.below}`);
  const forMs = durationAt(def.for, [...path, 'for']);
  const h = def.hysteresis ?? 0;
  const inRange = (v: number) => (def.above === undefined || v > def.above) && (def.below === undefined || v < def.below);
  const clearlyOut = (v: number) => (def.above !== undefined && v <= def.above - h) || (def.below !== undefined && v >= def.below + h);
  const why = (v: number) =>
    def.above !== undefined && !(v > def.above) ? `${v} is not above ${def.above}` : `${v} is not below ${def.below}`;
  return {
    attach(ctx, fire, reject) {
      const hold = forMs !== undefined ? new Hold(ctx.clock, forMs, ctx.durable, `${id}/${def.topic}`) : undefined;
      const initial = toNumber(valueAtPath(ctx.states.get(def.topic), def.value));
      // Already in range when the rule loads: that is not a crossing, so it waits to leave the range first.
      let fired = initial !== undefined && inRange(initial);
      // ...unless a hold was pending when the hub stopped: it resumes with its remaining time.
      if (
        hold?.resume((event) => {
          fired = true;
          fire({ ...event, description: `${event.description}, held for ${hold.description} (resumed after a restart)` });
        })
      )
        fired = false;
      const detach = ctx.onMessage(def.topic, (m) => {
        const raw = valueAtPath(m.value, def.value);
        const v = toNumber(raw);
        const event = {
          id,
          kind: 'numeric_state',
          topic: m.topic,
          payload: m.payload,
          value: v ?? raw,
          description: `${m.topic} = ${m.payload}`,
        };
        if (v === undefined) return reject(`numeric_state: ${show(raw)} is not a number`, event);
        if (fired && clearlyOut(v)) fired = false;
        if (!inRange(v)) {
          const heldFor = hold?.cancel();
          if (heldFor) return reject(`for: ${hold!.description} interrupted after ${heldFor} by ${v}`, event);
          return reject(`numeric_state: ${why(v)}`, event);
        }
        if (fired)
          return reject(
            `numeric_state: ${v} is in range but the trigger already fired; it re-arms ${h ? `once the value is ${h} beyond the threshold` : 'once the value leaves the range'}`,
            event,
          );
        if (hold?.pending) return; // still holding
        if (hold) {
          hold.start(event, () => {
            fired = true;
            fire({ ...event, description: `${event.description}, held for ${hold.description}` });
          });
          return;
        }
        fired = true;
        fire(event);
      });
      return () => {
        hold?.cancel();
        detach();
      };
    },
  };
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
