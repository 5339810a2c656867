// Durations as rules write them: `30s`, `5m`, `1h30m`, `250ms`, `"00:05:00"`, a number of seconds, or `{ minutes: 5 }`.
export type DurationInput = string | number | { days?: number; hours?: number; minutes?: number; seconds?: number; milliseconds?: number };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or an error message naming the bad value. */
export function parseDuration(input: unknown): number | string {
  if (typeof input === 'number')
    return input >= 0 && Number.isFinite(input) ? Math.round(input * 1000) : `must be a duration, got ${input}`;
  if (typeof input === 'string') {
    const text = input.trim();
    const clock = /^(\d+):([0-5]?\d)(?::([0-5]?\d(?:\.\d+)?))?$/.exec(text);
    if (clock) return Math.round((Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] ?? 0)) * 1000);
    if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) {
      let total = 0;
      for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
      return Math.round(total);
    }
    return `must be a duration like 30s, 5m, 1h30m or "00:05:00", got ${JSON.stringify(input)}`;
  }
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const o = input as Record<string, unknown>;
    const keys = { days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000, milliseconds: 1 } as Record<string, number>;
    let total = 0;
    for (const [k, v] of Object.entries(o)) {
      if (!(k in keys)) return `has an unknown unit "${k}" (use days, hours, minutes, seconds, milliseconds)`;
      if (typeof v !== 'number' || v < 0) return `${k} must be a non-negative number, got ${JSON.stringify(v)}`;
      total += v * keys[k]!;
    }
    return Math.round(total);
  }
  return `must be a duration, got ${JSON.stringify(input)}`;
}

/** 130000 → "2m10s"; for traces and messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
