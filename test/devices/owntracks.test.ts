// People through the real broker: phones with OwnTracks in MQTT mode, each with the login `hearth device add <user>
// --adapter owntracks` gives it, publish their locations and region events; each user becomes person_<user>, and the
// last to leave fires a rule whose command reaches a device. Payloads are the OwnTracks booklet's (fixtures/owntracks.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import { HOME, location, transition } from './fixtures/owntracks.js';

const RULES = `
- id: everyone-left
  triggers:
    - trigger: presence
      event: last_left
  actions:
    - action: publish
      topic: home/lights/power/set
      payload: "off"
- id: welcome
  triggers:
    - trigger: presence
      event: arrived
  conditions:
    - condition: presence
      person: bob
      home: false
  actions:
    - action: publish
      topic: home/kettle/power/set
      payload: "on"
`;

describe('presence from OwnTracks', () => {
  let th: TestHub;
  let lights: MqttClient;
  const commands: string[] = [];
  const phones: MqttClient[] = [];
  const t0 = Math.floor(Date.now() / 1000);

  const phone = async (user: string): Promise<MqttClient> => {
    const added = await runCli(['device', 'add', user, '--adapter', 'owntracks'], { HEARTH_DATA_DIR: th.dataDir });
    expect(added.stdout).toContain(`it may publish to owntracks/${user}/# and subscribe to owntracks/${user}/#`);
    const password = /password: (\S+)/.exec(added.stdout)![1]!;
    // As the app connects: its will is the lwt message (booklet, _type=lwt).
    const client = await mqtt.connectAsync(th.mqttUrl, {
      username: user,
      password,
      reconnectPeriod: 0,
      will: { topic: `owntracks/${user}/phone`, payload: Buffer.from(JSON.stringify({ _type: 'lwt', tst: t0 })), qos: 1, retain: false },
    });
    phones.push(client);
    return client;
  };
  const send = (c: MqttClient, topic: string, body: object) =>
    c.publishAsync(topic, JSON.stringify(body), { qos: 1, retain: !topic.endsWith('/event') });
  const person = async (id: string) => (await http(th, 'GET', `/api/devices/${id}`)).json;

  beforeAll(async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'presence.yaml'), RULES);
    th = await startTestHub({
      dataDir: dir,
      rulesDir: join(dir, 'rules'),
      overrides: { 'adapters.owntracks.home': { ...HOME, radius: 100 } },
    });
    lights = await th.connect({ clientId: 'lights' });
    lights.on('message', (t, p) => commands.push(`${t}=${p}`));
    await lights.subscribeAsync('home/+/power/set', { qos: 1 });
  });
  afterAll(async () => {
    await Promise.all(phones.map((p) => p.endAsync(true)));
    await th.stop(true);
  });

  it('each user becomes person_<user> with home, since, battery and distance, mirrored on home/person_<user>/…', async () => {
    const alice = await phone('alice');
    const bob = await phone('bob');
    await send(alice, 'owntracks/alice/phone', location({ metres: 2400, tst: t0, batt: 55 }));
    await send(bob, 'owntracks/bob/phone', location({ metres: 20, tst: t0 }));
    const a = await waitFor(
      async () => (await person('person_alice'))?.properties?.home?.value !== undefined && person('person_alice'),
      'person_alice',
    );
    expect(a).toMatchObject({ source: 'owntracks', manufacturer: 'OwnTracks', status: 'online' });
    expect(a.properties.home).toMatchObject({ value: false, type: 'boolean', deviceClass: 'presence', settable: false });
    expect(a.properties.since.value).toBe(new Date(t0 * 1000).toISOString());
    expect(a.properties.battery).toMatchObject({ value: 55, unit: '%' });
    expect(a.properties.distance).toMatchObject({ value: 2400, unit: 'm' });
    await waitFor(async () => (await person('person_bob'))?.properties?.home?.value === true, 'bob at home');
    const mirrored = await th.connect();
    const seen: string[] = [];
    mirrored.on('message', (t, p) => seen.push(`${t}=${p}`));
    await mirrored.subscribeAsync('home/person_bob/home');
    await waitFor(() => seen.includes('home/person_bob/home=true'), 'the retained mirror');
  });

  it('a phone may publish only under its own user: alice cannot move bob', async () => {
    await send(phones[0]!, 'owntracks/bob/phone', location({ metres: 9000, tst: t0 + 5 }));
    await waitFor(() => th.logs.some((l) => /dropped a publish by device alice .*owntracks\/bob\/phone/.test(l)), 'the refused publish');
    expect((await person('person_bob')).properties.home.value).toBe(true);
  });

  it('an arrival fires its rule; the first to leave does not fire last_left, the last does and commands the lights', async () => {
    const [alice, bob] = phones as [MqttClient, MqttClient];
    await send(alice, 'owntracks/alice/phone/event', transition('enter', t0 + 10));
    await waitFor(async () => (await person('person_alice')).properties.home.value === true, 'alice home');
    // welcome: bob is home, so its condition fails; the trace says so.
    const welcome = await waitFor(
      async () => (await http(th, 'GET', '/api/rules/welcome/traces')).json.find?.((t: any) => t.outcome === 'conditions_failed'),
      'the welcome trace',
    );
    expect(welcome.conditions[0].details).toBe('bob is home, wanted away');
    await send(alice, 'owntracks/alice/phone/event', transition('leave', t0 + 20));
    const kept = await waitFor(
      async () => (await http(th, 'GET', '/api/rules/everyone-left/traces')).json.find?.((t: any) => t.outcome === 'trigger_rejected'),
      'the rejected trace',
    );
    expect(kept.reason).toBe('presence: alice left, but bob is still home');
    expect(commands).toEqual([]);
    await send(bob, 'owntracks/bob/phone', location({ metres: 3000, acc: 30, tst: t0 + 30 }));
    await waitFor(() => commands.includes('home/lights/power/set=off'), 'the lights off command');
    const traces = await http(th, 'GET', '/api/rules/everyone-left/traces');
    const ran = traces.json.find((t: any) => t.outcome === 'ran');
    expect(ran.trigger.description).toBe('bob left home (home now: nobody): the last to leave');
  });

  it('a restart keeps who is home, and the retained locations replayed at start-up fire nothing', async () => {
    th = await th.restart();
    lights = await th.connect({ clientId: 'lights' });
    await waitFor(async () => (await person('person_bob'))?.properties?.home?.value === false, 'bob still away');
    await new Promise((r) => setTimeout(r, 300));
    expect((await http(th, 'GET', '/api/rules/everyone-left/traces')).json.filter((t: any) => t.outcome === 'ran')).toHaveLength(1);
  });
});
