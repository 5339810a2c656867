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
    const other = [...files].find(([name, loaded]) => name !== file && loadedIds(loaded, item.kind).includes(item.id!));
    const first = other
      ? allParsed.get(other[0])?.items.find((o) => o.kind === item.kind && o.id === item.id)
      : items.slice(0, i).find((o) => o.kind === item.kind && o.id === item.id);
    if (!first) return;
    const message = `"${item.id}" is already used by ${other?.[1].file ?? display}:${first.line}`;
    const path = formatPath([...item.path, 'id']);
    found.push({ file: display, line: item.line, column: 1, path, message, text: `${display}:${item.line}:1 ${path} ${message}` });
  });
  return found;
}

/** The ids of the items of one kind a loaded file runs (or, for blueprints, offers). */
function loadedIds(loaded: LoadedFile, kind: BlockKind): string[] {
  switch (kind) {
    case 'rule':
      return loaded.rules.map((r) => r.id);
    case 'scene':
      return loaded.scenes.map((r) => r.id.slice('scene:'.length));
    case 'script':
      return loaded.scripts.map((r) => r.id.slice('script:'.length));
    case 'helper':
      return loaded.helpers.map((h) => h.id);
    case 'blueprint':
      return loaded.blueprints;
  }
}
