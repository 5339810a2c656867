// Script fields: whether a value fits a field's type (and range or options), and text from a template read as the
// field's type. Used where a script is called: at load, at run and in the API.
import { quote } from '../../shared/errors.js';
import type { FieldDefinition } from './schema.js';

/** Why a value does not fit a script field, in words; undefined when it does. */
export function checkField(field: Pick<FieldDefinition, 'type' | 'min' | 'max' | 'options'>, value: unknown): string | undefined {
  switch (field.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number, got ${quote(value)}`;
      if (field.min !== undefined && value < field.min) return `must be at least ${field.min}, got ${value}`;
      if (field.max !== undefined && value > field.max) return `must be at most ${field.max}, got ${value}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false, got ${quote(value)}`;
    case 'select':
      return field.options?.includes(String(value))
        ? undefined
        : `must be one of ${(field.options ?? []).map((o) => quote(o)).join(', ')}, got ${quote(value)}`;
    case 'text':
      return typeof value === 'string' || typeof value === 'number' ? undefined : `must be text, got ${quote(value)}`;
  }
}

/** Templates give text: "21.5" for a number field is 21.5, "true" for a boolean one is true. */
export function coerceField(field: Pick<FieldDefinition, 'type'>, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (field.type === 'number' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (field.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}
