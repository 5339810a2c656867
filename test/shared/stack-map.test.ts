// The hub runs from a bundle with minified names: a bug's stack trace must still lead to the TypeScript line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { mapStack } from '../../src/shared/stack-map.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/hub.js';

describe('stack traces of the bundle', () => {
  it('follow each position in a minified file with its place in the sources', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'src'));
    writeFileSync(
      join(dir, 'src/thermostat.ts'),
      [
        'export function setPoint(celsius: number): number {',
        '  const limited: number = Math.min(celsius, 30);',
        "  if (limited < 5) throw new Error('below the frost guard');",
        '  return limited;',
        '}',
      ].join('\n'),
    );
    const outfile = join(dir, 'dist/app/out.js');
    await build({
      entryPoints: [join(dir, 'src/thermostat.ts')],
      outfile,
      bundle: true,
      format: 'esm',
      minifyIdentifiers: true,
      minifyWhitespace: true,
      sourcemap: 'linked',
      logLevel: 'silent',
    });
    // In a process of its own: vitest would map the trace itself.
    const script = `const { setPoint } = await import(${JSON.stringify(pathToFileURL(outfile).href)});
      try { setPoint(2); } catch (e) { console.log(e.stack); }`;
    const stack = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const frame = stack.split('\n')[1]!;
    expect(frame).toMatch(/out\.js:1:\d+\)$/); // one line, a minified name: no clue where it came from
    expect(mapStack(frame)).toBe(frame.replace(/\)$/, ' ← src/thermostat.ts:3:26)'));
  });

  it('reads the same place from a map as Node does, for every mapped position of a minified bundle', async () => {
    const dir = tempDir();
    const outfile = join(dir, 'dist/app/errors.js');
    await build({
      entryPoints: [join(import.meta.dirname, '../../src/shared/errors.ts')],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      minify: true,
      sourcemap: 'linked',
      logLevel: 'silent',
    });
    const reference = new SourceMap(JSON.parse(readFileSync(`${outfile}.map`, 'utf8')));
    const lines = readFileSync(outfile, 'utf8').split('\n');
    let compared = 0;
    for (const [line, text] of lines.entries())
      for (let col = 0; col < text.length; col += 3) {
        const entry = reference.findEntry(line, col);
        if (!('originalSource' in entry) || entry.generatedLine !== line) continue;
        const frame = `at f (${pathToFileURL(outfile).href}:${line + 1}:${col + 1})`;
        const source = relative(dir, resolve(dirname(outfile), entry.originalSource));
        expect(mapStack(frame)).toBe(frame.replace(/\)$/, ` ← ${source}:${entry.originalLine + 1}:${entry.originalColumn + 1})`));
        compared++;
      }
    expect(compared).toBeGreaterThan(500);
  });

  it('leaves positions in files without a source map as they are', () => {
    const stack = 'Error: x\n    at f (file:///nowhere/plain.js:10:5)\n    at node:internal/main:1:1';
    expect(mapStack(stack)).toBe(stack);
  });

  it('come mapped when the hub prints one', async () => {
    // HEARTH_DEBUG prints the trace of any failure; an unreadable config file is one a test can cause.
    const { code, stderr } = await runCli(['start', '--config', join(tempDir(), 'missing.yaml')], { HEARTH_DEBUG: '1' });
    expect(code).toBe(78);
    expect(stderr).toMatch(/at \S+ \(file:\/\/\S+\/dist\/app\/[\w-]+\.js:\d+:\d+ ← src\/config\/load-config\.ts:\d+:\d+\)/);
  });
});
