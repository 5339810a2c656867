// The hub runs from a bundle whose identifiers are minified (scripts/bundle.mjs: ~1.7 MB less memory in every hub),
// so a stack trace names `e.record` at `hearth.js:1:523012`. A trace the hub prints for a bug is mapped back to the
// TypeScript with the source map beside each file (`hearth.js.map`), read only when a trace needs it.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const maps = new Map<string, SourceMap | undefined>();

function mapOf(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    let map: SourceMap | undefined;
    try {
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = undefined; // an unreadable map leaves the trace as it was
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

/**
 * `stack` with each position in a file that has a source map followed by the place in the sources it came from, as
 * the repository names it (relative to the folder that holds `dist/`):
 * `at e.record (file:///…/dist/app/hearth.js:1:523012 ← src/devices/device-registry.ts:141:7)`.
 */
export function mapStack(stack: string): string {
  return stack.replace(/((?:file:\/\/)?\/[^\s():]+\.[cm]?js):(\d+):(\d+)/g, (whole, where: string, line: string, col: string) => {
    const file = where.startsWith('file://') ? fileURLToPath(where) : where;
    const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(col) - 1);
    if (!entry || !('originalSource' in entry)) return whole;
    const dist = file.lastIndexOf('/dist/');
    const root = dist >= 0 ? file.slice(0, dist) : process.cwd();
    const source = relative(root, resolve(dirname(file), entry.originalSource.replace(/^file:\/\//, '')));
    return `${whole} ← ${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
