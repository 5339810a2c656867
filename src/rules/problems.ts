// Problems of rule files as users see them: `rules/ac.yaml:5:12 triggers[0].above must be a number, got "hot"`, and
// where a path into a file's value is in its YAML.
import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Path } from './validate.js';

import type { RuleProblem } from './rule-views.js';

export type { RuleProblem };

export function problem(file: string, line: number, column: number, path: string, message: string): RuleProblem {
  return { file, line, column, path, message, text: `${file}:${line}:${column} ${path ? `${path} ` : ''}${message}` };
}

/** Where a path points in the YAML: the value's node, the key itself for unknown keys, else the nearest parent. */
export function position(doc: Document, lc: LineCounter, path: Path, atKey: boolean): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    if (atKey && n === path.length && n > 0) {
      const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === prefix[prefix.length - 1]);
        const range = (pair?.key as Node | undefined)?.range;
        if (range) return lc.linePos(range[0]);
      }
      continue;
    }
    const node = (prefix.length === 0 ? doc.contents : doc.getIn(prefix, true)) as Node | undefined;
    if (node?.range) {
      // A missing key is reported at its parent mapping's first key.
      if ((isMap(node) || isSeq(node)) && n < path.length && node.items.length > 0) {
        const first: unknown = node.items[0];
        const at = isPair(first) ? first.key : first;
        const r = isNode(at) ? at.range : undefined;
        if (r) return lc.linePos(r[0]);
      }
      return lc.linePos(node.range[0]);
    }
  }
  return { line: 1, col: 1 };
}
