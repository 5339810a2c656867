// A homeowner's YAML mistakes in rule files: each reported at the line that holds it, in plain words, under the
// file's own path (`hearth rules check`, the log, and the engine's problem list all show the same text).
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRulesCheck } from '../../src/cli/rules-check.js';
import { loadRuleText } from '../../src/rules/rule-loader.js';
import { runRuleTests } from '../../src/rules/rule-tests.js';
import { startEngine, type EngineHarness } from '../helpers/engine.js';

const RULE = `id: porch-light
description: Porch light on at night
triggers:
  - trigger: state
    topic: home/porch/motion
    to: true
actions:
  - action: publish
    topic: home/porch/light/set
    payload: "on"
`;

/** The rule above with line `n` (1-based) replaced by `text` (several lines allowed). */
const edit = (n: number, text: string) =>
  RULE.split('\n')
    .map((l, i) => (i === n - 1 ? text : l))
    .join('\n');

const CASES: Array<{ mistake: string; yaml: string; at: string; message: string }> = [
  {
    mistake: 'a key indented deeper than the key above it, inside a list item',
    yaml: edit(9, '        topic: home/porch/light/set'),
    at: '9:9',
    message:
      'line 9 is indented deeper than the key above it ("action" on line 8), which already has a value; start it in column 5, like "action"',
  },
  {
    mistake: 'a top-level key indented under the one above it',
    yaml: edit(3, '  triggers:'),
    at: '3:3',
    message:
      'line 3 is indented deeper than the key above it ("description" on line 2), which already has a value; start it in column 1, like "description"',
  },
  {
    mistake: 'a key indented less than its neighbour, between the "-" and the key',
    yaml: edit(5, '   topic: home/porch/motion'),
    at: '5:4',
    message:
      'line 5 starts in column 4, less than the key above it ("trigger" on line 4 starts in column 5); keys that belong together must start in the same column',
  },
  {
    mistake: 'a key of a list item pulled back to the column of its "-"',
    yaml: edit(10, '  payload: "on"'),
    at: '10:3',
    message:
      'line 10 starts in column 3, less than the key above it ("topic" on line 9 starts in column 5); keys that belong together must start in the same column',
  },
  {
    mistake: 'a second list item indented deeper than the first',
    yaml: RULE + '    - action: log\n      message: porch light on\n',
    at: '11:5',
    message:
      'line 11: this list item\'s "-" is in column 5, but the "-" of the item on line 8 is in column 3; the items of one list must line up',
  },
  {
    mistake: 'a second list item indented less than the first',
    yaml: RULE + ' - action: log\n   message: porch light on\n',
    at: '11:2',
    message:
      'line 11: this list item\'s "-" is in column 2, but the "-" of the item on line 8 is in column 3; the items of one list must line up',
  },
  {
    mistake: 'a tab in the indentation',
    yaml: edit(5, '  \ttopic: home/porch/motion'),
    at: '5:3',
    message: 'line 5 is indented with a tab; YAML allows only spaces there: replace the tab with spaces',
  },
  {
    mistake: 'no space after the colon of a key',
    yaml: edit(9, '    topic:home/porch/light/set'),
    at: '9:5',
    message: 'line 9: "topic:home/porch/light/set" needs a space after the colon: "topic: home/porch/light/set"',
  },
  {
    mistake: "no space after the colon of a list item's first key",
    yaml: edit(4, '  - trigger:state'),
    at: '4:5',
    message: 'line 4: "trigger:state" needs a space after the colon: "trigger: state"',
  },
  {
    mistake: 'no space after the colon of the first line',
    yaml: edit(1, 'id:porch-light'),
    at: '1:1',
    message: 'line 1: "id:porch-light" needs a space after the colon: "id: porch-light"',
  },
  {
    mistake: 'no space after a list item\'s "-"',
    yaml: edit(4, '  -trigger: state'),
    at: '4:3',
    message: 'line 4: "-trigger: state" needs a space after the "-" to be a list item: "- trigger: state"',
  },
  {
    mistake: 'a key without its colon',
    yaml: edit(7, 'actions'),
    at: '7:1',
    message: 'line 7: "actions" is where a key belongs, but has no colon after it; write "actions: …"',
  },
  {
    mistake: 'a value holding ": " without quotes',
    yaml: edit(2, 'description: Porch light: on at night'),
    at: '2:14',
    message:
      'line 2: the value of "description" holds a colon, which YAML reads as another key; put the value in quotes: description: "Porch light: on at night"',
  },
  {
    mistake: 'a double quote never closed',
    yaml: edit(10, '    payload: "on'),
    at: '10:14',
    message: 'line 10: the " in column 14 is never closed; end the value with "',
  },
  {
    mistake: 'a single quote never closed, in the middle of the file',
    yaml: edit(2, "description: 'Porch light on at night"),
    at: '2:14',
    message: "line 2: the ' in column 14 is never closed; end the value with '",
  },
  {
    mistake: 'an apostrophe inside a single-quoted value',
    yaml: edit(2, "description: 'the porch's light'"),
    at: '2:25',
    message: `line 2: there is more text after the closing ' of the value; to write ' inside '…', double it (''), or quote the value with "…"`,
  },
  {
    mistake: 'a [ never closed',
    yaml: edit(6, '    to: [true, "on"'),
    at: '6:9',
    message: 'line 6: the [ in column 9 is never closed; end the list with ]',
  },
  {
    mistake: 'a { never closed',
    yaml: edit(10, '    payload: { state: "on"'),
    at: '10:14',
    message: 'line 10: the { in column 14 is never closed; end the mapping with }',
  },
  {
    mistake: 'a ] too many',
    yaml: edit(6, '    to: [true, "on"]]'),
    at: '6:21',
    message: 'line 6: the ] in column 21 closes nothing; remove it',
  },
  {
    mistake: 'a key given twice',
    yaml: edit(10, '    topic: home/porch/lamp/set'),
    at: '10:5',
    message: 'line 10: "topic" is given twice in the same place (first on line 9); keep one of them',
  },
];

describe('YAML mistakes in a rule file', () => {
  it.each(CASES)('$mistake: reported at $at', ({ yaml, at, message }) => {
    const loaded = loadRuleText(yaml, 'rules/porch.yaml');
    expect(loaded.problems.map((p) => p.text)).toEqual([`rules/porch.yaml:${at} ${message}`]);
    expect(loaded.rules).toEqual([]);
  });

  it('nesting no rule needs is refused before the YAML parser recurses into it (a file must never stop the hub)', () => {
    const deepList = ('- '.repeat(5000) + 'a\n').repeat(20);
    const deepFlow = `id: x\nv: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
    expect(loadRuleText(deepList, 'rules/deep.yaml').problems.map((p) => p.text)).toEqual([
      'rules/deep.yaml:1:1 line 1 is indented more than 400 columns; the file nests lists or mappings too deeply to be read',
    ]);
    expect(loadRuleText(deepFlow, 'rules/deep.yaml').problems.map((p) => p.text)).toEqual([
      'rules/deep.yaml:2:104 line 2 opens more than 100 [ or { inside each other; the file nests lists or mappings too deeply to be read',
    ]);
  });

  it('the rule without mistakes loads', () => {
    const loaded = loadRuleText(RULE, 'rules/porch.yaml');
    expect(loaded.problems).toEqual([]);
    expect(loaded.rules.map((r) => r.id)).toEqual(['porch-light']);
  });

  it('valid YAML that merely looks unusual is not flagged: multi-line values, block text, flow lists, URLs and times', () => {
    const yaml = `id: evening
description: Lights on in the evening,
  and a note in the log
triggers:
- trigger: time
  at: ["18:30", "19:00"]
actions:
  - action: log
    message: |
      Evening: lights on
        (indented text: kept)
  - action: publish
    topic: home/hall/light/set
    payload: { url: "http://example.org/a#b", at: 12:30 }
`;
    const loaded = loadRuleText(yaml, 'rules/evening.yaml');
    expect(loaded.problems).toEqual([]);
  });
});

describe("the same words under the file's own path, wherever the file is checked", () => {
  const TOO_DEEP = edit(9, '        topic: home/porch/light/set');
  const MESSAGE =
    'line 9 is indented deeper than the key above it ("action" on line 8), which already has a value; start it in column 5, like "action"';
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("the hub's log and its list of problems", async () => {
    h = await startEngine({ 'porch.yaml': TOO_DEEP });
    const path = relative(process.cwd(), join(h.dir, 'porch.yaml'));
    expect(h.directory.problems.map((p) => p.text)).toEqual([`${path}:9:9 ${MESSAGE}`]);
    expect(h.logs.some((l) => l.includes(`rule file invalid: ${path}:9:9 ${MESSAGE}`))).toBe(true);
  });

  it('`hearth rules check`', async () => {
    h = await startEngine({ 'porch.yaml': TOO_DEEP });
    const lines: string[] = [];
    expect(await runRulesCheck(h.dir, (l) => lines.push(l))).toBe(1);
    expect(lines).toEqual([`${relative(process.cwd(), join(h.dir, 'porch.yaml'))}:9:9 ${MESSAGE}`, '1 problem(s) in 1 file(s)']);
  });

  it('`hearth rules test`: the rule file once, under its own path (not the copies copy), and mistakes in the test file too', async () => {
    h = await startEngine({ 'porch.yaml': TOO_DEEP });
    const test = (name: string) =>
      `cases:\n  - name: ${name}\n    steps:\n      - publish: home/porch/motion\n        payload: true\n      - expect: home/porch/light/set\n`;
    writeFileSync(join(h.dir, 'porch.test.yaml'), test('light on') + test('light on again').replace('cases:\n', ''));
    writeFileSync(join(h.dir, 'hall.yaml'), RULE.replace('porch-light', 'hall-light'));
    writeFileSync(join(h.dir, 'hall.test.yaml'), test('hall light on').replace('    steps:', '   steps:'));
    const lines: string[] = [];
    const { code } = await runRuleTests(h.dir, (l) => lines.push(l));
    expect(code).toBe(1);
    const at = (file: string) => relative(process.cwd(), join(h!.dir, file));
    expect(lines).toEqual([
      at('hall.test.yaml'),
      `  ${at('hall.test.yaml')}:3:4 line 3 starts in column 4, less than the key above it ("name" on line 2 starts in column 5); keys that belong together must start in the same column`,
      at('porch.test.yaml'),
      `  ${at('porch.yaml')}:9:9 ${MESSAGE}`,
      '0 passed, 2 failed',
    ]);
  });
});
