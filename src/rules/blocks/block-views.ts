// Scenes, scripts and blueprints as the API and the dashboard show them: each with its file, its status (active,
// paused, or invalid with its file's problems) and its last run; blueprints with their inputs and the rules using them.
import type { RuleEngine } from '../engine.js';
import type { RuleProblem } from '../problems.js';
import type { RuleDirectory } from '../rule-directory.js';
import { selectorOf } from './blueprints.js';
import type { BlueprintDefinition, FieldDefinition, SceneDefinition, ScriptDefinition, UseBlueprintRule } from './schema.js';

interface Common {
  id: string;
  name: string | null;
  description: string;
  file: string;
  fileName: string;
  line: number;
  status: 'active' | 'paused' | 'invalid';
  errors?: RuleProblem[];
  lastRun?: { at: string; outcome: string; reason?: string; traceId: string };
}

export interface SceneInfo extends Common {
  states: Record<string, unknown>;
}

export interface ScriptInfo extends Common {
  mode: string;
  fields: Record<string, FieldDefinition>;
}

export interface BlueprintInfo {
  id: string;
  name: string | null;
  description: string;
  file: string;
  fileName: string;
  line: number;
  status: 'valid' | 'invalid';
  inputs: Record<string, { selector: string; description?: string; default?: unknown; min?: number; max?: number; unit?: string }>;
  /** Rules that use it, in any file. */
  usedBy: string[];
}

function common(
  directory: RuleDirectory,
  engine: RuleEngine | undefined,
  kind: 'scene' | 'script',
  entry: ReturnType<RuleDirectory['items']>[number],
): Common {
  const def = entry.item.def as { id: string; name?: string; description?: string };
  const runtime = entry.loaded ? engine?.runtime(`${kind}:${def.id}`) : undefined;
  const last = runtime?.lastRun;
  const problems = entry.loaded ? [] : (directory.loaded(entry.fileName)?.problems ?? []);
  return {
    id: def.id,
    name: def.name ?? null,
    description: def.description ?? '',
    file: entry.file,
    fileName: entry.fileName,
    line: entry.item.line,
    status: !runtime ? 'invalid' : runtime.paused ? 'paused' : 'active',
    ...(problems.length
      ? { errors: problems }
      : runtime?.paused
        ? { errors: [{ file: entry.file, line: entry.item.line, column: 1, path: '', message: runtime.paused, text: runtime.paused }] }
        : {}),
    ...(last
      ? {
          lastRun: {
            at: new Date(last.startedAt).toISOString(),
            outcome: last.outcome,
            traceId: last.id,
            ...(last.reason ? { reason: last.reason } : {}),
          },
        }
      : {}),
  };
}

/** The first of each id (a second one is a clash its file reports). */
function firstOfEach<T extends { item: { id?: string } }>(entries: T[]): T[] {
  return entries.filter((e, i) => entries.findIndex((o) => o.item.id === e.item.id) === i);
}

export function listScenes(directory: RuleDirectory, engine?: RuleEngine): SceneInfo[] {
  return firstOfEach(directory.items('scene')).map((e) => ({
    ...common(directory, engine, 'scene', e),
    states: e.item.valid ? (e.item.def as SceneDefinition).states : {},
  }));
}

export function listScripts(directory: RuleDirectory, engine?: RuleEngine): ScriptInfo[] {
  return firstOfEach(directory.items('script')).map((e) => {
    const def = e.item.def as ScriptDefinition;
    return {
      ...common(directory, engine, 'script', e),
      mode: e.item.valid ? (def.mode ?? 'single') : 'single',
      fields: e.item.valid ? (def.fields ?? {}) : {},
    };
  });
}

export function listBlueprints(directory: RuleDirectory): BlueprintInfo[] {
  const uses = directory.items('rule').filter((r) => r.item.def && typeof r.item.def === 'object' && 'use_blueprint' in r.item.def);
  return firstOfEach(directory.items('blueprint')).map((e) => {
    const def = e.item.def as BlueprintDefinition;
    const inputs = Object.fromEntries(
      Object.entries(e.item.valid ? def.inputs : {}).map(([name, input]) => {
        const { kind, ...options } = selectorOf(input);
        return [
          name,
          {
            selector: kind,
            ...options,
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.default !== undefined ? { default: input.default } : {}),
          },
        ];
      }),
    );
    return {
      id: def.id,
      name: def.name ?? null,
      description: def.description ?? '',
      file: e.file,
      fileName: e.fileName,
      line: e.item.line,
      status: e.item.valid ? 'valid' : 'invalid',
      inputs,
      usedBy: uses.filter((u) => (u.item.def as Partial<UseBlueprintRule>).use_blueprint?.blueprint === def.id).map((u) => u.item.id!),
    };
  });
}
