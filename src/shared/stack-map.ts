// The hub runs from a bundle whose identifiers are minified (scripts/bundle.mjs: ~1.7 MB less memory in every hub),
// so a stack trace names `e.record` at `hearth.js:1:523012`. A trace the hub prints for a bug is mapped back to the
// TypeScript with the source map beside each file (`hearth.js.map`). Not with node:module's SourceMap, which decodes
// every mapping at once (32 MB of heap for hearth.js.map): a map's text is kept, with where each of its lines starts,
// and a position is decoded from the start of its line. Maps read for a trace are let go a minute after the last one.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A source map's sources and mappings, with the decoder's state at the start of each generated line. */
interface IndexedMap {
  sources: string[];
  mappings: string;
  /** Per generated line: offset in `mappings`, then the source, original line and column carried into it. */
  lines: Int32Array;
}

const maps = new Map<string, IndexedMap | undefined>();
let forget: NodeJS.Timeout | undefined;

/**
 * `stack` with each position in a file that has a source map followed by the place in the sources it came from, as
 * the repository names it (relative to the folder that holds `dist/`):
 * `at e.record (file:///…/dist/app/hearth.js:1:523012 ← src/devices/device-registry.ts:141:7)`.
 */
export function mapStack(stack: string): string {
  clearTimeout(forget);
  forget = setTimeout(() => maps.clear(), 60_000).unref();
  return stack.replace(/((?:file:\/\/)?\/[^\s():]+\.[cm]?js):(\d+):(\d+)/g, (whole, where: string, line: string, col: string) => {
    const file = where.startsWith('file://') ? fileURLToPath(where) : where;
    if (!maps.has(file)) maps.set(file, readMap(`${file}.map`));
    const map = maps.get(file);
    const origin = map && originOf(map, Number(line) - 1, Number(col) - 1);
    if (!origin) return whole;
    const dist = file.lastIndexOf('/dist/');
    const root = dist >= 0 ? file.slice(0, dist) : process.cwd();
    const source = relative(root, resolve(dirname(file), origin.source.replace(/^file:\/\//, '')));
    return `${whole} ← ${source}:${origin.line + 1}:${origin.column + 1}`;
  });
}

function readMap(path: string): IndexedMap | undefined {
  try {
    const { sources, mappings } = JSON.parse(readFileSync(path, 'utf8')) as { sources?: unknown; mappings?: unknown };
    if (!Array.isArray(sources) || typeof mappings !== 'string') return undefined;
    const starts: number[] = [0, 0, 0, 0];
    const state = { source: 0, line: 0, column: 0 };
    for (let i = 0; i < mappings.length; ) {
      i = decodeLine(mappings, i, state, () => false);
      if (i < mappings.length) starts.push(++i, state.source, state.line, state.column); // past the ';'
    }
    return { sources: sources as string[], mappings, lines: Int32Array.from(starts) };
  } catch {
    return undefined; // no map, or an unreadable one: the trace stays as it was
  }
}

const BASE64 = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64[c.charCodeAt(0)] = i;

/** Where 0-based `line` and `column` of the generated file came from: the last mapping at or before them on that line. */
function originOf(map: IndexedMap, line: number, column: number): { source: string; line: number; column: number } | undefined {
  if (line * 4 >= map.lines.length) return undefined;
  const at = map.lines.subarray(line * 4, line * 4 + 4);
  const state = { source: at[1]!, line: at[2]!, column: at[3]! };
  let found: { source: string; line: number; column: number } | undefined;
  decodeLine(map.mappings, at[0]!, state, (genCol) => {
    if (genCol > column) return true;
    found = { source: map.sources[state.source] ?? '?', line: state.line, column: state.column };
    return false;
  });
  return found;
}

/**
 * Decodes one generated line of Source Map v3 mappings from offset `i` (lines split by `;`, segments by `,`, each
 * segment 1, 4 or 5 base64 VLQ numbers: generated column, source, original line, original column, name; the column
 * relative to the line's previous segment, the others to the file's), carrying `state` along and calling `segment`
 * with each mapped segment's generated column; stops where it returns true. Returns the offset it stopped at: the
 * line's end unless `segment` stopped it.
 */
function decodeLine(
  m: string,
  i: number,
  state: { source: number; line: number; column: number },
  segment: (genCol: number) => boolean,
): number {
  const fields = [0, 0, 0, 0, 0];
  let genCol = 0;
  while (i < m.length && m.charCodeAt(i) !== 59 /* ; */) {
    if (m.charCodeAt(i) === 44 /* , */) {
      i++;
      continue;
    }
    let n = 0;
    while (i < m.length && m.charCodeAt(i) !== 44 && m.charCodeAt(i) !== 59) {
      let value = 0;
      let shift = 0;
      let digit: number;
      do {
        digit = BASE64[m.charCodeAt(i++)] ?? -1;
        if (digit < 0) throw new Error('not a base64 VLQ mapping');
        value += (digit & 31) * 2 ** shift;
        shift += 5;
      } while (digit & 32);
      if (n < fields.length) fields[n] = value % 2 ? -Math.floor(value / 2) : value / 2;
      n++;
    }
    genCol += fields[0]!;
    if (n < 4) continue;
    state.source += fields[1]!;
    state.line += fields[2]!;
    state.column += fields[3]!;
    if (segment(genCol)) break;
  }
  return i;
}
