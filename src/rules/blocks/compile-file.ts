// Compiling a parsed file against the catalog of the whole rules dir: rules (a blueprint's made with their inputs),
// scripts, scenes and helpers. Here are the checks that need other files — a blueprint that exists and fits its
// inputs, scenes and scripts that exist and get the fields they take, and calls that would loop — each told at its
// place, naming the rule, the blueprint and the input. `reads` says which definitions the result depends on.
import type { HelperDefinition } from '../../helpers/helper-schema.js';
import { compileRule, CompileErrors, type CompiledRule } from '../compile-rule.js';
import type { RuleProblem } from '../problems.js';
import type { RuleDefinition, TriggerDefinition } from '../schema.js';
import { topicMatches } from '../../bus/message-bus.js';
import { CompileError } from '../types.js';
import { formatPath, validateRule, type Path, type Problem } from '../validate.js';
import { inputAt, inputValues, ruleFromBlueprint } from './blueprints.js';
import { type Catalog, findCalls, findPublishes, type CatalogEntry } from './catalog.js';
import { checkField } from './fields.js';
import { locate, type ParsedFile, type ParsedItem } from './parse-file.js';
import { compileScene } from './scenes.js';
import { compileScript } from './scripts.js';
import type { BlueprintDefinition, SceneDefinition, ScriptDefinition, UseBlueprintRule } from './schema.js';

export interface CompiledFile {
  rules: CompiledRule[];
  scenes: CompiledRule[];
  scripts: CompiledRule[];
  helpers: HelperDefinition[];
  /** Ids of the blueprints it defines. */
  blueprints: string[];
  problems: RuleProblem[];
  /** The definitions of other items it read (`script:announce`, …): when one changes, it is compiled again. */
  reads: string[];
}

export function compileParsed(parsed: ParsedFile, catalog: Catalog): CompiledFile {
  const out: CompiledFile = { rules: [], scenes: [], scripts: [], helpers: [], blueprints: [], problems: [], reads: [] };
  const reads = new Set<string>();
  const lookup = (kind: 'blueprint' | 'scene' | 'script', id: string) => {
    reads.add(`${kind}:${id}`);
    return catalog.get(kind, id);
  };
  const found: Problem[] = [];
  for (const item of parsed.items) {
    if (!item.valid) continue;
    const problems: Problem[] = [];
    const compile = <T>(fn: () => T, map: (p: Problem) => Problem = (p) => p): T | undefined => {
      try {
        return fn();
      } catch (err) {
        const errors =
          err instanceof CompileErrors
            ? err.errors
            : err instanceof CompileError
              ? [err]
              : [new CompileError(item.path, (err as Error).message)];
        problems.push(...errors.map((e) => map({ path: e.path, message: e.message })));
        return undefined;
      }
    };
    switch (item.kind) {
      case 'rule': {
        const made =
          'use_blueprint' in (item.def as object)
            ? expand(item, lookup, problems)
            : { def: item.def as RuleDefinition, base: item.path, map: (p: Problem) => p };
        if (!made) break;
        const rule = compile(() => compileRule(made.def, parsed.file, made.base), made.map);
        const before = problems.length;
        problems.push(...checkCalls(made.def.actions, [...made.base, 'actions'], lookup, catalog).map(made.map));
        if (problems.length === before) problems.push(...checkRuleLoops(made.def, made.base, lookup).map(made.map));
        if (rule && problems.length === 0) out.rules.push({ ...rule, line: item.line });
        break;
      }
      case 'script': {
        const def = item.def as ScriptDefinition;
        const script = compile(() => compileScript(def, parsed.file, item.path));
        problems.push(...checkCalls(def.actions, [...item.path, 'actions'], lookup, catalog, `script:${def.id}`));
        if (script && problems.length === 0) out.scripts.push({ ...script, line: item.line });
        break;
      }
      case 'scene':
        out.scenes.push({ ...compileScene(item.def as SceneDefinition, parsed.file), line: item.line });
        break;
      case 'helper':
        out.helpers.push(item.def as HelperDefinition);
        break;
      case 'blueprint':
        out.blueprints.push(item.id!);
        break;
    }
    found.push(...problems);
  }
  out.problems = found.map((p) => locate(parsed, p.path, p.message));
  out.reads = [...reads].sort();
  return out;
}

/** What the definitions a file read look like now: equal fingerprints, nothing to compile again. */
export function fingerprintOf(reads: string[], catalog: Catalog): string {
  return JSON.stringify(
    reads.map((key) => {
      const at = key.indexOf(':');
      const e = catalog.get(key.slice(0, at) as 'script', key.slice(at + 1));
      return [key, e ? [e.fileName, e.valid, e.def] : null];
    }),
  );
}

type Lookup = (kind: 'blueprint' | 'scene' | 'script', id: string) => CatalogEntry | undefined;

function unusable(kind: string, id: string, entry: CatalogEntry | undefined, catalog: Catalog): string | undefined {
  if (!entry) {
    const known = catalog.ids(kind as 'scene');
    return `no ${kind} "${id}" in the rules dir (${known.length ? `${kind}s: ${known.join(', ')}` : `there are no ${kind}s`})`;
  }
  return entry.valid ? undefined : `${kind} "${id}" (${entry.file}:${entry.line}) has problems of its own; fix it first`;
}

/** The rule a `use_blueprint` makes, with a map that tells its problems at the rule, the blueprint and the input. */
function expand(
  item: ParsedItem,
  lookup: Lookup,
  problems: Problem[],
): { def: RuleDefinition; base: Path; map: (p: Problem) => Problem } | undefined {
  const use = item.def as UseBlueprintRule;
  const name = use.use_blueprint.blueprint;
  const entry = lookup('blueprint', name);
  const bad = entry
    ? entry.valid
      ? undefined
      : `blueprint "${name}" (${entry.file}:${entry.line}) has problems of its own; fix it first`
    : undefined;
  if (!entry || bad) {
    problems.push({
      path: [...item.path, 'use_blueprint', 'blueprint'],
      message: bad ?? `no blueprint "${name}" in the rules dir (rule "${use.id}")`,
    });
    return undefined;
  }
  const blueprint = entry.def as BlueprintDefinition;
  const given = inputValues(use, blueprint);
  if (given.problems.length > 0) {
    problems.push(...given.problems.map((p) => ({ path: [...item.path, ...p.path], message: p.message })));
    return undefined;
  }
  const made = ruleFromBlueprint(blueprint, given.values, use);
  const map = (p: Problem): Problem => {
    const input = inputAt(made.at, p.path);
    const about = `(rule "${use.id}", blueprint "${name}"${input ? `, input "${input}"` : ''})`;
    const where = formatPath(p.path);
    if (input && input in (use.use_blueprint.inputs ?? {}))
      return {
        path: [...item.path, 'use_blueprint', 'inputs', input],
        message: `does not fit where the blueprint puts it (${where}): ${p.message} ${about}`,
      };
    return { path: [...item.path, 'use_blueprint', 'blueprint'], message: `makes a rule whose ${where} ${p.message} ${about}` };
  };
  const invalid = validateRule(made.value, []);
  if (invalid.length > 0) {
    problems.push(...invalid.map(map));
    return undefined;
  }
  return { def: made.value as RuleDefinition, base: [], map };
}

/** Scenes and scripts a definition calls: they exist, get the fields they take, and no script calls itself back. */
function checkCalls(actions: unknown, path: Path, lookup: Lookup, catalog: Catalog, self?: string): Problem[] {
  const problems: Problem[] = [];
  for (const call of findCalls(actions, path)) {
    const entry = lookup(call.kind, call.id);
    const bad = unusable(call.kind, call.id, entry, catalog);
    if (bad) {
      problems.push({ path: [...call.path, call.kind], message: bad });
      continue;
    }
    if (call.kind === 'scene') continue;
    const script = entry!.def as ScriptDefinition;
    const fields = script.fields ?? {};
    for (const [name, value] of Object.entries(call.fields ?? {})) {
      const field = fields[name];
      if (!field)
        problems.push({
          path: [...call.path, 'fields', name],
          message: `is not a field of script "${call.id}" (fields: ${Object.keys(fields).join(', ') || 'none'})`,
        });
      else if (!(typeof value === 'string' && value.includes('{{'))) {
        const wrong = checkField(field, value);
        if (wrong) problems.push({ path: [...call.path, 'fields', name], message: `${wrong} (field of script "${call.id}")` });
      }
    }
    for (const [name, field] of Object.entries(fields)) {
      if (field.default === undefined && !(name in (call.fields ?? {})))
        problems.push({
          path: [...call.path, 'fields'],
          message: `needs ${name} (a ${field.type} field of script "${call.id}" without a default)`,
        });
    }
    if (self) {
      const loop = loopBack(call.id, self.slice('script:'.length), lookup);
      if (loop)
        problems.push({
          path: [...call.path, 'script'],
          message: `calls back into script "${self.slice(7)}": a loop (${[self.slice(7), ...loop].join(' → ')})`,
        });
    }
  }
  return problems;
}

/** The chain of scripts from `from` that reaches `target` again, if any. */
function loopBack(from: string, target: string, lookup: Lookup, seen = new Set<string>()): string[] | undefined {
  if (from === target) return [from];
  if (seen.has(from)) return undefined;
  seen.add(from);
  const entry = lookup('script', from);
  if (!entry?.valid) return undefined;
  for (const call of findCalls((entry.def as ScriptDefinition).actions, [])) {
    if (call.kind !== 'script') continue;
    const rest = loopBack(call.id, target, lookup, seen);
    if (rest) return [from, ...rest];
  }
  return undefined;
}

/**
 * A rule whose `mqtt` trigger fires on a message that a script it calls publishes would run again and again: the
 * rule and the script call each other in a loop. Told at the call.
 */
function checkRuleLoops(rule: RuleDefinition, base: Path, lookup: Lookup): Problem[] {
  const mqtt = (rule.triggers as TriggerDefinition[])
    .map((t, i) => ({ t, i }))
    .filter((x): x is { t: Extract<TriggerDefinition, { trigger: 'mqtt' }>; i: number } => x.t.trigger === 'mqtt');
  if (mqtt.length === 0) return [];
  const problems: Problem[] = [];
  for (const call of findCalls(rule.actions, [...base, 'actions'])) {
    if (call.kind !== 'script') continue;
    for (const script of reachable(call.id, lookup)) {
      const hit = findPublishes((lookup('script', script)!.def as ScriptDefinition).actions).find((p) =>
        mqtt.some(
          ({ t }) =>
            topicMatches(t.topic, p.topic) && (t.payload === undefined || (p.payload !== undefined && String(t.payload) === p.payload)),
        ),
      );
      if (!hit) continue;
      const trigger = mqtt.find(({ t }) => topicMatches(t.topic, hit.topic))!;
      problems.push({
        path: [...call.path, 'script'],
        message: `script "${script}" publishes ${hit.topic}, which fires this rule again (triggers[${trigger.i}]): rule "${rule.id}" and the script would call each other in a loop`,
      });
      break;
    }
  }
  return problems;
}

/** Scripts a call reaches: the script and those it calls, transitively. */
function reachable(id: string, lookup: Lookup, seen = new Set<string>()): string[] {
  if (seen.has(id)) return [];
  const entry = lookup('script', id);
  if (!entry?.valid) return [];
  seen.add(id);
  for (const call of findCalls((entry.def as ScriptDefinition).actions, [])) if (call.kind === 'script') reachable(call.id, lookup, seen);
  return [...seen];
}
