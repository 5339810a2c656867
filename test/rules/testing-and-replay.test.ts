// Rule tests (*.test.yaml), replay against recorded history, and `hearth rules why`, as a homeowner uses them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleHarness } from '../../src/rules/rule-harness.js';
import { loadRuleText } from '../../src/rules/rule-loader.js';
import { runRuleTests } from '../../src/rules/rule-tests.js';
import { runCli } from '../helpers/cli.js';
import { http, startTestHub, tempDir, waitFor } from '../helpers/hub.js';

const RULE = `id: fan
triggers:
  - trigger: numeric_state
    topic: home/office/temperature
    above: 26
    for: 10m
actions:
  - action: publish
    topic: home/fan/power/set
    payload: "on"
`;

describe('hearth rules test', () => {
  it('passes on every shipped example rule', async () => {
    const lines: string[] = [];
    const { code } = await runRuleTests(join(import.meta.dirname, '../../rules'), (l) => lines.push(l));
    expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    expect(code).toBe(0);
  });

  it('a wrong expectation fails with a diff and a non-zero exit', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fan.yaml'), RULE);
    writeFileSync(
      join(dir, 'fan.test.yaml'),
      `cases:
  - name: the fan starts after 5 minutes
    states: { home/office/temperature: 24 }
    steps:
      - publish: home/office/temperature
        payload: 27
      - advance: 5m
      - expect: home/fan/power/set
        payload: "on"
  - name: the fan starts after 10 minutes
    states: { home/office/temperature: 24 }
    steps:
      - publish: home/office/temperature
        payload: 27
      - advance: 10m
      - expect: home/fan/power/set
        payload: "on"
`,
    );
    const res = await runCli(['rules', 'test', dir]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('✗ the fan starts after 5 minutes');
    expect(res.stdout).toContain('step 3: expected home/fan/power/set = "on" at +5m');
    expect(res.stdout).toContain('published instead: nothing');
    expect(res.stdout).toContain('✓ the fan starts after 10 minutes');
    expect(res.stdout).toContain('1 passed, 1 failed');
  });

  it('reports a malformed test file at its line', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fan.yaml'), RULE);
    writeFileSync(join(dir, 'fan.test.yaml'), 'cases:\n  - name: x\n    steps:\n      - wait: 5m\n');
    const res = await runCli(['rules', 'test', dir]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/fan\.test\.yaml:4:\d+ cases\[0\]\.steps\[0\]/);
  });
});

describe('the rule harness', () => {
  it('runs compiled rules in private, on a virtual clock: what the rules published and when, not what the test did', async () => {
    const { rules } = loadRuleText(RULE, 'fan.yaml');
    const t0 = Date.UTC(2026, 5, 1, 8, 0, 0);
    const harness = new RuleHarness({ start: t0, states: [['home/office/temperature', 24]] });
    harness.load('fan.yaml', 'fan.yaml', rules);
    await harness.start();
    try {
      await harness.publish('home/office/temperature', '27');
      await harness.clock.advance(9 * 60_000);
      expect(harness.published.filter((p) => !p.topic.startsWith('hearth/'))).toEqual([]);
      await harness.clock.advance(60_000);
      expect(harness.published.filter((p) => !p.topic.startsWith('hearth/'))).toEqual([
        { topic: 'home/fan/power/set', payload: 'on', retain: false, at: t0 + 10 * 60_000 },
      ]);
      expect(harness.engine.traces('fan')[0]).toMatchObject({ outcome: 'ran' });
    } finally {
      await harness.stop();
    }
  });
});

describe('replay and why', () => {
  it('replays a rule against recorded history: when it would have fired and what it would have published', async () => {
    const dir = tempDir();
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, 'fan.yaml'), RULE);
    const th = await startTestHub({ dataDir: dir, rulesDir });
    try {
      const c = await th.connect();
      await c.publishAsync('home/office/temperature', '22', { qos: 1 });
      await waitFor(() => th.hub.registry.has('office'), 'office');
      const t0 = Date.UTC(2026, 10, 1, 8, 0, 0);
      // 08:00 22 °C, 08:30 27 °C (for 15 min), 08:45 24 °C, 09:00 28 °C (for 5 min), 09:05 23 °C.
      const readings: Array<[number, number]> = [
        [0, 22],
        [30, 27],
        [35, 27.5],
        [45, 24],
        [60, 28],
        [65, 23],
      ];
      for (const [min, v] of readings) th.hub.history.append('office', 'temperature', v, t0 + min * 60_000);
      th.hub.writes.flush();
      const res = await http(th, 'POST', '/api/rules/replay', {
        yaml: RULE,
        from: new Date(t0).toISOString(),
        to: new Date(t0 + 2 * 3_600_000).toISOString(),
      });
      expect(res.status).toBe(200);
      expect(res.json.messages).toBe(6);
      expect(res.json.runs.map((r: any) => [r.at, r.outcome, r.published.map((p: any) => `${p.topic}=${p.payload}`)])).toEqual([
        [new Date(t0 + 40 * 60_000).toISOString(), 'ran', ['home/fan/power/set=on']],
      ]);
      const cli = await runCli(
        ['rules', 'replay', join(rulesDir, 'fan.yaml'), '--from', new Date(t0).toISOString(), '--to', String(t0 + 2 * 3_600_000)],
        { HEARTH_DATA_DIR: dir },
      );
      expect(cli.code).toBe(0);
      expect(cli.stdout).toContain('It would have fired 1 time(s):');
      expect(cli.stdout).toContain(`would publish home/fan/power/set = "on" at ${new Date(t0 + 40 * 60_000).toISOString()}`);
      // A near miss live: the trace names the value and the threshold, and `hearth rules why` says it in words.
      await c.publishAsync('home/office/temperature', '25.5', { qos: 1 });
      await waitFor(() => th.hub.rules.traces('fan').length > 0, 'a trace');
      th.hub.writes.flush();
      const why = await runCli(['rules', 'why', 'fan'], { HEARTH_DATA_DIR: dir });
      expect(why.code).toBe(0);
      expect(why.stdout).toContain('fan: TRIGGER_REJECTED — numeric_state: 25.5 is not above 26');
    } finally {
      await th.stop(true);
    }
  });
});
