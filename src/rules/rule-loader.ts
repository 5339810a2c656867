// Loading a file of the rules dir: parsed (YAML with positions, each item checked on its own), then compiled against
// the catalog of what every file defines (blueprints, scenes, scripts), with every problem located at
// file:line:column with its path. Nothing here runs a rule.
import { readFileSync } from 'node:fs';
import type { HelperDefinition } from '../helpers/helper-schema.js';
import { Catalog } from './blocks/catalog.js';
import { compileParsed } from './blocks/compile-file.js';
import type { ParseCache } from './blocks/parse-cache.js';
import { parseRuleText, type BlockKind, type ParsedFile } from './blocks/parse-file.js';
import type { CompiledRule } from './compile-rule.js';
import { problem, type RuleProblem } from './problems.js';
import { RULE_ID_PATTERN } from './schema.js';

export { compileRule, type CompiledRule } from './compile-rule.js';
export { position, type RuleProblem } from './problems.js';

export interface LoadedFile {
  file: string;
  rules: CompiledRule[];
  /** Scenes and scripts, compiled to runs the engine keeps (`scene:<id>`, `script:<id>`). */
  scenes: CompiledRule[];
  scripts: CompiledRule[];
  helpers: HelperDefinition[];
  /** Ids of the blueprints it defines. */
  blueprints: string[];
  /** Every rule id the file names, valid or not: how a broken file is still found by its rules' ids. */
  ids: string[];
  /** Every id the file names, by kind, valid or not. */
  defines: Record<BlockKind, string[]>;
  problems: RuleProblem[];
  /** Definitions of other files it depends on (`blueprint:motion-light`, `script:announce`, …). */
  reads: string[];
}

/** Reads one file from disk; `display` is how the file is named in messages (e.g. relative to the rules dir). */
export function parseRuleFile(path: string, display: string, cache?: ParseCache): ParsedFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const parsed = parseRuleText('', display);
    parsed.problems.push(
      problem(display, 1, 1, '', `cannot be read: ${code === 'ENOENT' ? 'there is no such file' : (code ?? (err as Error).message)}`),
    );
    return parsed;
  }
  return parseRuleText(text, display, cache);
}

/** Loads one file on its own (what it uses from other files is unknown to it). */
export function loadRuleFile(path: string, display: string): LoadedFile {
  const parsed = parseRuleFile(path, display);
  return loadParsed(parsed, Catalog.of([[display, parsed]]));
}

export function loadRuleText(text: string, display: string): LoadedFile {
  const parsed = parseRuleText(text, display);
  return loadParsed(parsed, Catalog.of([[display, parsed]]));
}

/** Compiles a parsed file against `catalog`; a file with problems of its own compiles nothing. */
export function loadParsed(parsed: ParsedFile, catalog: Catalog): LoadedFile {
  const defines: Record<BlockKind, string[]> = { rule: [], scene: [], script: [], helper: [], blueprint: [] };
  const pattern = new RegExp(RULE_ID_PATTERN);
  for (const item of parsed.items)
    if (item.id !== undefined && pattern.test(item.id) && !defines[item.kind].includes(item.id)) defines[item.kind].push(item.id);
  const base = { file: parsed.file, ids: defines.rule, defines };
  if (parsed.problems.length > 0)
    return { ...base, rules: [], scenes: [], scripts: [], helpers: [], blueprints: [], problems: [...parsed.problems], reads: [] };
  const compiled = compileParsed(parsed, catalog);
  return { ...base, ...compiled };
}
