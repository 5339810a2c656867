// Scenes and scripts as homeowners use them: a scene sends only what differs and its trace says so; a script takes
// fields, keeps its own mode and trace, and a rule waiting for it survives a restart; calls that would loop are
// refused at load (or paused at run), and a rule whose script appears later starts working without a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTimerStore, startEngine, type EngineHarness } from '../helpers/engine.js';

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const MOVIE = `
scenes:
  - id: movie-night
    name: Movie night
    states:
      home/tv_light/brightness: 20
      home/blinds/position: 0
      home/tv/power: "on"
rules:
  - id: movie-button
    triggers:
      - trigger: state
        topic: home/remote/button
        to: movie
    actions:
      - action: scene
        scene: movie-night
`;

const ANNOUNCE = `
scripts:
  - id: announce
    description: Say something on the kitchen speaker, then turn it off
    mode: single
    fields:
      text: { type: text, default: hello }
      volume: { type: number, min: 0, max: 100, default: 40 }
    actions:
      - action: publish
        topic: home/speaker/volume/set
        payload: "{{ volume }}"
      - action: publish
        topic: home/speaker/say/set
        payload: "{{ text }}"
      - delay: 1m
      - action: publish
        topic: home/speaker/power/set
        payload: "off"
`;

const DOORBELL = `
id: doorbell
triggers:
  - trigger: state
    topic: home/doorbell/pressed
    to: true
actions:
  - action: script
    script: announce
    fields:
      text: "Someone at the door ({{ trigger.to }})"
      volume: 70
  - action: publish
    topic: home/porch_light/power/set
    payload: "on"
`;

describe('scenes', () => {
  it('a scene sends only the properties whose known value differs, and its trace says what was sent and what was already so', async () => {
    h = await startEngine(
      { 'living.yaml': MOVIE },
      {
        states: [
          ['home/tv_light/brightness', 80],
          ['home/blinds/position', 0],
          ['home/remote/button', 'idle'],
        ],
      },
    );
    await h.publish('home/remote/button', 'movie');
    expect(h.commands()).toEqual(['home/tv_light/brightness/set=20', 'home/tv/power/set=on']);
    const [trace] = h.engine.traces('movie-button');
    expect(trace!.outcome).toBe('ran');
    const step = trace!.actions[0]!;
    expect(step.result).toBe('movie-night: sent 2 of 3, 1 already so');
    expect(step.children!.map((c) => `${c.step}: ${c.result}`)).toEqual([
      'home/tv_light/brightness: sent 20 to home/tv_light/brightness/set (was 80)',
      'home/blinds/position: already 0',
      'home/tv/power: sent on to home/tv/power/set (its value was not known)',
    ]);
    // The scene keeps traces of its own, named after the caller.
    const [own] = h.engine.traces('scene:movie-night');
    expect(own!.trigger.description).toBe('called by rule movie-button');
  });

  it('activating a scene again once the devices caught up sends nothing', async () => {
    h = await startEngine(
      { 'living.yaml': MOVIE },
      {
        states: [
          ['home/tv_light/brightness', 20],
          ['home/blinds/position', 0],
          ['home/tv/power', 'on'],
        ],
      },
    );
    const trace = await h.engine.call('scene:movie-night', { id: 'api', kind: 'scene', description: 'activated' }).done;
    expect(trace.actions[0]!.result).toBe('sent 0 of 3, 3 already so');
    expect(h.commands()).toEqual([]);
  });
});

describe('scripts', () => {
  it('a rule runs a script with its fields, waits for it to end, then goes on', async () => {
    h = await startEngine({ 'scripts.yaml': ANNOUNCE, 'doorbell.yaml': DOORBELL });
    await h.publish('home/doorbell/pressed', 'true');
    expect(h.commands()).toEqual(['home/speaker/volume/set=70', 'home/speaker/say/set=Someone at the door (true)']);
    await h.clock.advance(60_000);
    expect(h.commands()).toEqual([
      'home/speaker/volume/set=70',
      'home/speaker/say/set=Someone at the door (true)',
      'home/speaker/power/set=off',
      'home/porch_light/power/set=on',
    ]);
    const [rule] = h.engine.traces('doorbell');
    expect(rule!.actions[0]!.result).toMatch(/^script announce ran \(trace [\w-]+\)$/);
    const [script] = h.engine.traces('script:announce');
    expect(script!.outcome).toBe('ran');
    expect(script!.trigger).toMatchObject({
      kind: 'script',
      description: 'called by rule doorbell',
      fields: { text: 'Someone at the door (true)', volume: 70 },
    });
  });

  it('a field left out takes its default; mode single skips a second call while the first runs, and says so', async () => {
    h = await startEngine({ 'scripts.yaml': ANNOUNCE });
    await h.engine.call('script:announce', { id: 'a', kind: 'script', description: 'first' });
    await h.clock.advance(0);
    const second = await h.engine.call('script:announce', { id: 'b', kind: 'script', description: 'second' }).done;
    expect(second).toMatchObject({ outcome: 'skipped_by_mode', reason: 'mode single: a run is in progress' });
    expect(h.commands()).toEqual(['home/speaker/volume/set=40', 'home/speaker/say/set=hello']);
  });

  it('a field of the wrong type from a template fails the script run, and the calling rule says why', async () => {
    h = await startEngine({
      'scripts.yaml': ANNOUNCE,
      'loud.yaml': DOORBELL.replace('volume: 70', 'volume: "{{ trigger.to }}"').replace('id: doorbell', 'id: loud'),
    });
    await h.publish('home/doorbell/pressed', 'true');
    const [trace] = h.engine.traces('loud');
    expect(trace).toMatchObject({ outcome: 'error', error: 'script announce failed: field volume must be a number, got true' });
    expect(h.commands()).toEqual([]);
  });

  it('a rule waiting for a script in its delay goes on after a restart, with the time left, and so does the script', async () => {
    const timerStore = new MemoryTimerStore();
    h = await startEngine({ 'scripts.yaml': ANNOUNCE, 'doorbell.yaml': DOORBELL }, { timerStore });
    await h.publish('home/doorbell/pressed', 'true');
    await h.clock.advance(20_000);
    const { dir, clock } = h;
    await h.stop();
    expect(h.engine.traces('doorbell')[0]!.outcome).toBe('saved');
    h = await startEngine({}, { dir, timerStore, start: clock.now() + 10_000 });
    await h.clock.advance(29_000);
    expect(h.commands()).toEqual([]);
    await h.clock.advance(1_000);
    expect(h.commands()).toEqual(['home/speaker/power/set=off', 'home/porch_light/power/set=on']);
  });
});

describe('checked at load', () => {
  it('an unknown script or scene, an unknown field and a missing field are told at their place, naming what there is', async () => {
    const rule = `
id: calls
triggers:
  - trigger: state
    topic: home/a/b
actions:
  - action: script
    script: anounce
  - action: scene
    scene: movie
  - action: script
    script: announce
    fields:
      txt: hi
      volume: loud
`;
    h = await startEngine({ 'calls.yaml': rule, 'scripts.yaml': ANNOUNCE, 'living.yaml': MOVIE });
    expect(h.directory.problems.map((p) => p.text.replace(/^.*calls\.yaml/, 'calls.yaml'))).toEqual([
      'calls.yaml:8:13 actions[0].script no script "anounce" in the rules dir (scripts: announce)',
      'calls.yaml:10:12 actions[1].scene no scene "movie" in the rules dir (scenes: movie-night)',
      'calls.yaml:14:12 actions[2].fields.txt is not a field of script "announce" (fields: text, volume)',
      'calls.yaml:15:15 actions[2].fields.volume must be a number, got "loud" (field of script "announce")',
    ]);
  });

  it('scripts that call each other in a loop are refused at load, naming the chain', async () => {
    const loop = `
scripts:
  - id: ping
    actions:
      - action: script
        script: pong
  - id: pong
    actions:
      - action: script
        script: ping
`;
    h = await startEngine({ 'loop.yaml': loop });
    expect(h.directory.problems.map((p) => p.text.replace(/^.*loop\.yaml/, 'loop.yaml'))).toEqual([
      'loop.yaml:6:17 scripts[0].actions[0].script calls back into script "ping": a loop (ping → pong → ping)',
      'loop.yaml:10:17 scripts[1].actions[0].script calls back into script "pong": a loop (pong → ping → pong)',
    ]);
  });

  it('a rule whose script publishes the message that triggers the rule is refused at load: they would call each other', async () => {
    const files = {
      'echo.yaml': `
scripts:
  - id: shout
    actions:
      - action: publish
        topic: home/hall/intercom
        payload: ring
rules:
  - id: echo
    triggers:
      - trigger: mqtt
        topic: home/hall/+
    actions:
      - action: script
        script: shout
`,
    };
    h = await startEngine(files);
    expect(h.directory.problems.map((p) => p.message)).toEqual([
      'script "shout" publishes home/hall/intercom, which fires this rule again (triggers[0]): rule "echo" and the script would call each other in a loop',
    ]);
  });

  it('a loop the load cannot see (a templated topic) is paused at run with an error, not run for ever', async () => {
    const files = {
      'echo.yaml': `
scripts:
  - id: shout
    mode: parallel
    max: 100
    actions:
      - action: publish
        topic: "{{ 'home/hall/intercom' }}"
        payload: ring
rules:
  - id: echo
    mode: parallel
    max: 100
    triggers:
      - trigger: mqtt
        topic: home/hall/intercom
    actions:
      - action: script
        script: shout
        wait: false
`,
    };
    h = await startEngine(files);
    expect(h.directory.problems).toEqual([]);
    await h.publish('home/hall/intercom', 'ring');
    const paused = () => h!.engine.runtime('echo')?.paused ?? h!.engine.runtime('script:shout')?.paused;
    for (let i = 0; i < 500 && !paused(); i++) await h.clock.advance(0);
    expect(paused()).toMatch(/more than 20 times in a second \(a loop\?\); paused until enabled again/);
    const sent = h.published.filter((m) => m.topic === 'home/hall/intercom').length;
    for (let i = 0; i < 20; i++) await h.clock.advance(0);
    expect(h.published.filter((m) => m.topic === 'home/hall/intercom').length).toBe(sent);
  });

  it('a rule that calls a script of a file not yet written works as soon as the file is saved, without a restart', async () => {
    h = await startEngine({ 'doorbell.yaml': DOORBELL });
    expect(h.directory.list().find((r) => r.id === 'doorbell')!.status).toBe('invalid');
    h.write('scripts.yaml', ANNOUNCE);
    h.directory.reload('scripts.yaml');
    expect(h.directory.problems).toEqual([]);
    expect(h.directory.list().find((r) => r.id === 'doorbell')!.status).toBe('active');
    await h.publish('home/doorbell/pressed', 'true');
    expect(h.commands()).toContain('home/speaker/say/set=Someone at the door (true)');
  });
});
