// Conditions, actions, templates and modes, each as a rule a homeowner would write.
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine, type EngineHarness } from '../helpers/engine.js';
import { formatTrace } from '../../src/rules/trace-format.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const withActions = (actions: string, extra = '', conditions = '') => `
id: r
${extra}
triggers:
  - trigger: mqtt
    topic: home/button/press
${conditions ? `conditions:\n${conditions}` : ''}
actions:
${actions}
`;

describe('conditions', () => {
  it('state, numeric_state, time across midnight, and/or/not and template', async () => {
    h = await startEngine(
      {
        'r.yaml': withActions(
          `  - action: publish
    topic: home/out/x/set
    payload: ok`,
          '',
          `  - condition: state
    topic: home/mode/value
    state: [home, guest]
  - condition: numeric_state
    topic: home/lux/value
    below: 50
  - condition: time
    after: "22:00"
    before: "06:00"
  - condition: or
    conditions:
      - condition: template
        value_template: "{{ state('home/lux/value') < 10 }}"
      - condition: not
        conditions:
          - condition: state
            topic: home/tv/power
            state: "on"`,
        ),
      },
      {
        start: new Date(2026, 5, 15, 23, 0, 0),
        states: [
          ['home/mode/value', 'guest'],
          ['home/lux/value', 30],
          ['home/tv/power', 'on'],
        ],
      },
    );
    await h.publish('home/button/press', '1');
    expect(h.commands()).toEqual([]);
    const failed = h.engine.traces('r')[0]!;
    expect(failed.outcome).toBe('conditions_failed');
    expect(failed.conditions.map((c) => c.result)).toEqual([true, true, true, false]);
    expect(failed.conditions[3]!.children![0]!.details).toBe("{{ state('home/lux/value') < 10 }} → false");
    await h.publish('home/tv/power', 'off');
    await h.publish('home/button/press', '1');
    expect(h.commands()).toEqual(['home/out/x/set=ok']);
    await h.clock.advanceTo(new Date(2026, 5, 16, 7, 0, 0));
    await h.publish('home/button/press', '1');
    expect(h.engine.traces('r')[0]!.reason).toBe('time: it is 07:00:00, not after 22:00 and before 06:00');
  });
});

describe('actions', () => {
  it('delay, variables, if/then/else, choose, repeat, log and stop', async () => {
    h = await startEngine({
      'r.yaml': withActions(`  - variables:
      level: "{{ trigger.value * 10 }}"
  - action: publish
    topic: home/lamp/brightness/set
    payload: "{{ level }}"
  - delay: 5s
  - if:
      - condition: template
        value_template: "{{ level > 50 }}"
    then:
      - action: publish
        topic: home/lamp/mode/set
        payload: bright
    else:
      - action: publish
        topic: home/lamp/mode/set
        payload: dim
  - choose:
      - conditions:
          - condition: template
            value_template: "{{ trigger.value == 9 }}"
        sequence:
          - action: publish
            topic: home/chime/play/set
            payload: nine
    default:
      - action: publish
        topic: home/chime/play/set
        payload: other
  - repeat:
      count: 3
      sequence:
        - action: publish
          topic: home/blink/n/set
          payload: "{{ repeat.index }}"
  - action: log
    message: "level {{ level }}"
  - stop: done here
  - action: publish
    topic: home/never/x/set
    payload: nope`),
    });
    await h.publish('home/button/press', '9');
    expect(h.commands()).toEqual(['home/lamp/brightness/set=90']);
    await h.clock.advance(5000);
    expect(h.commands()).toEqual([
      'home/lamp/brightness/set=90',
      'home/lamp/mode/set=bright',
      'home/chime/play/set=nine',
      'home/blink/n/set=1',
      'home/blink/n/set=2',
      'home/blink/n/set=3',
    ]);
    const trace = h.engine.traces('r')[0]!;
    expect(trace.outcome).toBe('stopped');
    expect(trace.reason).toBe('stopped: done here');
    expect(trace.actions.find((a) => a.step === 'delay')!.result).toBe('waited 5s');
    expect(h.logs.some((l) => l.includes('rule r: level 90'))).toBe(true);
  });

  it('publish sends fixed payloads as written (text, numbers, booleans, objects as JSON) and templated ones rendered', async () => {
    // A topic or payload without {{ }} is turned into its text once, when the rule is compiled (constantText in
    // src/rules/template.ts); each kind of YAML value must still go out as it did when rendered at every run.
    h = await startEngine({
      'r.yaml': withActions(`  - action: publish
    topic: home/text/x/set
    payload: "on"
  - action: publish
    topic: home/number/x/set
    payload: 21.5
  - action: publish
    topic: home/bool/x/set
    payload: false
  - action: publish
    topic: home/object/x/set
    payload: { state: "ON", brightness: 120 }
  - action: publish
    topic: home/empty/x/set
  - action: publish
    topic: "home/templated/{{ trigger.value }}/set"
    payload: "{{ trigger.value * 2 }}"
  - action: publish
    topic: home/mixed/x/set
    payload: { level: "{{ trigger.value }}", fixed: 1 }`),
    });
    await h.publish('home/button/press', '4');
    expect(h.commands()).toEqual([
      'home/text/x/set=on',
      'home/number/x/set=21.5',
      'home/bool/x/set=false',
      'home/object/x/set={"state":"ON","brightness":120}',
      'home/empty/x/set=',
      'home/templated/4/set=8',
      'home/mixed/x/set={"level":4,"fixed":1}',
    ]);
  });

  it('wait_for_trigger continues on the event or after its timeout', async () => {
    h = await startEngine({
      'r.yaml': withActions(
        `  - wait_for_trigger:
      - trigger: state
        topic: home/door/contact
        to: closed
    timeout: 1m
  - action: publish
    topic: home/out/x/set
    payload: "{{ wait.timed_out ? 'timeout' : 'closed' }}"`,
        'mode: parallel',
      ),
    });
    await h.publish('home/button/press', '1');
    await h.clock.advance(10_000);
    await h.publish('home/door/contact', 'closed');
    expect(h.commands()).toEqual(['home/out/x/set=closed']);
    await h.publish('home/button/press', '1');
    await h.clock.advance(60_000);
    expect(h.commands()).toEqual(['home/out/x/set=closed', 'home/out/x/set=timeout']);
  });
});

describe('modes', () => {
  const slow = (mode: string) =>
    withActions(
      `  - action: publish
    topic: home/out/start/set
    payload: "{{ trigger.payload }}"
  - delay: 10s
  - action: publish
    topic: home/out/end/set
    payload: "{{ trigger.payload }}"`,
      mode,
    );

  it('single skips a trigger while running, and says why', async () => {
    h = await startEngine({ 'r.yaml': slow('mode: single') });
    await h.publish('home/button/press', 'a');
    await h.publish('home/button/press', 'b');
    await h.clock.advance(10_000);
    expect(h.commands()).toEqual(['home/out/start/set=a', 'home/out/end/set=a']);
    expect(h.engine.traces('r').some((t) => t.outcome === 'skipped_by_mode' && t.reason === 'mode single: a run is in progress')).toBe(
      true,
    );
    expect(h.logs.some((l) => l.includes('rule r skipped: mode single'))).toBe(true);
  });

  it('restart replaces the running one, and traces it as restarted (not as an error)', async () => {
    h = await startEngine({ 'r.yaml': slow('mode: restart') });
    await h.publish('home/button/press', 'a');
    await h.clock.advance(5_000);
    await h.publish('home/button/press', 'b');
    await h.clock.advance(10_000);
    expect(h.commands()).toEqual(['home/out/start/set=a', 'home/out/start/set=b', 'home/out/end/set=b']);
    const [second, first] = h.engine.traces('r');
    expect([first!.outcome, second!.outcome]).toEqual(['restarted', 'ran']);
    expect(first!.reason).toBe('a new trigger started the rule again (mode restart)');
    expect(first!.actions.map((a) => [a.step, a.result, a.error])).toEqual([
      ['publish home/out/start/set', 'published "a" to home/out/start/set', undefined],
      ['delay', 'restarted: a new trigger started the rule again (mode restart)', undefined],
    ]);
    expect(formatTrace(first!).slice(0, 1)).toEqual([
      expect.stringMatching(/ r: RESTARTED — a new trigger started the rule again \(mode restart\)$/),
    ]);
    expect(formatTrace(first!).join('\n')).not.toMatch(/✗|error/);
    expect(h.logs.filter((l) => l.includes('rule r restarted'))).toHaveLength(1);
    expect(h.logs.some((l) => / error /i.test(l) || l.includes('[error]'))).toBe(false);
  });

  it('queued runs one after the other, up to max', async () => {
    h = await startEngine({ 'r.yaml': slow('mode: queued\nmax: 1') });
    for (const p of ['a', 'b', 'c']) await h.publish('home/button/press', p);
    await h.clock.advance(10_000);
    await h.clock.advance(10_000);
    expect(h.commands()).toEqual(['home/out/start/set=a', 'home/out/end/set=a', 'home/out/start/set=b', 'home/out/end/set=b']);
    expect(h.engine.traces('r').some((t) => t.reason === 'mode queued: 1 runs already queued')).toBe(true);
  });

  it('parallel runs at once, up to max', async () => {
    h = await startEngine({ 'r.yaml': slow('mode: parallel\nmax: 2') });
    for (const p of ['a', 'b', 'c']) await h.publish('home/button/press', p);
    await h.clock.advance(10_000);
    expect(h.commands()).toEqual(['home/out/start/set=a', 'home/out/start/set=b', 'home/out/end/set=a', 'home/out/end/set=b']);
  });

  it('a rule that re-triggers itself is paused with an error', async () => {
    h = await startEngine({
      'r.yaml': `
id: echo
mode: parallel
max: 100
triggers:
  - trigger: mqtt
    topic: home/loop/value
actions:
  - action: publish
    topic: home/loop/value
    payload: "{{ trigger.value + 1 }}"
`,
    });
    await h.publish('home/loop/value', '1');
    for (let i = 0; i < 50 && h.directory.list().find((r) => r.id === 'echo')!.status !== 'paused'; i++) await h.clock.advance(0);
    const info = h.directory.list().find((r) => r.id === 'echo')!;
    expect(info.status).toBe('paused');
    expect(info.errors![0]!.message).toContain('triggered more than 20 times in a second');
    const count = h.published.filter((m) => m.topic === 'home/loop/value').length;
    await h.clock.advance(1000);
    expect(h.published.filter((m) => m.topic === 'home/loop/value').length).toBe(count);
  });
});
