// Rule files: every problem with file:line:column, a bad file disabling only itself, duplicates, hot reload,
// the check command, and the editor schema staying in sync.
import { readFileSync, unlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRulesCheck } from '../../src/cli/rules-check.js';
import { SETTLE_MS } from '../../src/rules/rules-dir-watcher.js';
import { editorSchema } from '../../src/rules/editor-schema.js';
import { startEngine, type EngineHarness } from '../helpers/engine.js';
import { waitFor } from '../helpers/hub.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const GOOD = (id: string, topic = 'home/a/b') => `
id: ${id}
triggers:
  - trigger: state
    topic: ${topic}
    for: 1m
actions:
  - action: publish
    topic: home/${id}/x/set
    payload: fired
`;

const BAD = `id: ac
triggers:
  - trigger: numeric_state
    topic: home/livingroom/temperature
    above: hot
    for: 5 minutes
actions:
  - acton: publish
  - action: publish
    topic: home/ac/power/set
    payloud: "on"
mode: sometimes
`;

describe('loading rule files', () => {
  it('reports every problem with file:line:column and path, and disables only that file', async () => {
    h = await startEngine({ 'ac.yaml': BAD, 'good.yaml': GOOD('good') });
    const texts = h.directory.problems.map((p) => p.text.replace(/^.*ac\.yaml/, 'ac.yaml'));
    expect(texts).toEqual([
      'ac.yaml:12:7 mode must be one of "single", "restart", "queued", "parallel", got "sometimes"',
      'ac.yaml:5:12 triggers[0].above must be a number, got "hot"',
      'ac.yaml:8:5 actions[0] is not an action: expected "action: publish|log|notify|scene|script" or one of the keys delay, wait_for_trigger, if, choose, repeat, variables, stop; got keys acton',
      'ac.yaml:11:5 actions[1].payloud is not a known key (known: action, topic, payload, qos, retain, alias)',
    ]);
    const list = h.directory.list();
    expect(list.find((r) => r.file.endsWith('ac.yaml'))!.status).toBe('invalid');
    expect(list.find((r) => r.id === 'good')!.status).toBe('active');
  });

  it('reports YAML syntax errors and bad durations at their place', async () => {
    h = await startEngine({
      'syntax.yaml': 'id: x\ntriggers: [\n',
      'dur.yaml': GOOD('dur').replace('for: 1m', 'for: 5 minutes'),
    });
    const texts = h.directory.problems.map((p) => p.text.replace(/^.*\/(\w+\.yaml)/, '$1'));
    expect(texts.some((t) => /^syntax\.yaml:\d+:\d+ /.test(t))).toBe(true);
    expect(texts).toContain('dur.yaml:6:10 triggers[0].for must be a duration like 30s, 5m, 1h30m or "00:05:00", got "5 minutes"');
  });

  it('names both files for a duplicate id', async () => {
    h = await startEngine({ 'a.yaml': GOOD('same'), 'b.yaml': GOOD('same') });
    const text = h.directory.problems[0]!.text;
    expect(text).toMatch(/b\.yaml:2:1 id "same" is already used by .*a\.yaml:2$/);
  });

  it('an id used twice, in one file or across three, is told the same way by the hub and by `hearth rules check`', async () => {
    const twice = `- ${GOOD('x', 'home/a/b').trim().replace(/\n/g, '\n  ')}\n- ${GOOD('x', 'home/c/d').trim().replace(/\n/g, '\n  ')}\n`;
    h = await startEngine({ 'a.yaml': GOOD('same'), 'b.yaml': GOOD('same'), 'c.yaml': GOOD('same'), 'twice.yaml': twice });
    const hub = h.directory.problems.map((p) => p.text);
    const inDir = `${relative(process.cwd(), h.dir)}/`;
    expect(hub.map((t) => t.replaceAll(inDir, ''))).toEqual([
      'b.yaml:2:1 id "same" is already used by a.yaml:2',
      'c.yaml:2:1 id "same" is already used by a.yaml:2',
      'twice.yaml:10:1 [1].id "x" is already used by twice.yaml:1',
    ]);
    // Neither of the two rules of twice.yaml runs: the file is refused as a whole, as any file with a problem.
    expect(
      h.directory
        .list()
        .filter((r) => r.status !== 'invalid')
        .map((r) => r.id),
    ).toEqual(['same']);
    await h.publish('home/c/d', 'on');
    await h.clock.advance(60_000);
    expect(h.commands()).toEqual([]);
    const lines: string[] = [];
    expect(await runRulesCheck(h.dir, (l) => lines.push(l))).toBe(1);
    expect(lines).toEqual([...hub, '3 problem(s) in 4 file(s)']);
  });

  it('a scene, a script or a helper whose id another file uses is told at its place; the same id for another kind is not', async () => {
    const scene = (id: string) => `scenes:\n  - id: ${id}\n    states:\n      home/lamp/power: "on"\n`;
    const script = (id: string) =>
      `scripts:\n  - id: ${id}\n    actions:\n      - action: publish\n        topic: home/x/y\n        payload: "1"\n`;
    const helper = (id: string) => `helpers:\n  - { id: ${id}, type: toggle }\n`;
    h = await startEngine({
      'a.yaml': scene('cosy') + script('wake') + helper('away'),
      'b.yaml': scene('cosy'),
      'c.yaml': script('wake'),
      'd.yaml': helper('away'),
      // Another kind of item may use the same id.
      'e.yaml': scene('wake') + helper('cosy'),
    });
    const inDir = `${relative(process.cwd(), h.dir)}/`;
    expect(h.directory.problems.map((p) => p.text.replaceAll(inDir, ''))).toEqual([
      'b.yaml:2:1 scenes[0].id "cosy" is already used by a.yaml:2',
      'c.yaml:2:1 scripts[0].id "wake" is already used by a.yaml:6',
      'd.yaml:2:1 helpers[0].id "away" is already used by a.yaml:12',
    ]);
  });

  it('a rule a user disabled stays disabled when its file is reloaded', async () => {
    h = await startEngine({ 'one.yaml': GOOD('one') });
    h.engine.disable('one');
    h.write('one.yaml', GOOD('one').replace('payload: fired', 'payload: edited'));
    h.directory.reload('one.yaml');
    expect(h.directory.get('one')).toMatchObject({ status: 'disabled' });
    await h.publish('home/a/b', 'on');
    await h.clock.advance(60_000);
    expect(h.commands()).toEqual([]);
  });

  it("hot reload replaces one file and keeps another file's pending timer", async () => {
    h = await startEngine({ 'one.yaml': GOOD('one', 'home/a/b'), 'two.yaml': GOOD('two', 'home/c/d') });
    await h.publish('home/a/b', 'on');
    await h.publish('home/c/d', 'on');
    await h.clock.advance(30_000);
    h.write('two.yaml', GOOD('two', 'home/e/f'));
    h.directory.reload('two.yaml');
    await h.clock.advance(30_000);
    expect(h.commands()).toEqual(['home/one/x/set=fired']);
    h.write('three.yaml', GOOD('three'));
    h.directory.reload('three.yaml');
    unlinkSync(join(h.dir, 'one.yaml'));
    h.directory.remove('one.yaml');
    expect(
      h.directory
        .list()
        .map((r) => r.id)
        .sort(),
    ).toEqual(['three', 'two']);
  });

  it('the file watcher reloads an edited file once its editor is done: after 200 ms of quiet on the engine clock', async () => {
    h = await startEngine({ 'w.yaml': GOOD('watched') });
    // The harness starts without the watcher; this test starts one on its rules dir.
    const unwatch = h.directory.watch();
    try {
      h.write('w.yaml', GOOD('renamed'));
      // The change is noticed at once, but the reload waits for the file to settle, on the clock the engine runs by.
      await waitFor(() => h!.clock.pending > 0, 'the change noticed', 3000);
      expect(h.directory.list().map((r) => r.id)).toEqual(['watched']);
      await h.clock.advance(SETTLE_MS);
      expect(h.directory.list().map((r) => r.id)).toEqual(['renamed']);
    } finally {
      unwatch();
    }
  });

  it('`hearth rules check` prints the problems and fails; passes on the shipped examples', async () => {
    h = await startEngine({ 'ac.yaml': BAD });
    const lines: string[] = [];
    expect(await runRulesCheck(h.dir, (l) => lines.push(l))).toBe(1);
    expect(lines.at(-1)).toBe('4 problem(s) in 1 file(s)');
    const shipped: string[] = [];
    expect(await runRulesCheck(join(import.meta.dirname, '../../rules'), (l) => shipped.push(l))).toBe(0);
    expect(shipped.at(-1)).toMatch(/all valid$/);
  });

  it('rules/hearth-rules.schema.json matches the schema', () => {
    const file = JSON.parse(readFileSync(join(import.meta.dirname, '../../rules/hearth-rules.schema.json'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(editorSchema())));
  });
});
