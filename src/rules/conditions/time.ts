// `condition: time` (after / before / weekday, windows across midnight) and `condition: sun`.
import type { Static } from '@sinclair/typebox';
import type { CONDITIONS } from '../schema.js';
import { parseOffset, sunTime } from '../sun.js';
import { parseClock, timeOfDay } from '../triggers/common.js';
import { CompileError, type CompiledCondition } from '../types.js';
import type { Path } from '../validate.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function compileTimeCondition(def: Static<typeof CONDITIONS.time>, path: Path): CompiledCondition {
  if (def.after === undefined && def.before === undefined && def.weekday === undefined)
    throw new CompileError(path, 'needs after, before or weekday');
  const after = def.after !== undefined ? parseClock(def.after) : undefined;
  const before = def.before !== undefined ? parseClock(def.before) : undefined;
  const days = def.weekday === undefined ? undefined : Array.isArray(def.weekday) ? def.weekday : [def.weekday];
  return (ctx) => {
    const now = ctx.clock.now();
    const t = timeOfDay(now);
    const hhmm = new Date(now).toTimeString().slice(0, 8);
    const day = DAYS[new Date(now).getDay()]!;
    if (days && !days.includes(day as (typeof days)[number]))
      return { condition: 'time', result: false, details: `it is ${day}, wanted ${days.join(', ')}` };
    let inside = true;
    if (after !== undefined && before !== undefined) {
      // after 22:00 before 06:00 is a window across midnight.
      inside = after <= before ? t >= after && t < before : t >= after || t < before;
    } else if (after !== undefined) inside = t >= after;
    else if (before !== undefined) inside = t < before;
    const window = `${def.after ? `after ${def.after}` : ''}${def.after && def.before ? ' and ' : ''}${def.before ? `before ${def.before}` : ''}`;
    return {
      condition: 'time',
      result: inside,
      details: `it is ${hhmm}${days ? ` on ${day}` : ''}${window ? `, ${inside ? '' : 'not '}${window}` : ''}`,
    };
  };
}

export function compileSunCondition(def: Static<typeof CONDITIONS.sun>, path: Path): CompiledCondition {
  if (!def.after && !def.before) throw new CompileError(path, 'needs after, before or both');
  const afterOffset = parseOffset(def.after_offset);
  const beforeOffset = parseOffset(def.before_offset);
  if (typeof afterOffset === 'string') throw new CompileError([...path, 'after_offset'], afterOffset);
  if (typeof beforeOffset === 'string') throw new CompileError([...path, 'before_offset'], beforeOffset);
  return (ctx) => {
    const now = ctx.clock.now();
    const parts: string[] = [];
    let result = true;
    if (def.after) {
      const t = sunTime(def.after, now, ctx.location);
      const ok = t !== undefined && now >= t + afterOffset;
      parts.push(`${ok ? '' : 'not '}after ${def.after} (${t ? new Date(t + afterOffset).toTimeString().slice(0, 5) : 'none today'})`);
      result &&= ok;
    }
    if (def.before) {
      const t = sunTime(def.before, now, ctx.location);
      const ok = t !== undefined && now < t + beforeOffset;
      parts.push(`${ok ? '' : 'not '}before ${def.before} (${t ? new Date(t + beforeOffset).toTimeString().slice(0, 5) : 'none today'})`);
      result &&= ok;
    }
    // after sunset before sunrise: the night window across midnight.
    if (def.after === 'sunset' && def.before === 'sunrise') {
      const sunset = sunTime('sunset', now, ctx.location);
      const sunrise = sunTime('sunrise', now, ctx.location);
      result = (sunset !== undefined && now >= sunset + afterOffset) || (sunrise !== undefined && now < sunrise + beforeOffset);
    }
    return { condition: 'sun', result, details: `it is ${new Date(now).toTimeString().slice(0, 5)}: ${parts.join(', ')}` };
  };
}
