// Loading the configuration: defaults ← YAML file ← HEARTH_* environment ← command-line flags, validated all at once.
import { readFileSync } from 'node:fs';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { LineCounter, parseDocument } from 'yaml';
import { HearthError, quote } from '../shared/errors.js';
import { describeValueError } from '../shared/schema-errors.js';
import { ConfigSchema, describeOptions, type HearthConfig } from './schema.js';

export interface ConfigSources {
  /** Path of a YAML config file (from --config or HEARTH_CONFIG). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag values keyed by dotted config key, as strings or already typed. */
  flags?: Record<string, unknown>;
  /** Values that override everything (tests). */
  overrides?: Record<string, unknown>;
}

/** Builds the effective configuration or throws HEARTH_CONFIG_INVALID listing every problem. */
export function loadConfig(sources: ConfigSources = {}): HearthConfig {
  const env = sources.env ?? process.env;
  const problems: string[] = [];
  const origin = new Map<string, string>();
  const raw: Record<string, unknown> = {};

  const file = sources.file ?? env.HEARTH_CONFIG;
  if (file) {
    const fromFile = readConfigFile(file, problems);
    if (fromFile) Object.assign(raw, fromFile);
  }
  for (const { key, schema } of describeOptions()) {
    if (schema.env && env[schema.env] !== undefined && env[schema.env] !== '') {
      setPath(raw, key, coerce(env[schema.env]!, schema));
      origin.set(key, schema.env);
    }
    if (sources.flags && key in sources.flags && sources.flags[key] !== undefined) {
      const v = sources.flags[key];
      setPath(raw, key, typeof v === 'string' ? coerce(v, schema) : v);
      origin.set(key, schema.flag ?? key);
    }
  }
  for (const [key, value] of Object.entries(sources.overrides ?? {})) setPath(raw, key, value);

  const withDefaults = Value.Default(ConfigSchema, structuredClone(raw)) as Record<string, unknown>;
  for (const error of Value.Errors(ConfigSchema, withDefaults)) {
    const key = error.path.replace(/^\//, '').replace(/\//g, '.');
    problems.push(describeProblem(key, error, origin.get(key)));
  }
  if (problems.length > 0) {
    const unique = [...new Set(problems)];
    throw new HearthError('HEARTH_CONFIG_INVALID', { problems: unique.map((p) => `  - ${p}`).join('\n') }, { problems: unique });
  }
  return withDefaults as HearthConfig;
}

function readConfigFile(file: string, problems: string[]): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`config file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      problems.push(`${file}:${pos.line}:${pos.col} ${e.message.split('\n')[0]}`);
    }
    return undefined;
  }
  const value = doc.toJS();
  if (value == null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${file} must hold a mapping of options, got ${quote(value)}`);
    return undefined;
  }
  return value as Record<string, unknown>;
}

function coerce(text: string, schema: { type?: string }): unknown {
  const t = text.trim();
  if (schema.type === 'integer' || schema.type === 'number') return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : text;
  if (schema.type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(t)) return true;
    if (/^(0|false|no|off)$/i.test(t)) return false;
    return text;
  }
  return text;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node: Record<string, unknown> = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** A config problem in words: the key (and where its value came from), then what is wrong (src/shared/schema-errors.ts). */
export function describeProblem(
  key: string,
  error: Pick<ValueError, 'message' | 'schema' | 'value' | 'path'>,
  from: string | undefined,
): string {
  const where = from && from !== key ? `${key} (${from})` : key;
  const words = describeValueError(error, {
    unknown: (known) => `is not a known option${known.length ? ` (known here: ${known.join(', ')})` : ''}`,
  });
  return `${words.startsWith('is not a known option') ? key : where} ${words}`;
}
