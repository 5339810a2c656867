// The block structure of YAML as a homeowner sees it — keys of one mapping in one column, items of one list in one
// column, children deeper than their parent key — and each line that breaks it, said in words.
import type { YamlProblem } from './yaml-mistakes.js';

/** One line of the source as the block structure sees it. */
export interface Line {
  n: number;
  indent: number;
  /** Columns (1-based) of the `-` list markers that open the line. */
  dashes: number[];
  /** Column where the key or value after the markers starts. */
  col: number;
  key?: string;
  /** The text after `key:` (or after the markers when there is no key), without a trailing comment. */
  value: string;
  valueCol: number;
  raw: string;
}

interface Level {
  col: number;
  kind: 'map' | 'seq';
  line: number;
}

/**
 * Walks the block structure as YAML does (keys of one mapping in one column, items of one list in one column,
 * children deeper than their parent key) and reports each line that breaks it, in the order they come.
 */
export function checkStructure(lines: Line[]): YamlProblem[] {
  const found: YamlProblem[] = [];
  const stack: Level[] = [];
  /** The line before, when it ended with `key:` or a bare `-`: the next line may be its child. */
  let opener: { col: number; isKey: boolean } | undefined;
  let previous: Line | undefined;
  for (const line of lines) {
    const first = line.indent + 1;
    const isDash = line.dashes.length > 0;
    const problem = lineMistake(line) ?? placeMistake();
    if (problem) found.push(problem);
    if (problem || !isContinuation()) {
      if (problem) while (stack.length > 0 && stack.at(-1)!.col >= first) stack.pop();
      for (const col of line.dashes) stack.push({ col, kind: 'seq', line: line.n });
      if (line.key !== undefined) stack.push({ col: line.col, kind: 'map', line: line.n });
      opener =
        line.key !== undefined && line.value === ''
          ? { col: line.col, isKey: true }
          : isDash && line.key === undefined && line.value === ''
            ? { col: line.dashes.at(-1)!, isKey: false }
            : undefined;
      previous = line;
    }

    // A deeper line without a key or a list marker, after a plain value, continues that value on a new line.
    function isContinuation(): boolean {
      return !isDash && line.key === undefined && previous?.value !== '' && first > (stack.at(-1)?.col ?? 0) && opener === undefined;
    }

    function placeMistake(): YamlProblem | undefined {
      if (opener && (first > opener.col || (first === opener.col && isDash && opener.isKey))) return undefined;
      opener = undefined;
      const seqAbove = [...stack].reverse().find((l) => l.kind === 'seq');
      let popped = false;
      while (stack.length > 0 && stack.at(-1)!.col > first) {
        stack.pop();
        popped = true;
      }
      // A key may sit in the column of a list's `-` when that list hangs under a key in the same column.
      if (!isDash && stack.at(-1)?.kind === 'seq' && stack.at(-1)!.col === first) {
        stack.pop();
        popped = true;
      }
      const top = stack.at(-1);
      if (top && top.col === first && (top.kind === 'seq') === isDash) {
        stack.pop();
        if (!isDash && line.key === undefined) return keyMistake(line);
        return undefined;
      }
      // The first line of the document, or a line back at its left edge after a mistake.
      if (!top && !popped) return !isDash && line.key === undefined ? keyMistake(line) : undefined;
      if (isDash && seqAbove) return listMistake(line, seqAbove);
      if (!popped && line.key === undefined && !isDash && previous?.value !== '') return undefined;
      return popped ? shallower(line, previous) : deeper(line, previous);
    }
  }
  return found;
}

/** Mistakes visible on the line alone: `-item`, `key:value`, a value holding `: `. */
function lineMistake(line: Line): YamlProblem | undefined {
  const text = line.raw.slice(line.col - 1).trim();
  const n = line.n;
  if (/^-[^\s-]/.test(text))
    return {
      line: n,
      column: line.col,
      message: `line ${n}: "${text}" needs a space after the "-" to be a list item: "- ${text.slice(1)}"`,
    };
  const value = line.value;
  const glued = /^([A-Za-z_][\w-]*):([^\s:/].*)$/.exec(value);
  if (line.key === undefined && line.dashes.length > 0 && glued)
    return { line: n, column: line.col, message: `line ${n}: "${value}" needs a space after the colon: "${glued[1]}: ${glued[2]}"` };
  if (line.key !== undefined && value !== '' && !/^["'[{|>&*!]/.test(value) && /:(\s|$)/.test(value)) {
    return {
      line: n,
      column: line.valueCol,
      message: `line ${n}: the value of "${line.key}" holds a colon, which YAML reads as another key; put the value in quotes: ${line.key}: "${value.replace(/"/g, '\\"')}"`,
    };
  }
  return undefined;
}

function keyMistake(line: Line): YamlProblem {
  const text = line.value;
  const n = line.n;
  const glued = /^([^\s:]+):(\S.*)$/.exec(text);
  if (glued)
    return { line: n, column: line.col, message: `line ${n}: "${text}" needs a space after the colon: "${glued[1]}: ${glued[2]}"` };
  return {
    line: n,
    column: line.col,
    message: `line ${n}: "${text}" is where a key belongs, but has no colon after it; write "${text.split(/\s/)[0]}: …"`,
  };
}

function deeper(line: Line, above: Line | undefined): YamlProblem {
  const n = line.n;
  if (above?.key !== undefined) {
    return {
      line: n,
      column: line.indent + 1,
      message: `line ${n} is indented deeper than the key above it ("${above.key}" on line ${above.n}), which already has a value; start it in column ${above.col}, like "${above.key}"`,
    };
  }
  return {
    line: n,
    column: line.indent + 1,
    message: `line ${n} is indented deeper than line ${above?.n ?? n - 1} above it; start it in column ${above?.col ?? 1}`,
  };
}

function shallower(line: Line, above: Line | undefined): YamlProblem {
  const n = line.n;
  const what =
    above?.key !== undefined
      ? `the key above it ("${above.key}" on line ${above.n} starts in column ${above.col})`
      : `line ${above?.n ?? n - 1} above it (column ${above?.col ?? 1})`;
  return {
    line: n,
    column: line.indent + 1,
    message: `line ${n} starts in column ${line.indent + 1}, less than ${what}; keys that belong together must start in the same column`,
  };
}

function listMistake(line: Line, list: Level): YamlProblem {
  const n = line.n;
  const col = line.dashes[0]!;
  return {
    line: n,
    column: col,
    message: `line ${n}: this list item's "-" is in column ${col}, but the "-" of the item on line ${list.line} is in column ${list.col}; the items of one list must line up`,
  };
}
