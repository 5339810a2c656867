// Writing and deleting rule files for the API: validated before anything touches the disk, written atomically.
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError } from '../shared/errors.js';
import type { RuleEngine } from './engine.js';
import { loadRuleText, type RuleProblem } from './rule-loader.js';

export function validateRuleText(text: string, display: string): { problems: RuleProblem[]; ids: string[] } {
  const loaded = loadRuleText(text, display, () => ({}));
  return { problems: loaded.problems, ids: loaded.rules.map((r) => r.id) };
}

export function readRuleSource(engine: RuleEngine, id: string): string | undefined {
  const where = engine.fileOf(id);
  return where ? readFileSync(join(engine.rulesDir, where.file), 'utf8') : undefined;
}

/** Creates or replaces the file of rule `id` with `text` (one rule). A rule that shares a file with others is refused. */
export function saveRule(engine: RuleEngine, id: string, text: string): { file: string; created: boolean } {
  const where = engine.fileOf(id);
  if (where && where.rules > 1) throw new HearthError('HEARTH_CONFLICT', { message: `rule "${id}" shares ${where.file} with other rules; edit that file directly` });
  const file = where?.file ?? `${id}.yaml`;
  const display = join(engine.rulesDir, file);
  const { problems, ids } = validateRuleText(text, display);
  if (problems.length > 0) {
    throw new HearthError('HEARTH_RULE_INVALID', { message: problems.map((p) => p.text).join('\n') }, { errors: problems });
  }
  if (ids.length !== 1 || ids[0] !== id) {
    throw new HearthError('HEARTH_RULE_INVALID', { message: `the YAML must hold exactly one rule with id "${id}", got ${ids.length === 0 ? 'none' : ids.map((i) => `"${i}"`).join(', ')}` });
  }
  const path = join(engine.rulesDir, file);
  const existed = existsSync(path);
  // Write beside, then rename: a crash mid-write never leaves half a rule file for the watcher to load.
  const temp = join(engine.rulesDir, `.${file}.${process.pid}.tmp`);
  writeFileSync(temp, text.endsWith('\n') ? text : text + '\n');
  renameSync(temp, path);
  engine.reloadFile(file);
  return { file, created: !existed };
}

export function deleteRule(engine: RuleEngine, id: string): void {
  const where = engine.fileOf(id);
  if (!where) throw new HearthError('HEARTH_RULE_NOT_FOUND', { id });
  if (where.rules > 1) throw new HearthError('HEARTH_CONFLICT', { message: `rule "${id}" shares ${where.file} with other rules; edit that file directly` });
  unlinkSync(join(engine.rulesDir, where.file));
  engine.removeFile(where.file);
}
