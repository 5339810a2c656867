// Time triggers: `time` (at HH:MM[:SS]), `time_pattern` (every n hours/minutes/seconds), `cron`, and `sun`
// (sunrise or sunset with an offset).
import type { Static } from '@sinclair/typebox';
import { Cron } from 'croner';
import type { TRIGGERS } from '../schema.js';
import { nextSunEvent, parseOffset } from '../sun.js';
import { CompileError, type CompiledTrigger } from '../types.js';
import type { Path } from '../validate.js';
import { nextTimeOfDay, parseClock, scheduleRepeating } from './common.js';

const iso = (t: number) => new Date(t).toISOString();

export function compileTime(def: Static<typeof TRIGGERS.time>, id: string): CompiledTrigger {
  const times = (Array.isArray(def.at) ? def.at : [def.at]).map(parseClock);
  return {
    attach(ctx, fire) {
      return scheduleRepeating(
        ctx.clock,
        (after) => Math.min(...times.map((t) => nextTimeOfDay(after, t))),
        (at) => fire({ id, kind: 'time', value: iso(at), description: `it is ${new Date(at).toTimeString().slice(0, 8)}` }),
      );
    },
  };
}

/** HA-style patterns: `5` (at 5), `"/5"` (every 5), `"*"` (every). */
function parsePattern(value: string | number | undefined, max: number, path: Path): (n: number) => boolean {
  if (value === undefined || value === '*') return () => true;
  const text = String(value).trim();
  const every = /^\/(\d+)$/.exec(text);
  if (every && Number(every[1]) > 0) return (n) => n % Number(every[1]) === 0;
  if (/^\d+$/.test(text) && Number(text) <= max) return (n) => n === Number(text);
  throw new CompileError(path, `must be a number 0-${max}, "/n" (every n) or "*", got ${JSON.stringify(value)}`);
}

export function compileTimePattern(def: Static<typeof TRIGGERS.time_pattern>, id: string, path: Path): CompiledTrigger {
  // Unset smaller units default to 0 once a larger one is given, as in Home Assistant: `minutes: "/5"` fires at :00 seconds.
  const hours = parsePattern(def.hours, 23, [...path, 'hours']);
  const minutes = parsePattern(def.minutes ?? (def.hours !== undefined ? 0 : undefined), 59, [...path, 'minutes']);
  const seconds = parsePattern(def.seconds ?? (def.hours !== undefined || def.minutes !== undefined ? 0 : undefined), 59, [
    ...path,
    'seconds',
  ]);
  const next = (after: number) => {
    let t = Math.floor(after / 1000) * 1000 + 1000;
    // At most a day of seconds to search; patterns always match within a day.
    for (let i = 0; i < 86_400; i++, t += 1000) {
      const d = new Date(t);
      if (seconds(d.getSeconds()) && minutes(d.getMinutes()) && hours(d.getHours())) return t;
    }
    return undefined;
  };
  return {
    attach(ctx, fire) {
      return scheduleRepeating(
        ctx.clock,
        (after) => next(after - 1),
        (at) =>
          fire({ id, kind: 'time_pattern', value: iso(at), description: `time pattern at ${new Date(at).toTimeString().slice(0, 8)}` }),
      );
    },
  };
}

export function compileCron(def: Static<typeof TRIGGERS.cron>, id: string, path: Path): CompiledTrigger {
  let cron: Cron;
  try {
    cron = new Cron(def.cron);
  } catch (err) {
    throw new CompileError(
      [...path, 'cron'],
      `is not a valid cron expression (${(err as Error).message}), got ${JSON.stringify(def.cron)}`,
    );
  }
  return {
    attach(ctx, fire) {
      return scheduleRepeating(
        ctx.clock,
        (after) => cron.nextRun(new Date(after))?.getTime(),
        (at) => fire({ id, kind: 'cron', value: iso(at), description: `cron ${def.cron} at ${iso(at)}` }),
      );
    },
  };
}

export function compileSun(def: Static<typeof TRIGGERS.sun>, id: string, path: Path): CompiledTrigger {
  const offset = parseOffset(def.offset);
  if (typeof offset === 'string') throw new CompileError([...path, 'offset'], offset);
  return {
    attach(ctx, fire) {
      return scheduleRepeating(
        ctx.clock,
        (after) => nextSunEvent(def.event, offset, after, ctx.location),
        (at) =>
          fire({
            id,
            kind: 'sun',
            value: iso(at),
            event: def.event,
            description: `${def.event}${def.offset ? ` ${def.offset}` : ''} at ${new Date(at).toTimeString().slice(0, 5)}`,
          }),
      );
    },
  };
}
