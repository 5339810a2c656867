// Presence in rules: the presence trigger (arrived, left, first_arrived, last_left, per person) and condition
// (anyone_home, person + home), with traces that say why, compile errors at file:line:column, and rule tests that
// move people.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRuleText } from '../../src/rules/rule-loader.js';
import { runRuleTests } from '../../src/rules/rule-tests.js';
import { MemoryTimerStore, startEngine, type EngineHarness } from '../helpers/engine.js';
import { tempDir } from '../helpers/hub.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const rule = (trigger: string, conditions = '') => `
id: r
triggers:
${trigger}
${conditions ? `conditions:\n${conditions}` : ''}
actions:
  - action: publish
    topic: home/out/value/set
    payload: "{{ trigger.user }}:{{ trigger.people_home }}"
`;
const everyone = (home: Record<string, boolean>): Array<[string, unknown]> =>
  Object.entries(home).map(([u, v]) => [`home/person_${u}/home`, v]);
const move = (user: string, home: boolean) => h!.publish(`home/person_${user}/home`, String(home));
const reasons = () =>
  h!.engine
    .traces('r')
    .filter((t) => t.outcome === 'trigger_rejected' || t.outcome === 'conditions_failed')
    .map((t) => t.reason);

describe('trigger: presence', () => {
  it('with for:, the home must stay empty that long: an arrival interrupts it, and a pending hold survives a restart', async () => {
    const store = new MemoryTimerStore();
    const start = Date.UTC(2026, 5, 1, 8, 0, 0);
    const file = { 'r.yaml': rule('  - trigger: presence\n    event: last_left\n    for: 10m') };
    h = await startEngine(file, { start, timerStore: store, states: everyone({ alice: true, bob: false }) });
    await move('alice', false);
    await h.clock.advance(5 * 60_000);
    await move('bob', true); // home again before the 10 minutes: no command
    await h.clock.advance(10 * 60_000);
    expect(h.commands()).toEqual([]);
    expect(reasons()).toContain('for: 10m interrupted after 5m: bob arrived');
    await move('bob', false);
    await h.clock.advance(4 * 60_000);
    const dir = h.dir;
    await h.stop();
    // Restarted 4 minutes into the hold: it fires 6 minutes later, not 10.
    h = await startEngine({}, { start: start + 19 * 60_000, timerStore: store, dir, states: everyone({ alice: false, bob: false }) });
    await h.clock.advance(5 * 60_000);
    expect(h.commands()).toEqual([]);
    await h.clock.advance(60_000);
    expect(h.commands()).toEqual(['home/out/value/set=bob:[]']);
    expect(h.engine.traces('r')[0]!.trigger.description).toContain('held for 10m (resumed after a restart)');
  });

  it('last_left fires for the last to leave only, and says who is still home otherwise', async () => {
    h = await startEngine(
      { 'r.yaml': rule('  - trigger: presence\n    event: last_left') },
      { states: everyone({ alice: true, bob: true, carol: false }) },
    );
    await move('alice', false);
    await move('bob', false);
    expect(h.commands()).toEqual(['home/out/value/set=bob:[]']);
    expect(reasons()).toContain('presence: alice left, but bob is still home');
  });

  it('first_arrived fires for the first into an empty home; arrived and left for anyone, or only the people named', async () => {
    h = await startEngine(
      {
        'r.yaml': rule('  - trigger: presence\n    event: first_arrived'),
        'a.yaml': rule('  - trigger: presence\n    event: arrived\n    person: [bob]').replace('id: r', 'id: bob-arrives'),
      },
      { states: everyone({ alice: false, bob: false }) },
    );
    await move('alice', true);
    await move('bob', true);
    expect(h.commands()).toEqual(['home/out/value/set=alice:["alice"]', 'home/out/value/set=bob:["alice","bob"]']);
    expect(reasons()).toContain('presence: bob arrived, but alice was home already');
    // Filtered by person: alice's arrival never reaches it, so it leaves no trace.
    expect(h.engine.traces('bob-arrives').map((t) => t.outcome)).toEqual(['ran']);
  });

  it('a first report (no state before) is no arrival, and a home/<device>/home of a non-person is not presence', async () => {
    h = await startEngine({ 'r.yaml': rule('  - trigger: presence\n    event: arrived') });
    await move('dora', true);
    await h.publish('home/robot_vacuum/home', 'true');
    expect(h.commands()).toEqual([]);
    expect(reasons()).toEqual(['presence: dora reported for the first time (home); an arrival or a departure needs a state before it']);
  });
});

describe('condition: presence', () => {
  it('anyone_home and person/home gate a run, and the trace says who is where', async () => {
    const files = {
      'r.yaml': rule('  - trigger: mqtt\n    topic: test/go', '  - condition: presence\n    anyone_home: false'),
      'p.yaml': rule(
        '  - trigger: mqtt\n    topic: test/go',
        '  - condition: presence\n    person: [alice, person_bob]\n    home: true',
      ).replace('id: r', 'id: p'),
    };
    h = await startEngine(files, { states: everyone({ alice: true, bob: false }) });
    await h.publish('test/go', '1');
    expect(reasons()).toEqual(['presence: home: alice, wanted nobody']);
    const failed = (id: string) =>
      h!.engine
        .traces(id)
        .find((t) => t.outcome === 'conditions_failed')!
        .conditions.map((c) => c.details);
    expect(failed('r')).toEqual(['home: alice, wanted nobody']);
    expect(failed('p')).toEqual(['bob is away, wanted home']);
    await move('alice', false);
    await h.publish('test/go', '2');
    expect(h.commands()).toHaveLength(1);
  });

  it('is checked when the file loads, each problem at its line and column', () => {
    const problems = (yaml: string) => loadRuleText(yaml, 'away.yaml').problems.map((p) => p.text);
    expect(problems(rule('  - trigger: presence\n    event: everyone_left'))).toEqual([
      expect.stringMatching(/^away\.yaml:5:12 triggers\[0\]\.event must be arrived, left, first_arrived or last_left/),
    ]);
    expect(problems(rule('  - trigger: mqtt\n    topic: x', '  - condition: presence\n    anyone_home: true\n    person: alice'))).toEqual([
      'away.yaml:9:13 conditions[0].person use either anyone_home or person (with home), not both',
    ]);
    expect(problems(rule('  - trigger: mqtt\n    topic: x', '  - condition: presence\n    home: true'))).toEqual([
      'away.yaml:7:5 conditions[0] needs anyone_home: true|false, or person: <user> (with home: true|false)',
    ]);
  });
});

describe('rule tests move people', () => {
  it('people: at the start and person: steps', async () => {
    const dir = tempDir('hearth-presence-');
    writeFileSync(join(dir, 'away.yaml'), rule('  - trigger: presence\n    event: last_left'));
    writeFileSync(
      join(dir, 'away.test.yaml'),
      `cases:
  - name: the last to leave
    people: { alice: true, bob: true }
    steps:
      - person: alice
        home: false
      - expect_none: home/out/value/set
      - person: person_bob
        home: false
      - expect: home/out/value/set
        payload: "bob:[]"
  - name: a wrong expectation fails with what was published
    people: { alice: true }
    steps:
      - person: alice
        home: false
      - expect: home/out/value/set
        payload: "carol:[]"
`,
    );
    const lines: string[] = [];
    const { code } = await runRuleTests(dir, (l) => lines.push(l));
    expect(code).toBe(1);
    expect(lines).toContain('  ✓ the last to leave');
    expect(lines).toContain('  ✗ a wrong expectation fails with what was published');
    expect(lines.join('\n')).toContain('published instead: home/out/value/set = "alice:[]"');
  });
});
