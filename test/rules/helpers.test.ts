// Helpers declared in rule files: each type takes what it should and refuses the rest in words, a definition with a
// mistake is told at its line, a reload keeps values that still fit, and timers start, pause, resume and finish on
// the hub's clock. (Through the real broker and SQLite: test/api/building-blocks.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { applyCommand, initialState, type HelperState } from '../../src/helpers/helper-values.js';
import type { HelperDefinition } from '../../src/helpers/helper-schema.js';
import { startEngine, type EngineHarness } from '../helpers/engine.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Applies commands in turn from the initial state; each answers its new value or its refusal. */
function run(def: HelperDefinition, commands: string[]): string[] {
  let state: HelperState = initialState(def);
  return commands.map((c) => {
    const r = applyCommand(def, state, c, 0);
    if ('error' in r) return `refused: ${r.error}`;
    state = r.state;
    return JSON.stringify(state.value);
  });
}

describe('what each helper takes', () => {
  it.each<[string, HelperDefinition, string[], string[]]>([
    [
      'a toggle',
      { id: 't', type: 'toggle' },
      ['on', 'toggle', 'true', 'OFF', 'maybe'],
      ['"on"', '"off"', '"on"', '"off"', 'refused: must be on, off or toggle, got "maybe"'],
    ],
    [
      'a number',
      { id: 'n', type: 'number', min: 16, max: 26 },
      ['21.5', '30', 'warm'],
      ['21.5', 'refused: must be between 16 and 26, got 30', 'refused: must be a number, got "warm"'],
    ],
    [
      'a select',
      { id: 's', type: 'select', options: ['home', 'away'] },
      ['away', 'gone'],
      ['"away"', 'refused: must be one of "home", "away", got "gone"'],
    ],
    [
      'a text',
      { id: 'x', type: 'text', max: 5, pattern: '[a-z]+' },
      ['hello', 'hello!', 'Hi'],
      ['"hello"', 'refused: must be 0 to 5 characters long, got 6', 'refused: must match [a-z]+, got "Hi"'],
    ],
    [
      'a date and time',
      { id: 'd', type: 'datetime' },
      ['2026-12-24 18:30', '18:30', '2026-13-40T10:00'],
      [
        '"2026-12-24T18:30:00"',
        'refused: must be a date and time YYYY-MM-DDTHH:MM[:SS], got "18:30"',
        'refused: must be a date and time YYYY-MM-DDTHH:MM[:SS], got "2026-13-40T10:00"',
      ],
    ],
    [
      'a time of day',
      { id: 'd', type: 'datetime', has_date: false },
      ['7:05', '07:05'],
      ['refused: must be a time HH:MM[:SS], got "7:05"', '"07:05:00"'],
    ],
    [
      'a counter',
      { id: 'c', type: 'counter', max: 2, step: 2 },
      ['increment', 'increment', 'reset', '1.5'],
      ['2', 'refused: must be at most 2, got 4', '0', 'refused: must be a whole number, increment, decrement or reset, got "1.5"'],
    ],
  ])('%s', (_what, def, commands, results) => {
    expect(run(def, commands)).toEqual(results);
  });

  it('a timer starts, pauses with what is left, resumes from there, and finishes', () => {
    const def: HelperDefinition = { id: 'tea', type: 'timer', duration: '4m' };
    let state = initialState(def);
    const step = (c: string, at: number) => {
      const r = applyCommand(def, state, c, at);
      if ('error' in r) return r.error;
      state = r.state;
      return `${r.event ?? '-'} ${JSON.stringify(state.timer)}`;
    };
    expect(step('start', 0)).toBe('started {"state":"active","duration":240000,"finishesAt":240000}');
    expect(step('pause', 60_000)).toBe('paused {"state":"paused","duration":240000,"remaining":180000}');
    expect(step('start', 100_000)).toBe('started {"state":"active","duration":240000,"finishesAt":280000}');
    expect(step('start 10s', 110_000)).toBe('started {"state":"active","duration":240000,"finishesAt":120000}');
    expect(step('finish', 120_000)).toBe('finished {"state":"idle","duration":240000}');
    expect(step('pause', 130_000)).toBe('cannot pause a timer that is idle');
    expect(step('start soon', 130_000)).toBe('start must be a duration like 30s, 5m, 1h30m or "00:05:00", got "soon"');
  });
});

describe('helpers in rule files', () => {
  it('a definition with a mistake is told at its line, and disables only its file', async () => {
    const bad = `helpers:
  - id: target
    type: number
    min: 26
    max: 16
  - id: mode
    type: select
    options: [home, away]
    initial: gone
  - id: Upper
    type: toggle
  - id: dial
    type: knob
`;
    h = await startEngine({ 'bad.yaml': bad, 'good.yaml': 'helpers:\n  - { id: vacation, type: toggle }\n' });
    expect(h.directory.problems.map((p) => p.text.replace(/^.*bad\.yaml/, 'bad.yaml'))).toEqual([
      'bad.yaml:4:10 helpers[0].min must not be above max (16), got 26',
      'bad.yaml:9:14 helpers[1].initial must be one of "home", "away", got "gone"',
      'bad.yaml:10:9 helpers[2].id must be a helper id of lowercase letters, digits, _ or - (1-57; its device is helper_<id>), got "Upper"',
      'bad.yaml:13:11 helpers[3].type must be one of toggle, number, select, text, datetime, counter, timer, got "knob"',
    ]);
    expect(h.helpers.list().map((x) => x.id)).toEqual(['vacation']);
  });

  it('a reload keeps a value that still fits the changed definition, and a helper taken out stops obeying', async () => {
    h = await startEngine({
      'h.yaml': 'helpers:\n  - { id: target, type: number, min: 16, max: 26 }\n  - { id: guests, type: counter }\n',
    });
    await h.publish('home/helper_target/value/set', '24');
    await h.publish('home/helper_guests/value/set', '3');
    h.write(
      'h.yaml',
      'helpers:\n  - { id: target, type: number, min: 16, max: 30, unit: "°C" }\n  - { id: guests, type: counter, max: 2 }\n',
    );
    h.directory.reload('h.yaml');
    expect(h.helpers.get('target').value).toBe(24);
    // 3 guests no longer fit a counter of at most 2: it starts again from its initial value.
    expect(h.helpers.get('guests').value).toBe(0);
    h.write('h.yaml', 'helpers:\n  - { id: target, type: number, min: 16, max: 30 }\n');
    h.directory.reload('h.yaml');
    await h.publish('home/helper_guests/value/set', '1');
    expect(h.helpers.has('guests')).toBe(false);
    expect(h.published.filter((m) => m.topic === 'home/helper_guests/value').map((m) => m.payload)).toEqual(['0', '3', '0']);
  });
});
