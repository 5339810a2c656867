// Reading a file of the rules dir: YAML with positions, its shape (one rule, a list of rules, or the sections
// rules:, scenes:, scripts:, helpers:, blueprints:), and each item checked on its own against its schema. What
// needs other files (a blueprint, a script another file defines) is left to compile-file.ts.
import type { Document, LineCounter } from 'yaml';
import { checkHelper } from '../../helpers/helper-values.js';
import { HELPERS, HELPER_TYPES } from '../../helpers/helper-schema.js';
import { quote } from '../../shared/errors.js';
import { compileRule, CompileErrors } from '../compile-rule.js';
import { position, problem, type RuleProblem } from '../problems.js';
import type { CachedParse, ParseCache } from './parse-cache.js';
import type { RuleDefinition } from '../schema.js';
import { CompileError } from '../types.js';
import { check, formatPath, validateRule, type Path, type Problem } from '../validate.js';
import { parseYaml, TOO_DEEP } from '../yaml-mistakes.js';
import { checkInput, findInputRefs, ruleFromBlueprint, sampleInputs, selectorOf, inputAt } from './blueprints.js';
import { checkField } from './fields.js';
import {
  BlueprintSchema,
  PROPERTY_TOPIC,
  SceneSchema,
  ScriptSchema,
  SECTIONS,
  SectionsSchema,
  UseBlueprintRuleSchema,
  type BlueprintDefinition,
  type ScriptDefinition,
} from './schema.js';

export type BlockKind = 'rule' | 'scene' | 'script' | 'helper' | 'blueprint';

const KIND_OF_SECTION: Record<(typeof SECTIONS)[number], BlockKind> = {
  rules: 'rule',
  scenes: 'scene',
  scripts: 'script',
  helpers: 'helper',
  blueprints: 'blueprint',
};

export interface ParsedItem {
  kind: BlockKind;
  /** Its id, when one can be read (also from an item with problems). */
  id: string | undefined;
  /** The item as written (checked only when `valid`). */
  def: unknown;
  path: Path;
  line: number;
  /** True when the item passed its own checks. */
  valid: boolean;
}

export interface ParsedFile {
  /** The file as the hub names it in messages. */
  file: string;
  text: string;
  doc: Document;
  lineCounter: LineCounter;
  items: ParsedItem[];
  /** Syntax problems, the file's shape, and each item's own problems. */
  problems: RuleProblem[];
}

/** A problem at `path` of the parsed file, at its line and column. */
export function locate(parsed: Pick<ParsedFile, 'doc' | 'lineCounter' | 'file'>, path: Path, message: string): RuleProblem {
  const { line, col } = position(parsed.doc, parsed.lineCounter, path, message.startsWith('is not a known key'));
  return problem(parsed.file, line, col, formatPath(path), message);
}

/**
 * Parses a rule file's text. With a cache, a text parsed before is not parsed again: its value and item lines come
 * from the cache, its checks run as always, and its document (positions) is parsed only if a problem needs one.
 */
export function parseRuleText(text: string, display: string, cache?: ParseCache): ParsedFile {
  const hit = cache?.get(text);
  if (hit) return fromCache(text, display, hit);
  const { doc, lineCounter, problems: syntax } = parseYaml(text);
  const parsed: ParsedFile = {
    file: display,
    text,
    doc,
    lineCounter,
    items: [],
    problems: syntax.map((p) => problem(display, p.line, p.column, '', p.message)),
  };
  try {
    const broken = parsed.problems.length > 0;
    const value = broken ? jsOf(parsed.doc) : parsed.doc.toJS();
    readItems(parsed, value, (path) => position(parsed.doc, parsed.lineCounter, path, false).line, broken);
    if (!broken) cache?.put(text, { value, lines: parsed.items.map((i) => i.line) });
  } catch (err) {
    // Walking a document recurses per level too (its value, the schema check): too deep is a problem of the file.
    if (!(err instanceof RangeError)) throw err;
    return { ...parsed, items: [], problems: [problem(display, 1, 1, '', TOO_DEEP)] };
  }
  // A file without problems keeps no document, as one from the cache: a YAML document with its positions holds ~20
  // times its text (5 KB for a 10-line rule), for every file until the next start.
  return parsed.problems.length === 0 ? withoutDocument(parsed) : parsed;
}

/** A file whose text parsed before without a syntax problem: its document is parsed again only when asked for. */
function fromCache(text: string, display: string, hit: CachedParse): ParsedFile {
  const parsed = withoutDocument({ file: display, text, items: [], problems: [] });
  let next = 0;
  readItems(parsed, hit.value, () => hit.lines[next++] ?? 1, false);
  return parsed;
}

/** `parsed` with its document parsed again from its text only when something asks for it (a problem's position). */
function withoutDocument({ file, text, items, problems }: Omit<ParsedFile, 'doc' | 'lineCounter'>): ParsedFile {
  let yaml: ReturnType<typeof parseYaml> | undefined;
  const reparsed = () => (yaml ??= parseYaml(text));
  return {
    file,
    text,
    get doc() {
      return reparsed().doc;
    },
    get lineCounter() {
      return reparsed().lineCounter;
    },
    items,
    problems,
  };
}

/** The file's items found in its `value`, each checked on its own; `lineOf` gives an item's line, in item order. */
function readItems(parsed: ParsedFile, value: unknown, lineOf: (path: Path) => number, broken: boolean): void {
  if (value === null || value === undefined) return;
  const found: Problem[] = [];
  const add = (kind: BlockKind, def: unknown, path: Path) => {
    const id = def && typeof def === 'object' && typeof (def as { id?: unknown }).id === 'string' ? (def as { id: string }).id : undefined;
    parsed.items.push({ kind, id, def, path, line: lineOf(path), valid: false });
  };
  if (Array.isArray(value)) for (const [i, def] of value.entries()) add('rule', def, [i]);
  else if (isSections(value)) {
    if (!broken) check(SectionsSchema, value, [], found);
    for (const section of SECTIONS) {
      const list = (value as Record<string, unknown>)[section];
      if (Array.isArray(list)) for (const [i, def] of list.entries()) add(KIND_OF_SECTION[section], def, [section, i]);
    }
  } else if (typeof value === 'object') add('rule', value, []);
  else found.push({ path: [], message: `must be a rule, a list of rules, or sections (${SECTIONS.join(':, ')}:), got ${quote(value)}` });
  if (broken) return;
  for (const item of parsed.items) {
    const own: Problem[] = [];
    CHECKS[item.kind](item.def, item.path, own);
    if (item.kind !== 'blueprint')
      for (const ref of findInputRefs(item.def, item.path))
        own.push({ path: ref.path, message: `holds !input ${ref.input}, which only a blueprint may` });
    item.valid = own.length === 0;
    found.push(...own);
  }
  parsed.problems.push(...found.map((p) => locate(parsed, p.path, p.message)));
}

/** A mapping of sections rather than a single rule: it names a section and none of a rule's own keys. */
function isSections(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const keys = Object.keys(value);
  return (
    keys.some((k) => (SECTIONS as readonly string[]).includes(k)) &&
    !keys.some((k) => ['id', 'triggers', 'actions', 'use_blueprint'].includes(k))
  );
}

/** After a YAML mistake: as much of the document's value as could be read (or nothing), for the ids it names. */
function jsOf(doc: Document): unknown {
  try {
    return doc.toJS();
  } catch {
    return undefined;
  }
}

const CHECKS: Record<BlockKind, (def: unknown, path: Path, problems: Problem[]) => void> = {
  rule: (def, path, problems) => {
    if (def && typeof def === 'object' && 'use_blueprint' in def) check(UseBlueprintRuleSchema, def, path, problems);
    else problems.push(...validateRule(def, path));
  },
  scene: (def, path, problems) => {
    check(SceneSchema, def, path, problems);
    if (problems.length > 0) return;
    for (const key of Object.keys((def as { states: object }).states)) {
      if (!PROPERTY_TOPIC.test(key))
        problems.push({ path: [...path, 'states', key], message: `must be a device property home/<device>/<property>, got ${quote(key)}` });
    }
  },
  script: (def, path, problems) => {
    check(ScriptSchema, def, path, problems);
    if (problems.length > 0) return;
    for (const [name, field] of Object.entries((def as ScriptDefinition).fields ?? {})) {
      const at = [...path, 'fields', name];
      if (field.type === 'select' && !field.options) problems.push({ path: at, message: 'is a select field: give its options' });
      if (field.default !== undefined) {
        const wrong = checkField(field, field.default);
        if (wrong) problems.push({ path: [...at, 'default'], message: wrong });
      }
    }
  },
  helper: (def, path, problems) => {
    const type = def && typeof def === 'object' ? (def as { type?: unknown }).type : undefined;
    const schema = HELPERS[type as keyof typeof HELPERS];
    if (!def || typeof def !== 'object') return void problems.push({ path, message: `must be a mapping (a helper), got ${quote(def)}` });
    if (!schema)
      return void problems.push({
        path: [...path, 'type'],
        message:
          type === undefined
            ? `is required: one of ${HELPER_TYPES.join(', ')}`
            : `must be one of ${HELPER_TYPES.join(', ')}, got ${quote(type)}`,
      });
    check(schema, def, path, problems);
    if (problems.length === 0) for (const p of checkHelper(def as never)) problems.push({ path: [...path, ...p.path], message: p.message });
  },
  blueprint: (def, path, problems) => {
    check(BlueprintSchema, def, path, problems);
    if (problems.length > 0) return;
    problems.push(...checkBlueprint(def as BlueprintDefinition, path));
  },
};

/**
 * A blueprint on its own: every `!input` names an input, defaults fit their selectors, and the rule it makes —
 * with each input's default, or a sample of its kind — is a valid rule. A place where an input does not fit is
 * told as such ("takes !input motion, a property, where …").
 */
function checkBlueprint(blueprint: BlueprintDefinition, path: Path): Problem[] {
  const problems: Problem[] = [];
  const names = Object.keys(blueprint.inputs);
  for (const [name, input] of Object.entries(blueprint.inputs)) {
    if (input.default === undefined) continue;
    const wrong = checkInput(selectorOf(input), input.default);
    if (wrong) problems.push({ path: [...path, 'inputs', name, 'default'], message: wrong });
  }
  const made = ruleFromBlueprint(blueprint, sampleInputs(blueprint), { id: blueprint.id });
  for (const ref of made.unknown)
    problems.push({
      path: [...path, ...ref.path],
      message: `names no input of this blueprint: !input ${ref.input} (inputs: ${names.join(', ') || 'none'})`,
    });
  if (problems.length > 0) return problems;
  const explain = (p: Path, message: string): Problem => {
    const input = inputAt(made.at, p);
    if (!input) return { path: [...path, ...p], message };
    // The sample that stood in for the input says nothing to the reader: the input's kind does.
    return {
      path: [...path, ...p],
      message: `takes !input ${input} (a ${selectorOf(blueprint.inputs[input]!).kind}) where it ${message.replace(/, got .*$/, '')}`,
    };
  };
  const invalid = validateRule(made.value, []).filter((p) => !(p.path[0] === 'variables'));
  problems.push(...invalid.map((p) => explain(p.path, p.message)));
  if (invalid.length > 0) return problems;
  try {
    compileRule(made.value as RuleDefinition, '', []);
  } catch (err) {
    const errors =
      err instanceof CompileErrors ? err.errors : err instanceof CompileError ? [err] : [new CompileError([], (err as Error).message)];
    problems.push(...errors.map((e) => explain(e.path, e.message)));
  }
  return problems;
}
