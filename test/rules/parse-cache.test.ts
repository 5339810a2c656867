// The rule parse cache, as a homeowner meets it: a restart loads the same rules, with the same problems at the same
// file:line:column, whether a file was parsed or came from the cache; an edited file is parsed again; a broken or
// unwritable cache costs time, never a rule.
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParseCache } from '../../src/rules/blocks/parse-cache.js';
import { RuleDirectory } from '../../src/rules/rule-directory.js';
import type { LoadedFile } from '../../src/rules/rule-loader.js';
import { systemClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** What a user sees of a loaded file: its rules, scenes, scripts, helpers and problems, and what it reads. */
function view(files: LoadedFile[]) {
  const rules = (list: LoadedFile['rules']) => list.map((r) => ({ id: r.id, line: r.line, mode: r.mode, definition: r.definition }));
  return files.map((f) => ({
    file: f.file,
    problems: f.problems.map((p) => p.text),
    rules: rules(f.rules),
    scenes: rules(f.scenes),
    scripts: rules(f.scripts),
    helpers: f.helpers,
    blueprints: f.blueprints,
    defines: f.defines,
    reads: f.reads,
  }));
}

/** A hub's start: the rules dir loaded with the cache kept in `dataDir` (a fresh ParseCache, as after a restart). */
function start(rulesDir: string, dataDir: string) {
  const logger = createMemoryLogger('warn');
  const parseCache = ParseCache.open(join(dataDir, 'rules-cache.json'), logger);
  const directory = new RuleDirectory({ dir: rulesDir, clock: systemClock, logger, parseCache });
  return { directory, files: directory.loadAll(), logs: logger.lines };
}

function cacheEntries(dataDir: string): number {
  return Object.keys(JSON.parse(readFileSync(join(dataDir, 'rules-cache.json'), 'utf8')).entries).length;
}

/** A rules dir holding cool.yaml, and a data dir without a cache yet. */
function coolDirs() {
  const rulesDir = tempDir();
  writeFileSync(join(rulesDir, 'cool.yaml'), COOL);
  return { rulesDir, dataDir: tempDir() };
}

const COOL = `id: cool
description: AC on when hot
triggers:
  - trigger: numeric_state
    topic: home/living/temperature
    above: 26
actions:
  - action: publish
    topic: home/ac/power/set
    payload: "on"
`;

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

describe('rule parse cache', () => {
  it('a restarted hub runs its rules from the cache in its data dir', async () => {
    const dataDir = tempDir();
    const rulesDir = join(dataDir, 'rules');
    th = await startTestHub({ dataDir, rulesDir });
    // Written while the hub runs: its reload puts the file in the cache.
    writeFileSync(join(rulesDir, 'cool.yaml'), COOL);
    await waitFor(() => th!.hub.ruleDirectory.loaded('cool.yaml')?.rules.length === 1, 'rule loaded');
    th = await th.restart();
    expect(cacheEntries(dataDir)).toBe(1);
    const ac = await th.connect({ clientId: 'ac' });
    const commands: string[] = [];
    ac.on('message', (_topic, payload) => commands.push(payload.toString()));
    await ac.subscribeAsync('home/ac/power/set', { qos: 1 });
    const sensor = await th.connect({ clientId: 'thermometer' });
    await sensor.publishAsync('home/living/temperature', '27', { qos: 1 });
    await waitFor(() => commands.length === 1, 'AC command');
    expect(commands).toEqual(['on']);
  });

  it('a restart loads the shipped rules exactly as parsing them does, problems and lines included', () => {
    const rulesDir = tempDir();
    for (const name of readdirSync(join(ROOT, 'rules')).filter((n) => /\.ya?ml$/.test(n) && !n.includes('.test.')))
      copyFileSync(join(ROOT, 'rules', name), join(rulesDir, name));
    // A file with its own problems and one that calls a script no file defines (located through the document).
    writeFileSync(
      join(rulesDir, 'zz-broken.yaml'),
      `id: broken\ntriggers:\n  - trigger: numeric_state\n    topic: home/a/t\n    above: hot\nactions: []\n`,
    );
    writeFileSync(
      join(rulesDir, 'zz-calls.yaml'),
      `id: calls\ntriggers:\n  - trigger: state\n    topic: home/door/open\nactions:\n  - action: script\n    script: no-such-script\n`,
    );
    const parsedOnly = view(new RuleDirectory({ dir: rulesDir, clock: systemClock, logger: createMemoryLogger('warn') }).loadAll());
    const dataDir = tempDir();
    const first = start(rulesDir, dataDir);
    const second = start(rulesDir, dataDir);
    expect(view(first.files)).toEqual(parsedOnly);
    expect(view(second.files)).toEqual(parsedOnly);
    // The cases the test means to cover are there: rules, problems at a line, a problem found across files.
    const problems = parsedOnly.flatMap((f) => f.problems);
    expect(parsedOnly.flatMap((f) => f.rules).length).toBeGreaterThan(5);
    expect(problems.some((p) => /zz-broken\.yaml:5:12 triggers\[0\]\.above/.test(p))).toBe(true);
    expect(problems.some((p) => /zz-calls\.yaml:7:\d+ .*no-such-script/.test(p))).toBe(true);
    expect(second.logs.filter((l) => /cache/.test(l))).toEqual([]);
    // The second start took every file without an !input from the cache.
    const plain = readdirSync(rulesDir).filter((n) => !readFileSync(join(rulesDir, n), 'utf8').includes('!input'));
    expect(cacheEntries(dataDir)).toBe(plain.length);
  });

  it('a file is read from the cache by its text, and parsed again once it is edited', () => {
    const { rulesDir, dataDir } = coolDirs();
    start(rulesDir, dataDir);
    // What the cache holds for this text is what the next start uses: change it behind Hearth's back to see it.
    const file = join(dataDir, 'rules-cache.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('AC on when hot', 'from the cache'));
    expect(start(rulesDir, dataDir).files[0]!.rules[0]!.definition).toMatchObject({ description: 'from the cache' });
    writeFileSync(join(rulesDir, 'cool.yaml'), COOL.replace('above: 26', 'above: 27'));
    const edited = start(rulesDir, dataDir).files[0]!.rules[0]!;
    expect(edited.definition).toMatchObject({ description: 'AC on when hot' });
    expect(JSON.stringify(edited.definition)).toContain('"above":27');
    // The entry of the old text is dropped at that save: the cache holds what the dir holds.
    expect(cacheEntries(dataDir)).toBe(1);
  });

  it('a reloaded file replaces its entry in the cache, and a file that is removed leaves it at the next start', () => {
    const rulesDir = tempDir();
    const dataDir = tempDir();
    writeFileSync(join(rulesDir, 'a.yaml'), COOL);
    writeFileSync(join(rulesDir, 'b.yaml'), COOL.replace('id: cool', 'id: cool-b'));
    const { directory } = start(rulesDir, dataDir);
    expect(cacheEntries(dataDir)).toBe(2);
    // However often a file is edited while the hub runs, the cache holds what the dir holds.
    for (const above of [27, 28, 29, 30]) {
      writeFileSync(join(rulesDir, 'a.yaml'), COOL.replace('above: 26', `above: ${above}`));
      directory.reload('a.yaml');
    }
    expect(cacheEntries(dataDir)).toBe(2);
    rmSync(join(rulesDir, 'b.yaml'));
    start(rulesDir, dataDir);
    expect(cacheEntries(dataDir)).toBe(1);
  });

  it('blueprints with !input are parsed at every start, and work the same', () => {
    const rulesDir = tempDir();
    const dataDir = tempDir();
    copyFileSync(join(ROOT, 'rules', 'blueprints.yaml'), join(rulesDir, 'blueprints.yaml'));
    const first = view(start(rulesDir, dataDir).files);
    expect(first[0]!.blueprints.length).toBeGreaterThan(0);
    expect(first[0]!.problems).toEqual([]);
    expect(existsSync(join(dataDir, 'rules-cache.json')) ? cacheEntries(dataDir) : 0).toBe(0);
    expect(view(start(rulesDir, dataDir).files)).toEqual(first);
  });

  it('a corrupt cache is set aside with a warning and rewritten; the rules load', () => {
    const { rulesDir, dataDir } = coolDirs();
    writeFileSync(join(dataDir, 'rules-cache.json'), '{"format":1,"yaml":');
    const { files, logs } = start(rulesDir, dataDir);
    expect(files[0]!.rules.map((r) => r.id)).toEqual(['cool']);
    expect(logs.join('\n')).toMatch(/rule parse cache .*rules-cache\.json unreadable, starting afresh/);
    expect(cacheEntries(dataDir)).toBe(1);
  });

  it('a cache of another yaml version or format is not used', () => {
    const { rulesDir, dataDir } = coolDirs();
    start(rulesDir, dataDir);
    const file = join(dataDir, 'rules-cache.json');
    const kept = JSON.parse(readFileSync(file, 'utf8'));
    const poisoned = Object.fromEntries(
      Object.entries(kept.entries).map(([k, e]) => [k, { ...(e as object), json: JSON.stringify({ id: 'poisoned' }) }]),
    );
    writeFileSync(file, JSON.stringify({ ...kept, yaml: '0.0.1', entries: poisoned }));
    expect(start(rulesDir, dataDir).files[0]!.rules.map((r) => r.id)).toEqual(['cool']);
    writeFileSync(file, JSON.stringify({ ...kept, format: 999, entries: poisoned }));
    expect(start(rulesDir, dataDir).files[0]!.rules.map((r) => r.id)).toEqual(['cool']);
  });

  it('a cache that cannot be written costs a warning, not the rules', () => {
    const { rulesDir, dataDir } = coolDirs();
    // Its directory is a file: nothing can be written there, whoever runs the test (root included).
    writeFileSync(join(dataDir, 'not-a-dir'), '');
    const logger = createMemoryLogger('warn');
    const parseCache = ParseCache.open(join(dataDir, 'not-a-dir', 'rules-cache.json'), logger);
    const directory = new RuleDirectory({ dir: rulesDir, clock: systemClock, logger, parseCache });
    expect(directory.loadAll()[0]!.rules.map((r) => r.id)).toEqual(['cool']);
    directory.reload('cool.yaml');
    expect(logger.lines.filter((l) => /cannot be written, rules are parsed at every start/.test(l))).toHaveLength(1);
  });
});
