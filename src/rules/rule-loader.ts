// Loading a rule file: YAML with positions → validated definitions → compiled rules, or every problem located
// at file:line:column with its path. Nothing here runs a rule.
import { readFileSync } from 'node:fs';
import { isMap, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { allOf, compileCondition, type TemplateScopeOf } from './conditions/index.js';
import { compileSequence } from './actions/index.js';
import { RULE_ID_PATTERN, type ConditionDefinition, type RuleDefinition, type TriggerDefinition } from './schema.js';
import { compileValue, type Evaluate } from './template.js';
import { templateScope } from './template-scope.js';
import { compileTrigger } from './triggers/index.js';
import { CompileError, type CompiledTrigger, type RunContext } from './types.js';
import { formatPath, validateRule, type Path } from './validate.js';
import { parseYaml, TOO_DEEP } from './yaml-mistakes.js';

import type { RuleProblem } from './rule-views.js';

export type { RuleProblem };

export interface CompiledRule {
  id: string;
  file: string;
  description: string;
  mode: 'single' | 'restart' | 'queued' | 'parallel';
  max: number;
  onMissed: 'run' | 'skip';
  enabledByDefault: boolean;
  definition: RuleDefinition;
  triggers: CompiledTrigger[];
  conditions: ReturnType<typeof allOf>;
  actions: (ctx: RunContext, startAt?: number) => Promise<void>;
  variables: Array<[string, Evaluate]>;
  line: number;
}

export interface LoadedFile {
  file: string;
  rules: CompiledRule[];
  /** Every rule id the file names, valid or not: how a broken file is still found by its rules' ids. */
  ids: string[];
  problems: RuleProblem[];
}

/** Loads one file from disk; `display` is how the file is named in messages (e.g. relative to the rules dir). */
export function loadRuleFile(path: string, display: string): LoadedFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file: display, rules: [], ids: [], problems: [problem(display, 1, 1, '', `cannot be read: ${code === 'ENOENT' ? 'there is no such file' : (code ?? (err as Error).message)}`)] };
  }
  return loadRuleText(text, display);
}

export function loadRuleText(text: string, display: string): LoadedFile {
  const { doc, lineCounter, problems: syntax } = parseYaml(text);
  const problems: RuleProblem[] = syntax.map((p) => problem(display, p.line, p.column, '', p.message));
  try {
    return loadDocument(doc, lineCounter, display, problems);
  } catch (err) {
    // Walking a document recurses per level too (its value, the schema check): too deep is a problem of the file.
    if (!(err instanceof RangeError)) throw err;
    return { file: display, rules: [], ids: [], problems: [problem(display, 1, 1, '', TOO_DEEP)] };
  }
}

function loadDocument(doc: Document, lineCounter: LineCounter, display: string, problems: RuleProblem[]): LoadedFile {
  const value = problems.length > 0 ? jsOf(doc) : doc.toJS();
  const ids = readableIds(value);
  if (problems.length > 0 || value === null || value === undefined) return { file: display, rules: [], ids, problems };
  const list: Array<{ def: unknown; path: Path }> = Array.isArray(value) ? value.map((def, i) => ({ def, path: [i] })) : [{ def: value, path: [] }];
  const rules: CompiledRule[] = [];
  const locate = (path: Path, message: string) => {
    const { line, col } = position(doc, lineCounter, path, message.startsWith('is not a known key'));
    problems.push(problem(display, line, col, formatPath(path), message));
  };
  for (const { def, path } of list) {
    const found = validateRule(def, path);
    if (found.length > 0) {
      found.forEach((p) => locate(p.path, p.message));
      continue;
    }
    try {
      const rule = compileRule(def as RuleDefinition, display, path);
      rule.line = position(doc, lineCounter, path, false).line;
      rules.push(rule);
    } catch (err) {
      if (err instanceof CompileErrors) err.errors.forEach((e) => locate(e.path, e.message));
      else if (err instanceof CompileError) locate(err.path, err.message);
      else throw err;
    }
  }
  return { file: display, rules, ids, problems };
}

/** After a YAML mistake: as much of the document's value as could be read (or nothing), for the ids it names. */
function jsOf(doc: Document): unknown {
  try {
    return doc.toJS();
  } catch {
    return undefined;
  }
}

/** The `id:` of each rule in a document's value (a mapping or a list of them). */
function readableIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  const pattern = new RegExp(RULE_ID_PATTERN);
  return [...new Set(list.map((r) => (r && typeof r === 'object' ? (r as { id?: unknown }).id : undefined)).filter((id): id is string => typeof id === 'string' && pattern.test(id)))];
}

/** Templates in conditions read the run's context (see template-scope.ts): the compiled rule runs in any engine. */
const scopeOf: TemplateScopeOf = (ctx, scope) => templateScope(ctx, scope.trigger, scope.variables);

export function compileRule(def: RuleDefinition, file: string, path: Path): CompiledRule {
  const triggerDefinitions = def.triggers as TriggerDefinition[];
  const errors: CompileError[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof CompileError) errors.push(err);
      else errors.push(new CompileError(path, (err as Error).message));
      return undefined;
    }
  };
  const triggers = triggerDefinitions.map((t, i) => attempt(() => compileTrigger(t, i, [...path, 'triggers', i])));
  const conditions = ((def.conditions ?? []) as ConditionDefinition[]).map((c, i) => attempt(() => compileCondition(c, [...path, 'conditions', i], scopeOf)));
  const actions = attempt(() => compileSequence(def.actions, [...path, 'actions'], scopeOf));
  const variables = Object.entries(def.variables ?? {}).map(([k, v]) => [k, attempt(() => compileValue(v))] as [string, Evaluate]);
  if (errors.length > 0) throw new CompileErrors(errors);
  const mode = def.mode ?? 'single';
  return {
    id: def.id,
    file,
    description: def.description ?? '',
    mode,
    max: def.max ?? 10,
    onMissed: def.on_missed ?? 'run',
    enabledByDefault: def.enabled ?? true,
    definition: def,
    triggers: triggers as CompiledTrigger[],
    conditions: allOf(conditions as NonNullable<(typeof conditions)[number]>[]),
    actions: actions!,
    variables,
    line: 1,
  };
}

class CompileErrors extends Error {
  constructor(readonly errors: CompileError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

function problem(file: string, line: number, column: number, path: string, message: string): RuleProblem {
  return { file, line, column, path, message, text: `${file}:${line}:${column} ${path ? `${path} ` : ''}${message}` };
}

/** Where a path points in the YAML: the value's node, the key itself for unknown keys, else the nearest parent. */
export function position(doc: Document, lc: LineCounter, path: Path, atKey: boolean): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    if (atKey && n === path.length && n > 0) {
      const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((p: any) => p.key?.value === prefix[prefix.length - 1]);
        const range = (pair?.key as Node | undefined)?.range;
        if (range) return lc.linePos(range[0]);
      }
      continue;
    }
    const node = (prefix.length === 0 ? doc.contents : doc.getIn(prefix, true)) as Node | undefined;
    if (node && (node as any).range) {
      // A missing key is reported at its parent mapping's first key.
      if ((isMap(node) || isSeq(node)) && n < path.length && node.items.length > 0) {
        const first = node.items[0] as any;
        const r = (first?.key ?? first)?.range;
        if (r) return lc.linePos(r[0]);
      }
      return lc.linePos((node as any).range[0]);
    }
  }
  return { line: 1, col: 1 };
}
