// What a helper holds and how a command changes it, as pure functions: its first value, whether a stored value still
// fits its (maybe changed) definition, and `home/helper_<id>/value/set` payloads applied — toggles, numbers,
// selects, text, dates, counters and timers (start, pause, cancel, finish). No bus, no clock, no store here.
import { quote } from '../shared/errors.js';
import { parseDuration } from '../rules/duration.js';
import type { HelperDefinition } from './helper-schema.js';

export interface TimerState {
  state: 'idle' | 'active' | 'paused';
  /** The length a start without one runs for (ms). */
  duration: number;
  /** While paused: what is left (ms). */
  remaining?: number;
  /** While active: when it finishes (epoch ms, on the hub's clock). */
  finishesAt?: number;
}

export interface HelperState {
  value: unknown;
  timer?: TimerState;
}

export type TimerEvent = 'started' | 'paused' | 'cancelled' | 'finished';

/** A command's result: the new state (and a timer's event), or why it is refused. */
export type Applied = { state: HelperState; event?: TimerEvent } | { error: string };

const DEFAULT_TIMER_MS = 60_000;

/** Problems of a definition that its schema cannot see (min above max, an initial value outside its range). */
export function checkHelper(def: HelperDefinition): Array<{ path: string[]; message: string }> {
  const out: Array<{ path: string[]; message: string }> = [];
  const range = (min: number | undefined, max: number | undefined) => {
    if (min !== undefined && max !== undefined && min > max)
      out.push({ path: ['min'], message: `must not be above max (${max}), got ${min}` });
  };
  switch (def.type) {
    case 'number':
      range(def.min, def.max);
      if (def.step !== undefined && def.step > def.max - def.min && def.max > def.min)
        out.push({ path: ['step'], message: `must not be larger than max - min (${def.max - def.min}), got ${def.step}` });
      break;
    case 'counter':
      range(def.min, def.max);
      break;
    case 'text':
      range(def.min, def.max);
      if (def.pattern !== undefined) {
        try {
          new RegExp(def.pattern);
        } catch (err) {
          out.push({ path: ['pattern'], message: `is not a regular expression: ${(err as Error).message}` });
        }
      }
      break;
    case 'datetime':
      if (def.has_date === false && def.has_time === false)
        out.push({ path: ['has_time'], message: 'a datetime helper needs a date, a time or both' });
      break;
    case 'timer': {
      const ms = def.duration === undefined ? DEFAULT_TIMER_MS : parseDuration(def.duration);
      if (typeof ms === 'string') out.push({ path: ['duration'], message: ms });
      break;
    }
    default:
      break;
  }
  if (out.length === 0 && 'initial' in def && def.initial !== undefined) {
    const wrong = refuse(def, def.initial);
    if (wrong) out.push({ path: ['initial'], message: wrong });
  }
  return out;
}

export function initialState(def: HelperDefinition): HelperState {
  switch (def.type) {
    case 'toggle':
      return { value: def.initial ? 'on' : 'off' };
    case 'number':
      return { value: def.initial ?? def.min };
    case 'select':
      return { value: def.initial ?? def.options[0] };
    case 'text':
      return { value: def.initial ?? '' };
    case 'datetime':
      return { value: def.initial !== undefined ? normalizeDatetime(def, def.initial)! : '' };
    case 'counter':
      return { value: def.initial ?? 0 };
    case 'timer':
      return { value: 'idle', timer: { state: 'idle', duration: timerDuration(def) } };
  }
}

export function timerDuration(def: Extract<HelperDefinition, { type: 'timer' }>): number {
  const ms = def.duration === undefined ? DEFAULT_TIMER_MS : parseDuration(def.duration);
  return typeof ms === 'number' ? ms : DEFAULT_TIMER_MS;
}

/** A stored state kept across a restart or a change of the definition, when it still fits; else the initial state. */
export function restoreState(def: HelperDefinition, stored: HelperState | undefined): HelperState {
  if (!stored) return initialState(def);
  if (def.type === 'timer') {
    const timer = stored.timer;
    if (!timer) return initialState(def);
    return { value: timer.state, timer: { ...timer, duration: timerDuration(def) } };
  }
  return refuse(def, stored.value) === undefined ? stored : initialState(def);
}

/** Why `value` cannot be the helper's value, in words; undefined when it can. */
function refuse(def: HelperDefinition, value: unknown): string | undefined {
  switch (def.type) {
    case 'toggle':
      return typeof value === 'boolean' || value === 'on' || value === 'off' ? undefined : `must be on or off, got ${quote(value)}`;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number, got ${quote(value)}`;
      return value < def.min || value > def.max ? `must be between ${def.min} and ${def.max}, got ${value}` : undefined;
    case 'counter':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `must be a whole number, got ${quote(value)}`;
      if (def.min !== undefined && value < def.min) return `must be at least ${def.min}, got ${value}`;
      if (def.max !== undefined && value > def.max) return `must be at most ${def.max}, got ${value}`;
      return undefined;
    case 'select':
      return def.options.includes(String(value))
        ? undefined
        : `must be one of ${def.options.map((o) => quote(o)).join(', ')}, got ${quote(value)}`;
    case 'text': {
      const text = typeof value === 'number' ? String(value) : value;
      if (typeof text !== 'string') return `must be text, got ${quote(value)}`;
      if (text.length < (def.min ?? 0) || text.length > (def.max ?? 255))
        return `must be ${def.min ?? 0} to ${def.max ?? 255} characters long, got ${text.length}`;
      if (def.pattern !== undefined && !new RegExp(`^(?:${def.pattern})$`).test(text))
        return `must match ${def.pattern}, got ${quote(text)}`;
      return undefined;
    }
    case 'datetime':
      return normalizeDatetime(def, value) === undefined ? `must be ${datetimeShape(def)}, got ${quote(value)}` : undefined;
    case 'timer':
      return undefined;
  }
}

function datetimeShape(def: Extract<HelperDefinition, { type: 'datetime' }>): string {
  const date = def.has_date !== false;
  const time = def.has_time !== false;
  return date && time ? 'a date and time YYYY-MM-DDTHH:MM[:SS]' : date ? 'a date YYYY-MM-DD' : 'a time HH:MM[:SS]';
}

/** `2026-06-15 18:30` → `2026-06-15T18:30:00`; undefined when it is not the shape the helper holds. */
function normalizeDatetime(def: Extract<HelperDefinition, { type: 'datetime' }>, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const date = def.has_date !== false;
  const time = def.has_time !== false;
  const m = /^(?:(\d{4})-(\d{2})-(\d{2}))?[T ]?(?:([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?)?$/.exec(value.trim());
  if (!m || Boolean(m[1]) !== date || Boolean(m[4]) !== time) return undefined;
  if (date && Number.isNaN(Date.parse(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`))) return undefined;
  const d = date ? `${m[1]}-${m[2]}-${m[3]}` : '';
  const t = time ? `${m[4]}:${m[5]}:${m[6] ?? '00'}` : '';
  return date && time ? `${d}T${t}` : d || t;
}

const ON = new Set(['on', 'ON', 'true', '1']);
const OFF = new Set(['off', 'OFF', 'false', '0']);

/** Applies a `/set` payload (text, as it came over MQTT) at time `now`. */
export function applyCommand(def: HelperDefinition, current: HelperState, payload: string, now: number): Applied {
  const text = payload.trim();
  const fail = (message: string): Applied => ({ error: message });
  const set = (value: unknown): Applied => {
    const wrong = refuse(def, value);
    return wrong ? fail(wrong) : { state: { value } };
  };
  switch (def.type) {
    case 'toggle':
      if (text === 'toggle') return { state: { value: current.value === 'on' ? 'off' : 'on' } };
      return ON.has(text)
        ? { state: { value: 'on' } }
        : OFF.has(text)
          ? { state: { value: 'off' } }
          : fail(`must be on, off or toggle, got ${quote(text)}`);
    case 'number':
      return text !== '' && Number.isFinite(Number(text)) ? set(Number(text)) : fail(`must be a number, got ${quote(text)}`);
    case 'counter': {
      const value = Number(current.value);
      const step = def.step ?? 1;
      if (text === 'increment') return set(value + step);
      if (text === 'decrement') return set(value - step);
      if (text === 'reset') return { state: { value: def.initial ?? 0 } };
      return /^-?\d+$/.test(text) ? set(Number(text)) : fail(`must be a whole number, increment, decrement or reset, got ${quote(text)}`);
    }
    case 'select':
    case 'text':
      return set(text);
    case 'datetime': {
      const value = normalizeDatetime(def, text);
      return value === undefined ? fail(`must be ${datetimeShape(def)}, got ${quote(text)}`) : { state: { value } };
    }
    case 'timer':
      return applyTimer(def, current.timer ?? initialState(def).timer!, text, now);
  }
}

/** `start`, `start 5m`, `pause`, `cancel`, `finish`. */
function applyTimer(def: Extract<HelperDefinition, { type: 'timer' }>, timer: TimerState, text: string, now: number): Applied {
  const [verb, arg] = text.split(/\s+/, 2) as [string, string | undefined];
  const to = (next: TimerState, event?: TimerEvent): Applied => ({
    state: { value: next.state, timer: next },
    ...(event ? { event } : {}),
  });
  const idle: TimerState = { state: 'idle', duration: timerDuration(def) };
  switch (verb) {
    case 'start': {
      let ms = timer.state === 'paused' && arg === undefined ? timer.remaining! : timerDuration(def);
      if (arg !== undefined) {
        const parsed = parseDuration(arg);
        if (typeof parsed === 'string') return { error: `start ${parsed}` };
        ms = parsed;
      }
      return to({ state: 'active', duration: timerDuration(def), finishesAt: now + ms }, 'started');
    }
    case 'pause':
      if (timer.state !== 'active') return { error: `cannot pause a timer that is ${timer.state}` };
      return to({ state: 'paused', duration: timer.duration, remaining: Math.max(0, (timer.finishesAt ?? now) - now) }, 'paused');
    case 'cancel':
      return timer.state === 'idle' ? to(idle) : to(idle, 'cancelled');
    case 'finish':
      return timer.state === 'idle' ? { error: 'cannot finish a timer that is idle' } : to(idle, 'finished');
    default:
      return { error: `must be start, start <duration>, pause, cancel or finish, got ${quote(text)}` };
  }
}

/** What is left of a timer at `now`, in whole seconds (0 when idle). */
export function remainingSeconds(timer: TimerState, now: number): number {
  if (timer.state === 'active') return Math.max(0, Math.ceil(((timer.finishesAt ?? now) - now) / 1000));
  if (timer.state === 'paused') return Math.ceil((timer.remaining ?? 0) / 1000);
  return 0;
}
