// Scenes, scripts and helpers on a real hub: through the real broker, the REST API and SQLite. Helpers are devices
// (retained values, /set from MQTT clients, rules and the API, history), keep their values and running timers
// across a restart; scenes and scripts run from the API with their traces, and a scene is saved from devices.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { http, nextMessage, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

const HOME = `
helpers:
  - { id: vacation, type: toggle, name: Vacation mode }
  - { id: target, type: number, min: 16, max: 26, step: 0.5, unit: "°C", initial: 20 }
  - { id: visitors, type: counter }
  - { id: tea, type: timer, duration: 4m }
scenes:
  - id: away
    name: Away
    states:
      home/hall_lamp/power: "off"
      home/heater/mode: eco
scripts:
  - id: announce
    fields:
      text: { type: text }
      volume: { type: number, min: 0, max: 100, default: 40 }
    actions:
      - action: publish
        topic: home/speaker/say/set
        payload: "{{ text }} ({{ volume }})"
rules:
  - id: vacation-away
    description: Vacation mode on, the away scene
    triggers:
      - trigger: state
        topic: home/helper_vacation/value
        to: "on"
    actions:
      - action: scene
        scene: away
  - id: tea-ready
    triggers:
      - trigger: mqtt
        topic: home/helper_tea/event
        payload: finished
    actions:
      - action: script
        script: announce
        fields: { text: Tea is ready }
`;

async function homeHub(options: { clock?: FakeClock; dataDir?: string } = {}): Promise<TestHub> {
  const dataDir = options.dataDir ?? tempDir();
  const rulesDir = join(dataDir, 'rules');
  mkdirSync(rulesDir, { recursive: true });
  writeFileSync(join(rulesDir, 'home.yaml'), HOME);
  return startTestHub({ dataDir, rulesDir, ...(options.clock ? { clock: options.clock } : {}) });
}

describe('helpers are devices', () => {
  it('publish retained values, obey /set from an MQTT client, trigger rules, and refuse what they cannot take', async () => {
    th = await homeHub();
    const client = await th.connect();
    const retained = await nextMessage(client, 'home/helper_target/value');
    expect(retained).toMatchObject({ payload: '20', retain: true });
    await waitFor(() => th!.hub.registry.has('helper_vacation'), 'the helper as a device');
    expect(th.hub.registry.get('helper_vacation').properties.value!.value).toBe('off');

    // An MQTT client switches vacation mode on: the rule runs the away scene, which sends what is not so already.
    const lamp = await th.connect({ clientId: 'hall-lamp' });
    await lamp.publishAsync('home/hall_lamp/power', 'on', { qos: 1, retain: true });
    await waitFor(() => th!.hub.rules.state('home/hall_lamp/power') === 'on', 'the lamp state');
    const command = nextMessage(lamp, 'home/hall_lamp/+/set');
    await lamp.subscribeAsync('home/hall_lamp/+/set', { qos: 1 });
    await client.publishAsync('home/helper_vacation/value/set', 'on', { qos: 1 });
    expect(await command).toMatchObject({ topic: 'home/hall_lamp/power/set', payload: 'off' });
    await waitFor(() => th!.hub.registry.get('helper_vacation').properties.value?.value === 'on', 'vacation on in the registry');

    // A value out of range through the API: 400 naming it, and nothing changes.
    const bad = await http(th, 'POST', '/api/helpers/target/set', { value: 30 });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      code: 'HEARTH_VALIDATION',
      message: 'helper target: must be between 16 and 26, got 30',
      field: 'body.value',
    });
    const good = await http(th, 'POST', '/api/helpers/target/set', { value: 21.5 });
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({ id: 'target', device: 'helper_target', value: 21.5 });
    await waitFor(() => th!.hub.registry.get('helper_target').properties.value?.value === 21.5, 'the new target in the registry');
    // History like any device.
    await waitFor(
      async () => (await http(th!, 'GET', '/api/devices/helper_target/history/value')).json?.points?.length >= 1,
      'history of the helper',
      5000,
    );

    // The device says what each helper is, so the device page draws its control: a switch, a slider with its range.
    const target = (await http(th, 'GET', '/api/devices/helper_target')).json;
    expect(target.properties.value).toMatchObject({ type: 'number', min: 16, max: 26, step: 0.5, unit: '°C', settable: true });
    const vacation = (await http(th, 'GET', '/api/devices/helper_vacation')).json;
    expect(vacation).toMatchObject({
      name: 'Vacation mode',
      properties: { value: { type: 'boolean', on: 'on', off: 'off', settable: true } },
    });
    expect((await http(th, 'GET', '/api/devices/helper_tea')).json.properties.value).toMatchObject({ type: 'enum', settable: false });
    expect((await http(th, 'POST', '/api/devices/helper_target/value/set', { value: 22 })).status).toBe(202);
    await waitFor(() => th!.hub.helpers.get('target').value === 22, 'the target set from the device page');

    // A counter counts; an MQTT client sending nonsense is ignored and logged.
    await client.publishAsync('home/helper_visitors/value/set', 'increment', { qos: 1 });
    await client.publishAsync('home/helper_visitors/value/set', 'increment', { qos: 1 });
    await client.publishAsync('home/helper_visitors/value/set', 'lots', { qos: 1 });
    await waitFor(() => th!.logs.some((l) => l.includes('helper visitors: ignored "lots"')), 'the refusal in the log');
    expect(th.hub.helpers.get('visitors').value).toBe(2);
  });

  it('keep their values across a restart, and a running timer finishes at its time (or at start, if that passed)', async () => {
    const clock = new FakeClock(Date.UTC(2026, 5, 1, 8, 0, 0));
    th = await homeHub({ clock });
    const dataDir = th.dataDir;
    expect((await http(th, 'POST', '/api/helpers/vacation/set', { value: 'on' })).status).toBe(200);
    expect((await http(th, 'POST', '/api/helpers/tea/set', { value: 'start' })).json.timer).toMatchObject({
      state: 'active',
      remaining: 240,
    });
    await clock.advance(60_000);
    await th.stop();
    // Two minutes later the hub starts again: three minutes were left, one is.
    const later = new FakeClock(Date.UTC(2026, 5, 1, 8, 3, 0));
    th = await homeHub({ clock: later, dataDir });
    expect(th.hub.helpers.get('vacation').value).toBe('on');
    expect(th.hub.helpers.get('tea').timer).toMatchObject({ state: 'active', remaining: 60 });
    const client = await th.connect();
    const said = nextMessage(client, 'home/speaker/say/set');
    await client.subscribeAsync('home/speaker/say/set', { qos: 1 });
    await later.advance(60_000);
    expect(await said).toMatchObject({ payload: 'Tea is ready (40)' });
    expect(th.hub.helpers.get('tea')).toMatchObject({ value: 'idle', timer: { state: 'idle', remaining: 0 } });
  });
});

describe('scenes and scripts through the API', () => {
  it('activating a scene answers with what was sent and what was already so', async () => {
    th = await homeHub();
    const c = await th.connect();
    await c.publishAsync('home/heater/mode', 'eco', { qos: 1, retain: true });
    await c.publishAsync('home/hall_lamp/power', 'on', { qos: 1, retain: true });
    await waitFor(() => th!.hub.rules.state('home/hall_lamp/power') === 'on', 'states known');
    const res = await http(th, 'POST', '/api/scenes/away/activate');
    expect(res.status).toBe(200);
    expect(res.json.outcome).toBe('ran');
    expect(res.json.actions[0].children.map((s: any) => `${s.step}: ${s.result}`)).toEqual([
      'home/hall_lamp/power: sent off to home/hall_lamp/power/set (was on)',
      'home/heater/mode: already eco',
    ]);
    expect((await http(th, 'GET', '/api/scenes/away/traces')).json).toHaveLength(1);
    expect((await http(th, 'POST', '/api/scenes/nope/activate')).status).toBe(404);
  });

  it('"save the current state of these devices as a scene" writes it to scenes.yaml, where it loads like any scene', async () => {
    th = await homeHub();
    const c = await th.connect();
    await c.publishAsync('home/tv/power', 'on', { qos: 1, retain: true });
    await c.publishAsync('home/tv/volume', '12', { qos: 1, retain: true });
    await c.publishAsync('home/tv/status', 'online', { qos: 1, retain: true });
    await waitFor(() => th!.hub.registry.get('tv').properties.volume !== undefined, 'the tv');
    const res = await http(th, 'POST', '/api/scenes', { id: 'tv-time', name: 'TV time', devices: ['tv'] });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      id: 'tv-time',
      name: 'TV time',
      status: 'active',
      states: { 'home/tv/power': 'on', 'home/tv/volume': 12 },
      fileName: 'scenes.yaml',
    });
    const yaml = readFileSync(join(th.dataDir, 'rules', 'scenes.yaml'), 'utf8');
    expect(yaml).toContain('home/tv/volume: 12');
    const missing = await http(th, 'POST', '/api/scenes', { id: 'nothing', properties: ['home/tv/brightness'] });
    expect(missing).toMatchObject({
      status: 400,
      json: { message: 'body.properties[0]: tv has no brightness yet', field: 'body.properties[0]' },
    });
    expect((await http(th, 'DELETE', '/api/scenes/tv-time')).status).toBe(204);
    expect((await http(th, 'GET', '/api/scenes/tv-time')).status).toBe(404);
  });

  it('running a script checks its fields first, then answers with its trace', async () => {
    th = await homeHub();
    const missing = await http(th, 'POST', '/api/scripts/announce/run', { fields: {} });
    expect(missing).toMatchObject({
      status: 400,
      json: { message: 'body.fields.text is required (a text field without a default)', field: 'body.fields.text' },
    });
    const wrong = await http(th, 'POST', '/api/scripts/announce/run', { fields: { text: 'hi', volume: 'loud' } });
    expect(wrong).toMatchObject({
      status: 400,
      json: { message: 'body.fields.volume must be a number, got "loud"', field: 'body.fields.volume' },
    });
    const ran = await http(th, 'POST', '/api/scripts/announce/run', { fields: { text: 'Dinner', volume: '70' } });
    expect(ran.status).toBe(200);
    expect(ran.json).toMatchObject({
      ruleId: 'script:announce',
      outcome: 'ran',
      published: [{ topic: 'home/speaker/say/set', payload: 'Dinner (70)' }],
    });
    const list = (await http(th, 'GET', '/api/scripts')).json;
    expect(list).toMatchObject([
      {
        id: 'announce',
        status: 'active',
        mode: 'single',
        fields: { text: { type: 'text' }, volume: { type: 'number', default: 40 } },
        lastRun: { outcome: 'ran' },
      },
    ]);
  });

  it('a script started in a loop is paused with the reason, and runs again once enabled', async () => {
    th = await homeHub();
    for (let i = 0; i < 25; i++) {
      try {
        th.hub.rules.call('script:announce', { id: 'loop', kind: 'script', description: 'a loop', fields: { text: 'again' } });
      } catch {
        // paused: the calls after the 20th in a second are refused
      }
    }
    const paused = (await http(th, 'GET', '/api/scripts/announce')).json;
    expect(paused).toMatchObject({
      status: 'paused',
      errors: [{ message: 'started more than 20 times in a second (a loop?); paused until enabled again' }],
    });
    expect((await http(th, 'POST', '/api/scripts/announce/run', { fields: { text: 'hi' } })).status).toBe(409);
    expect((await http(th, 'POST', '/api/scripts/announce/enable')).json.status).toBe('active');
    expect((await http(th, 'POST', '/api/scripts/announce/run', { fields: { text: 'hi' } })).json.outcome).toBe('ran');
  });

  it('a helper made in the dashboard is written to helpers.yaml and is a device at once', async () => {
    th = await homeHub();
    const bad = await http(th, 'POST', '/api/helpers', { id: 'mode', type: 'select', options: [] });
    expect(bad).toMatchObject({ status: 400, json: { code: 'HEARTH_VALIDATION', field: 'body.options' } });
    const made = await http(th, 'POST', '/api/helpers', {
      id: 'mode',
      type: 'select',
      name: 'House mode',
      options: ['home', 'away', 'night'],
    });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ id: 'mode', value: 'home', file: expect.stringContaining('helpers.yaml') });
    await waitFor(() => th!.hub.registry.has('helper_mode'), 'the new helper as a device');
    expect((await http(th, 'GET', '/api/helpers')).json.map((h: any) => h.id)).toEqual(['mode', 'target', 'tea', 'vacation', 'visitors']);
  });

  it('a rule made from a blueprint, calling a script, replays against history with the rules dir around it', async () => {
    th = await homeHub();
    writeFileSync(
      join(th.dataDir, 'rules', 'blueprints.yaml'),
      readFileSync(join(import.meta.dirname, '../../rules/blueprints.yaml'), 'utf8'),
    );
    await waitFor(async () => (await http(th!, 'GET', '/api/blueprints')).json?.length === 3, 'the blueprints loaded');
    const c = await th.connect();
    await c.publishAsync('home/hall/motion', 'false', { qos: 1 });
    await waitFor(() => th!.hub.registry.has('hall'), 'the motion sensor');
    const t0 = Date.UTC(2026, 10, 1, 20, 0, 0);
    th.hub.history.append('hall', 'motion', true, t0 + 60_000);
    th.hub.writes.flush();
    const yaml =
      'id: hall-light\nuse_blueprint:\n  blueprint: motion-light\n  inputs: { motion: home/hall/motion, light: home/hall_lamp/power, off_delay: 30s }\n';
    const res = await http(th, 'POST', '/api/rules/replay', {
      yaml,
      from: new Date(t0).toISOString(),
      to: new Date(t0 + 600_000).toISOString(),
    });
    expect(res.status).toBe(200);
    expect(res.json.runs.map((r: any) => r.published.map((p: any) => `${p.topic}=${p.payload}`))).toEqual([
      ['home/hall_lamp/power/set=on', 'home/hall_lamp/power/set=off'],
    ]);
    const calling =
      'id: tea\ntriggers:\n  - trigger: state\n    topic: home/hall/motion\n    to: true\nactions:\n  - action: script\n    script: announce\n    fields: { text: hello }\n';
    const replayed = await http(th, 'POST', '/api/rules/replay', {
      yaml: calling,
      from: new Date(t0).toISOString(),
      to: new Date(t0 + 600_000).toISOString(),
    });
    expect(replayed.json.runs.map((r: any) => [r.outcome, r.reason])).toEqual([['ran', undefined]]);
  });

  it('the OpenAPI document describes the new routes with their schemas', async () => {
    th = await homeHub();
    const doc = (await http(th, 'GET', '/openapi.json')).json;
    for (const path of [
      '/api/scenes',
      '/api/scenes/{id}/activate',
      '/api/scripts/{id}/run',
      '/api/helpers',
      '/api/helpers/{id}/set',
      '/api/blueprints',
    ])
      expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths['/api/scripts/{id}/run'].post.requestBody.content['application/json'].schema.properties.fields).toBeDefined();
    expect(doc.paths['/api/helpers/{id}/set'].post.responses['200'].content['application/json'].schema.properties.device).toBeDefined();
  });
});
