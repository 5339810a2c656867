// Ids used twice: an item whose id another loaded file already uses for the same kind of item (a rule, a scene, a
// script, a helper, a blueprint), or an earlier item of the same file. Each is told at the item, naming the first.
import type { RuleProblem } from '../problems.js';
import type { LoadedFile } from '../rule-loader.js';
import { formatPath } from '../validate.js';
import type { BlockKind, ParsedFile } from './parse-file.js';

export function findClashes(
  file: string,
  display: string,
  parsed: ParsedFile,
  files: Map<string, LoadedFile>,
  allParsed: Map<string, ParsedFile>,
): RuleProblem[] {
  const found: RuleProblem[] = [];
  const items = parsed.items.filter((i) => i.id !== undefined);
  items.forEach((item, i) => {
    const other = otherFileUsing(files, file, item.kind, item.id!);
    const first = other
      ? allParsed.get(other)?.items.find((o) => o.kind === item.kind && o.id === item.id)
      : items.slice(0, i).find((o) => o.kind === item.kind && o.id === item.id);
    if (!first) return;
    const message = `"${item.id}" is already used by ${other ? files.get(other)!.file : display}:${first.line}`;
    const path = formatPath([...item.path, 'id']);
    found.push({ file: display, line: item.line, column: 1, path, message, text: `${display}:${item.line}:1 ${path} ${message}` });
  });
  return found;
}

/**
 * The first loaded file other than `file` that runs (or, for blueprints, offers) an item of this kind with this id.
 * At start each file is checked against those loaded before it: plain loops over names and items, since the lists
 * and entry pairs made for each check were ~1 MB of garbage for 100 rule files.
 */
function otherFileUsing(files: Map<string, LoadedFile>, file: string, kind: BlockKind, id: string): string | undefined {
  // The id as the loaded file holds it: scenes and scripts there are `scene:<id>` and `script:<id>`.
  const held = kind === 'scene' ? `scene:${id}` : kind === 'script' ? `script:${id}` : id;
  for (const name of files.keys()) {
    if (name !== file && usesId(files.get(name)!, kind, held)) return name;
  }
  return undefined;
}

function usesId(loaded: LoadedFile, kind: BlockKind, held: string): boolean {
  if (kind === 'blueprint') return loaded.blueprints.includes(held);
  const items = itemsOf(loaded, kind);
  for (let i = 0; i < items.length; i++) if (items[i]!.id === held) return true;
  return false;
}

/** What a loaded file runs of one kind. */
function itemsOf(loaded: LoadedFile, kind: Exclude<BlockKind, 'blueprint'>): ReadonlyArray<{ id: string }> {
  switch (kind) {
    case 'rule':
      return loaded.rules;
    case 'scene':
      return loaded.scenes;
    case 'script':
      return loaded.scripts;
    case 'helper':
      return loaded.helpers;
  }
}
