// A TypeBox validation error in words, for the config file, notification channels, rule files and rule test files:
// "is not a known key (known: …)", "is required", "must be <what the schema wants>, got <the value>".
import type { TSchema } from '@sinclair/typebox';
import type { ValueError } from '@sinclair/typebox/value';
import { quote } from './errors.js';

/** What a schema wants, in words: its `x-expect`, "one of …", "an integer 0-65535", "true or false", … */
export function expectation(schema: TSchema | undefined): string {
  if (!schema) return 'valid';
  if (schema['x-expect']) return schema['x-expect'];
  if (schema.anyOf?.every((s: TSchema) => s.const !== undefined))
    return `one of ${schema.anyOf.map((s: TSchema) => quote(s.const)).join(', ')}`;
  if (schema.const !== undefined) return quote(schema.const);
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const kind = schema.type === 'integer' ? 'an integer' : 'a number';
      const { minimum: min, maximum: max } = schema;
      if (min !== undefined && max !== undefined)
        return schema.type === 'integer' ? `${kind} ${min}-${max}` : `${kind} between ${min} and ${max}`;
      if (min !== undefined) return `${kind} of at least ${min}`;
      if (max !== undefined) return `${kind} of at most ${max}`;
      return kind;
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      if (schema.pattern) return `text matching ${schema.pattern}`;
      if (schema.minLength > 1) return `a string of at least ${schema.minLength} characters`;
      return schema.minLength === 1 ? 'a non-empty string' : 'a string';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    default:
      return 'valid';
  }
}

export interface DescribeOptions {
  /** How an unknown key is said, given the keys known there: "is not a known key (known: …)" by default. */
  unknown?: (known: string[]) => string;
  /** The schema the error's path starts from, to find the keys known beside an unknown one. */
  root?: TSchema;
}

/** One error in words, without its path: the caller puts where it is in front. */
export function describeValueError(
  error: Pick<ValueError, 'message' | 'schema' | 'value' | 'path'>,
  options: DescribeOptions = {},
): string {
  const schema: TSchema | undefined = error.schema;
  const value = error.value;
  if (error.message.startsWith('Unexpected property')) {
    // TypeBox reports the unknown key's own path, with the schema of the object that holds it.
    const parent = schema?.properties ? schema : schemaAt(options.root, error.path.split('/').filter(Boolean).slice(0, -1));
    const known = Object.keys(parent?.properties ?? {});
    return options.unknown ? options.unknown(known) : `is not a known key${known.length ? ` (known: ${known.join(', ')})` : ''}`;
  }
  if (error.message.startsWith('Expected required property')) return 'is required';
  if (schema?.type === 'array' && Array.isArray(value) && schema.minItems)
    return `must have at least ${schema.minItems} item${schema.minItems > 1 ? 's' : ''}`;
  return `must be ${expectation(schema)}, got ${quote(value)}`;
}

function schemaAt(root: TSchema | undefined, parts: string[]): TSchema | undefined {
  let node = root;
  for (const part of parts) {
    if (!node) return undefined;
    node = /^\d+$/.test(part) ? node.items : node.properties?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}
