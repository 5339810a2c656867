// Long file: a catalogue of YAML mistakes, each check a few lines, run in one pass over the lines.
// YAML mistakes in words a homeowner understands, at the line that holds the mistake. The parser's own messages name
// grammar rules ("Nested mappings are not allowed in compact mappings") and often point at the line before.
import { Document, isMap, isScalar, LineCounter, parseDocument, visit, type YAMLError } from 'yaml';
import { inputTag } from './blocks/blueprints.js';
import { checkStructure, type Line } from './yaml-structure.js';

export interface YamlProblem {
  line: number;
  column: number;
  message: string;
}

/** Parses YAML with positions; `problems` explains its syntax errors (empty when it parsed). */
export function parseYaml(text: string): { doc: Document; lineCounter: LineCounter; problems: YamlProblem[] } {
  const lineCounter = new LineCounter();
  const deep = nestingTooDeep(text);
  if (deep) return { doc: new Document(null), lineCounter, problems: [deep] };
  try {
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, customTags: [inputTag] });
    return { doc, lineCounter, problems: doc.errors.length > 0 ? explainYamlErrors(text, doc, lineCounter) : [] };
  } catch (err) {
    // The parser recurses per level: a file nested thousands deep must not take the hub down with it.
    if (!(err instanceof RangeError)) throw err;
    return { doc: new Document(null), lineCounter, problems: [{ line: 1, column: 1, message: TOO_DEEP }] };
  }
}

export const TOO_DEEP = 'the file nests lists or mappings too deeply to be read';

/** Far beyond any rule (a few levels), far below what the parser survives (thousands). */
const MAX_FLOW_DEPTH = 100;
const MAX_INDENT = 400;

/**
 * Nesting no rule needs is refused before the parser recurses into it: near the end of the stack, V8 can abort
 * the whole process (not throw) when it compiles a regular expression, and a rule file must never stop the hub.
 */
function nestingTooDeep(text: string): YamlProblem | undefined {
  let depth = 0;
  let line = 1;
  let indent = 0;
  let atStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      line++;
      indent = 0;
      atStart = true;
      continue;
    }
    if (atStart && (ch === ' ' || ch === '-')) {
      if (++indent > MAX_INDENT)
        return { line, column: 1, message: `line ${line} is indented more than ${MAX_INDENT} columns; ${TOO_DEEP}` };
      continue;
    }
    atStart = false;
    if (ch === '[' || ch === '{') {
      if (++depth > MAX_FLOW_DEPTH)
        return {
          line,
          column: i - text.lastIndexOf('\n', i - 1),
          message: `line ${line} opens more than ${MAX_FLOW_DEPTH} [ or { inside each other; ${TOO_DEEP}`,
        };
    } else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return undefined;
}

const BLOCK_SCALAR = /^[|>][0-9+-]*$/;
const QUOTED_KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*:(?=\s|$)/;
const PLAIN_KEY = /^([^\s#"'[\]{},|>&*!%@`](?:[^:\s]|:(?!\s|$)|\s+(?![\s#]))*?)\s*:(?=\s|$)/;

export function explainYamlErrors(text: string, doc: Document, lc: LineCounter): YamlProblem[] {
  const lines = text.split(/\r?\n/);
  const scan = scanLines(lines);
  const errorLines = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY').map((e) => lineRange(e, lc));
  const near = (line: number) => errorLines.some(([from, to]) => line >= from - 1 && line <= to + 1);
  const found: YamlProblem[] = [...scan.tabs];
  if (scan.flow) found.push(scan.flow);
  else if (scan.quote) found.push(scan.quote);
  else if (scan.tabs.length === 0) {
    const first = [...scan.blockEnds, ...checkStructure(scan.lines), ...scan.afterQuote]
      .sort((a, b) => a.line - b.line)
      .find((p) => near(p.line));
    if (first) found.push(first);
  }
  const second = doc.errors.find((e) => e.code === 'MULTIPLE_DOCS');
  if (second) {
    const at = lc.linePos(second.pos[0]).line;
    found.push({
      line: at,
      column: 1,
      message: `line ${at}: "---" starts a second YAML document, but a file holds one; for several rules in one file, make it a list with "- id: …" for each rule`,
    });
  }
  if (found.length === 0 && errorLines.length > 0) {
    // Something this module does not know: the parser's words, at its place.
    const e = doc.errors.find((x) => x.code !== 'DUPLICATE_KEY')!;
    const pos = lc.linePos(e.pos[0]);
    const words = /Maximum call stack/.test(e.message) ? TOO_DEEP : e.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
    found.push({ line: pos.line, column: pos.col, message: `line ${pos.line}: ${words}` });
  }
  found.push(...duplicateKeys(doc, lc));
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

function lineRange(e: YAMLError, lc: LineCounter): [number, number] {
  return [lc.linePos(e.pos[0]).line, lc.linePos(e.pos[1]).line];
}

/**
 * Splits the source into the lines that make the block structure (skipping comments, blank lines and the inside of
 * block scalars, multi-line quotes and flow collections), and finds tabs, unclosed quotes and brackets on the way.
 */
function scanLines(source: string[]) {
  const lines: Line[] = [];
  const tabs: YamlProblem[] = [];
  const afterQuote: YamlProblem[] = [];
  let quote: YamlProblem | undefined;
  let flow: YamlProblem | undefined;
  /** While inside a block scalar (`|`, `>`): lines indented more than its key belong to it, and its first line
   *  sets the indentation of the rest. */
  let block: { parent: number; content?: number; line: number } | undefined;
  const blockEnds: YamlProblem[] = [];
  /** While inside a multi-line quoted value: its quote character. */
  let openQuote: '"' | "'" | undefined;
  /** Open `[` and `{` of a flow collection, with where they are. */
  const brackets: Array<{ ch: string; line: number; col: number }> = [];
  for (const [i, raw] of source.entries()) {
    const n = i + 1;
    const indent = raw.length - raw.trimStart().length;
    const blank = raw.trim() === '' || raw.trimStart().startsWith('#');
    if (block) {
      const spaces = leadingSpaces(raw);
      if (raw.trim() === '') continue;
      block.content ??= spaces > block.parent ? spaces : undefined;
      if (block.content !== undefined && spaces >= block.content) continue;
      if (block.content !== undefined && spaces > block.parent) {
        blockEnds.push({
          line: n,
          column: spaces + 1,
          message: `line ${n} starts in column ${spaces + 1}, left of the text above it (from line ${block.line}, in column ${block.content + 1}); indent it like the rest of that text`,
        });
      }
      block = undefined;
    }
    if (openQuote) {
      // A quoted value may go on over several lines; only one that never closes is a mistake.
      if (closingQuote(raw, 0, openQuote) >= 0) {
        openQuote = undefined;
        quote = undefined;
      }
      continue;
    }
    if (brackets.length > 0) {
      const closer = scanFlow(raw, 0, n, brackets);
      if (closer && !flow) flow = closer;
      continue;
    }
    if (blank || /^(---|\.\.\.)(\s|$)/.test(raw)) continue;
    const spaces = leadingSpaces(raw);
    if (raw[spaces] === '\t')
      tabs.push({
        line: n,
        column: spaces + 1,
        message: `line ${n} is indented with a tab; YAML allows only spaces there: replace the tab with spaces`,
      });
    const line = parseLine(raw, n, indent);
    lines.push(line);
    const v = line.value;
    if (BLOCK_SCALAR.test(v)) block = { parent: (line.key !== undefined ? line.col : (line.dashes.at(-1) ?? line.col)) - 1, line: n };
    else if (v.startsWith('"') || v.startsWith("'")) {
      const q = v[0] as '"' | "'";
      const end = closingQuote(raw, line.valueCol, q);
      if (end < 0) {
        openQuote = q;
        quote = {
          line: n,
          column: line.valueCol,
          message: `line ${n}: the ${q} in column ${line.valueCol} is never closed; end the value with ${q}`,
        };
      } else if (
        raw.slice(end + 1).trim() !== '' &&
        !raw
          .slice(end + 1)
          .trim()
          .startsWith('#')
      ) {
        const hint =
          q === "'"
            ? `to write ' inside '…', double it (''), or quote the value with "…"`
            : `to write " inside "…", write \\", or quote the value with '…'`;
        afterQuote.push({
          line: n,
          column: end + 2,
          message: `line ${n}: there is more text after the closing ${q} of the value; ${hint}`,
        });
      }
    } else if (v.startsWith('[') || v.startsWith('{')) {
      const closer = scanFlow(raw, line.valueCol - 1, n, brackets);
      if (closer && !flow) flow = closer;
    }
  }
  if (brackets.length > 0 && !flow) {
    const b = brackets[0]!;
    flow = {
      line: b.line,
      column: b.col,
      message: `line ${b.line}: the ${b.ch} in column ${b.col} is never closed; end the ${b.ch === '[' ? 'list with ]' : 'mapping with }'}`,
    };
  }
  return { lines, tabs, quote, flow, afterQuote, blockEnds };
}

function leadingSpaces(raw: string): number {
  return raw.length - raw.replace(/^ +/, '').length;
}

function parseLine(raw: string, n: number, indent: number): Line {
  const dashes: number[] = [];
  let at = indent;
  for (let m = /^-( +|$)/.exec(raw.slice(at)); m; m = /^-( +|$)/.exec(raw.slice(at))) {
    dashes.push(at + 1);
    at += m[0].length;
  }
  const rest = raw.slice(at);
  const key = QUOTED_KEY.exec(rest) ?? PLAIN_KEY.exec(rest);
  const valueStart = key ? at + key[0].length : at;
  const after = raw.slice(valueStart);
  const valueCol = valueStart + (after.length - after.trimStart().length) + 1;
  const value = after
    .trim()
    .replace(/(^|\s)#.*$/, '')
    .trim();
  return { n, indent, dashes, col: at + 1, key: key?.[1], value, valueCol, raw };
}

/** The index of the quote that closes a value opened before `from` (or at `from`), or -1. */
function closingQuote(raw: string, from: number, q: '"' | "'"): number {
  const start = raw[from] === q ? from + 1 : from;
  for (let i = start; i < raw.length; i++) {
    if (q === '"' && raw[i] === '\\') i++;
    else if (raw[i] === q) {
      if (q === "'" && raw[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

/** Follows `[`/`{` nesting through one line (outside quotes and comments); a closer with no opener is a problem. */
function scanFlow(raw: string, from: number, n: number, open: Array<{ ch: string; line: number; col: number }>): YamlProblem | undefined {
  for (let i = from; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '"' || ch === "'") {
      const end = closingQuote(raw, i, ch);
      if (end < 0) return undefined;
      i = end;
    } else if (ch === '#' && (i === 0 || /\s/.test(raw[i - 1]!))) return undefined;
    else if (ch === '[' || ch === '{') open.push({ ch, line: n, col: i + 1 });
    else if (ch === ']' || ch === '}') {
      if (open.length === 0)
        return { line: n, column: i + 1, message: `line ${n}: the ${ch} in column ${i + 1} closes nothing; remove it` };
      open.pop();
      if (open.length === 0) {
        const rest = raw.slice(i + 1).trim();
        if (rest.startsWith(']') || rest.startsWith('}'))
          return {
            line: n,
            column: raw.indexOf(rest[0]!, i + 1) + 1,
            message: `line ${n}: the ${rest[0]} in column ${raw.indexOf(rest[0]!, i + 1) + 1} closes nothing; remove it`,
          };
        if (rest !== '' && !rest.startsWith('#'))
          return { line: n, column: i + 2, message: `line ${n}: there is more text after the closing ${ch}; end the line there` };
        return undefined;
      }
    }
  }
  return undefined;
}

/** A key given twice in one mapping, with where it was first. */
function duplicateKeys(doc: Document, lc: LineCounter): YamlProblem[] {
  const found: YamlProblem[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Map<unknown, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || !pair.key.range) continue;
        const key = pair.key.value;
        const at = lc.linePos(pair.key.range[0]);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, at.line);
        else
          found.push({
            line: at.line,
            column: at.col,
            message: `line ${at.line}: "${String(key)}" is given twice in the same place (first on line ${first}); keep one of them`,
          });
      }
    },
  });
  return found;
}
