// Writing and deleting rule files for the API, by rule id or by file: validated before anything touches the disk
// (every problem named under the file's own path), written atomically.
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError } from '../shared/errors.js';
import type { RuleDirectory } from './rule-directory.js';
import type { LoadedFile, RuleProblem } from './rule-loader.js';

/** Validates YAML as file `fileName` of the rules dir: named as the hub names it, and with ids other files use. */
export function validateRuleFile(directory: RuleDirectory, fileName: string, text: string): { problems: RuleProblem[]; ids: string[] } {
  const loaded = directory.check(fileName, text);
  return { problems: loaded.problems, ids: loaded.rules.map((r) => r.id) };
}

export function readRuleSource(directory: RuleDirectory, id: string): string | undefined {
  const where = directory.fileOf(id);
  return where ? readRuleFileSource(directory, where.file) : undefined;
}

export function readRuleFileSource(directory: RuleDirectory, fileName: string): string {
  return readFileSync(join(directory.dir, fileName), 'utf8');
}

/** Creates or replaces the file of rule `id` with `text` (one rule). A rule that shares a file with others is refused. */
export function saveRule(directory: RuleDirectory, id: string, text: string): { file: string; created: boolean } {
  const where = directory.fileOf(id);
  if (where && where.rules > 1)
    throw new HearthError('HEARTH_CONFLICT', {
      message: `rule "${id}" shares ${where.file} with other rules; edit that file (PUT /api/rule-files/${where.file})`,
    });
  const file = where?.file ?? `${id}.yaml`;
  const others = where ? [] : (directory.file(file)?.rules ?? []);
  if (others.length > 0)
    throw new HearthError('HEARTH_CONFLICT', {
      message: `${file} already holds rule ${others.map((r) => `"${r.id}"`).join(', ')}; edit that file (PUT /api/rule-files/${file})`,
    });
  const { ids } = checked(directory, file, text);
  if (ids.length !== 1 || ids[0] !== id) {
    throw new HearthError('HEARTH_RULE_INVALID', {
      message: `the YAML must hold exactly one rule with id "${id}", got ${ids.length === 0 ? 'none' : ids.map((i) => `"${i}"`).join(', ')}`,
    });
  }
  return { file, created: write(directory, file, text) };
}

/** Creates or replaces a whole rule file (rules, scenes, scripts, helpers, blueprints); it must hold something. */
export function saveRuleFile(directory: RuleDirectory, fileName: string, text: string): { created: boolean } {
  const { defines } = checked(directory, fileName, text);
  if (Object.values(defines).every((ids) => ids.length === 0)) {
    throw new HearthError('HEARTH_RULE_INVALID', {
      message: `${directory.displayPath(fileName)} must hold at least one rule, scene, script, helper or blueprint; to remove the file, delete it`,
    });
  }
  return { created: write(directory, fileName, text) };
}

export function deleteRule(directory: RuleDirectory, id: string): void {
  const where = directory.fileOf(id);
  if (!where) throw new HearthError('HEARTH_RULE_NOT_FOUND', { id });
  if (where.rules > 1)
    throw new HearthError('HEARTH_CONFLICT', {
      message: `rule "${id}" shares ${where.file} with other rules; edit that file (PUT /api/rule-files/${where.file})`,
    });
  deleteRuleFile(directory, where.file);
}

export function deleteRuleFile(directory: RuleDirectory, fileName: string): void {
  if (!directory.file(fileName)) throw new HearthError('HEARTH_NOT_FOUND', { message: `No rule file "${fileName}"` });
  unlinkSync(join(directory.dir, fileName));
  directory.remove(fileName);
}

function checked(directory: RuleDirectory, fileName: string, text: string): { ids: string[]; defines: LoadedFile['defines'] } {
  const loaded = directory.check(fileName, text);
  const problems = loaded.problems;
  if (problems.length > 0)
    throw new HearthError('HEARTH_RULE_INVALID', { message: problems.map((p) => p.text).join('\n') }, { errors: problems });
  return { ids: loaded.rules.map((r) => r.id), defines: loaded.defines };
}

/** Writes beside, then renames: a crash mid-write never leaves half a rule file for the watcher to load. */
export function write(directory: RuleDirectory, fileName: string, text: string): boolean {
  const path = join(directory.dir, fileName);
  const existed = existsSync(path);
  const temp = join(directory.dir, `.${fileName}.${process.pid}.tmp`);
  writeFileSync(temp, text.endsWith('\n') ? text : text + '\n');
  renameSync(temp, path);
  directory.reload(fileName);
  return !existed;
}
