// A time given by a person or a script: ISO 8601 (`2026-11-01`, `2026-11-01T18:00:00Z`) or epoch milliseconds.

/** The time in epoch ms; `fallback` when empty; undefined when it is neither form (the caller says so, naming its field). */
export function parseTimeArg(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined || value.trim() === '') return fallback;
  const t = /^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/** The words for a time that is neither form. */
export const TIME_FORMS = 'an ISO time or epoch milliseconds';
