// The thermostat story end to end: a real hub, real MQTT clients, the rule's `for:` hold on a virtual clock.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';

const RULE = `
id: cool-living-room
description: Turn the AC on when the living room stays hot
triggers:
  - trigger: numeric_state
    topic: home/livingroom/temperature
    above: 26
    for: 5m
    hysteresis: 1
conditions:
  - condition: state
    topic: home/ac/power
    state: "off"
actions:
  - action: publish
    topic: home/ac/power/set
    payload: "on"
  - action: log
    message: "AC on: living room at {{ trigger.value }} °C"
`;

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

async function setup() {
  const clock = new FakeClock(Date.now());
  const dir = tempDir();
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'ac.yaml'), RULE);
  th = await startTestHub({ dataDir: dir, rulesDir, clock });
  const sensor = await th.connect({ clientId: 'thermometer' });
  const ac = await th.connect({ clientId: 'ac-unit' });
  const commands: string[] = [];
  ac.on('message', (topic, payload) => topic === 'home/ac/power/set' && commands.push(payload.toString()));
  await ac.subscribeAsync('home/ac/power/set', { qos: 1 });
  await ac.publishAsync('home/ac/power', 'off', { qos: 1, retain: true });
  await waitFor(() => th!.hub.rules.state('home/ac/power') === 'off', 'AC state known');
  return { clock, sensor, ac, commands };
}

async function publish(client: MqttClient, topic: string, value: string, expectState = true) {
  await client.publishAsync(topic, value, { qos: 1 });
  if (expectState) await waitFor(() => String(th!.hub.rules.state(topic)) === value, `${topic} = ${value}`);
}

describe('thermostat rule', () => {
  it('turns the AC on after the temperature stays above 26 °C for 5 minutes', async () => {
    const { clock, sensor, commands } = await setup();
    await publish(sensor, 'home/livingroom/temperature', '25');
    await publish(sensor, 'home/livingroom/temperature', '26.5');
    await clock.advance(4 * 60_000);
    await publish(sensor, 'home/livingroom/temperature', '27');
    await clock.advance(59_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(commands).toEqual([]);
    await clock.advance(1_000);
    await waitFor(() => commands.length === 1, 'AC command');
    expect(commands).toEqual(['on']);
    const [trace] = th!.hub.rules.traces('cool-living-room');
    expect(trace!.outcome).toBe('ran');
    expect(trace!.published).toEqual([expect.objectContaining({ topic: 'home/ac/power/set', payload: 'on' })]);
    expect(th!.logs.some((l) => l.includes('rule cool-living-room: AC on: living room at 26.5 °C'))).toBe(true);
  });

  it('a drop below the threshold during the hold cancels it, and says so in a trace', async () => {
    const { clock, sensor, commands } = await setup();
    await publish(sensor, 'home/livingroom/temperature', '25');
    await publish(sensor, 'home/livingroom/temperature', '26.8');
    await clock.advance(130_000);
    await publish(sensor, 'home/livingroom/temperature', '25.1');
    await clock.advance(10 * 60_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(commands).toEqual([]);
    const reasons = th!.hub.rules.traces('cool-living-room').map((t) => t.reason);
    expect(reasons).toContain('for: 5m interrupted after 2m10s by 25.1');
    expect(reasons).toContain('numeric_state: 25 is not above 26');
  });

  it('does not fire again until the temperature falls below the hysteresis band', async () => {
    const { clock, sensor, ac, commands } = await setup();
    await publish(sensor, 'home/livingroom/temperature', '25');
    await publish(sensor, 'home/livingroom/temperature', '27');
    await clock.advance(5 * 60_000);
    await waitFor(() => commands.length === 1, 'first command');
    await publish(ac, 'home/ac/power', 'off'); // someone switched it off again
    await publish(sensor, 'home/livingroom/temperature', '25.5'); // out of range but inside the hysteresis band
    await publish(sensor, 'home/livingroom/temperature', '27');
    await clock.advance(6 * 60_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(commands).toHaveLength(1);
    await publish(sensor, 'home/livingroom/temperature', '24.9'); // below 26 - 1: re-armed
    await publish(sensor, 'home/livingroom/temperature', '27');
    await clock.advance(5 * 60_000);
    await waitFor(() => commands.length === 2, 'second command after re-arming');
  });

  it('the condition stops it when the AC is already on, and the trace names the value', async () => {
    const { clock, sensor, ac, commands } = await setup();
    await publish(ac, 'home/ac/power', 'on');
    await publish(sensor, 'home/livingroom/temperature', '25');
    await publish(sensor, 'home/livingroom/temperature', '28');
    await clock.advance(5 * 60_000);
    await waitFor(
      () => th!.hub.rules.traces('cool-living-room').some((t) => t.outcome === 'conditions_failed'),
      'a conditions_failed trace',
    );
    expect(commands).toEqual([]);
    const trace = th!.hub.rules.traces('cool-living-room').find((t) => t.outcome === 'conditions_failed')!;
    expect(trace.reason).toBe('state: home/ac/power is "on", wanted "off"');
  });
});
