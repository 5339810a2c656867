// The device simulator and the demo against a real hub: devices announce themselves, publish, obey commands,
// and go offline when they stop, cleanly or not.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulation, type Simulation } from '../../src/simulator/simulator.js';
import { ADMIN_PASSWORD, http, nextMessage, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub | undefined;
let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop().catch(() => undefined);
  await th?.stop(true);
  th = undefined;
  sim = undefined;
});

describe('simulator', () => {
  it('devices announce themselves online with a retained status, publish readings, and obey /set', async () => {
    th = await startTestHub();
    sim = await startSimulation({ url: th.mqttUrl, username: 'admin', password: ADMIN_PASSWORD, devices: 12, rate: 50 });
    await waitFor(() => th!.hub.registry.list().filter((d) => d.status === 'online').length === 12, '12 devices online', 10_000);
    await waitFor(() => th!.hub.registry.get('sim-1').properties.temperature, 'a thermometer reading');
    const t = th.hub.registry.get('sim-1').properties.temperature!.value as number;
    expect(t).toBeGreaterThan(10);
    expect(t).toBeLessThan(35);
    // sim-6 is a light: it obeys and reports back, retained.
    await http(th, 'POST', '/api/devices/sim-6/power/set', { value: 'on' });
    await waitFor(() => th!.hub.registry.get('sim-6').properties.power?.value === 'on', 'the light reports on');
    const watcher = await th.connect();
    const retained = nextMessage(watcher, 'home/sim-6/power');
    expect((await retained).payload).toBe('on');
  });

  it('stopping cleanly or cutting the connections turns the devices offline', async () => {
    th = await startTestHub();
    sim = await startSimulation({ url: th.mqttUrl, username: 'admin', password: ADMIN_PASSWORD, devices: 4, rate: 10, prefix: 'a' });
    await waitFor(() => th!.hub.registry.list().filter((d) => d.online).length === 4, 'online', 10_000);
    await sim.stop({ abrupt: true });
    await waitFor(() => th!.hub.registry.list().every((d) => d.status === 'offline'), 'offline after a cut');
    sim = await startSimulation({ url: th.mqttUrl, username: 'admin', password: ADMIN_PASSWORD, devices: 4, rate: 10, prefix: 'b' });
    await waitFor(() => th!.hub.registry.list().filter((d) => d.online).length === 4, 'b online', 10_000);
    await sim.stop();
    await waitFor(() => th!.hub.registry.list().every((d) => d.status === 'offline'), 'offline after a clean stop');
  });

  it("demo mode starts a living home with rooms, the example rules' device ids, a Zigbee2MQTT bridge and discovered devices", async () => {
    th = await startTestHub({ overrides: { demo: true } });
    await waitFor(() => th!.hub.registry.list().filter((d) => d.online).length === 39, '39 demo devices online', 15_000);
    await waitFor(() => th!.hub.registry.get('livingroom').room === 'Living room', 'rooms set');
    expect(th.hub.registry.has('ac')).toBe(true);
    const said =
      '39 simulated devices are running (20 on home/…, 5 behind a Zigbee2MQTT bridge, 5 announced with Home Assistant discovery, ' +
      '4 running Tasmota or Shelly firmware, 3 ESPHome nodes, 2 Homie devices)';
    expect(th.logs.some((l) => l.includes(`demo mode: ${said}`))).toBe(true);
    await waitFor(() => th!.hub.registry.get('living_room_floor_lamp').room === 'Living room', 'the Zigbee lamp in its room');
    expect(th.hub.registry.get('living_room_floor_lamp')).toMatchObject({
      source: 'zigbee2mqtt',
      name: 'Living room/Floor lamp',
      model: 'LED1624G9',
    });
    expect(th.hub.registry.get('study_thermostat')).toMatchObject({
      source: 'homeassistant',
      room: 'Office',
      properties: { target_temperature: { settable: true, min: 5, max: 28 } },
    });
    expect(th.hub.registry.get('garage_climate')).toMatchObject({
      source: 'esphome',
      room: 'Garage',
      model: 'esp32dev',
      properties: { temperature: { unit: '°C' } },
    });
    expect(th.hub.registry.get('boiler')).toMatchObject({
      source: 'homie',
      room: 'Bathroom',
      properties: { climate_target: { min: 5, max: 30, step: 0.5, settable: true } },
    });
    // They obey in their own dialects, and report back.
    await http(th, 'POST', '/api/devices/living_room_floor_lamp/state/set', { value: true });
    await http(th, 'POST', '/api/devices/study_thermostat/target_temperature/set', { value: 22.5 });
    await waitFor(() => th!.hub.registry.get('living_room_floor_lamp').properties.state?.value === 'ON', 'the lamp on');
    await waitFor(() => th!.hub.registry.get('study_thermostat').properties.target_temperature?.value === 22.5, 'the new set-point');
    // Tasmota and Shelly devices too, in their rooms, obeying in their own dialects.
    await waitFor(() => th!.hub.registry.get('shellyplus1pm-d3m0a1b2c3d4').room === 'Garage', 'the Shelly in its room');
    expect(th.hub.registry.get('kettle-plug')).toMatchObject({
      source: 'tasmota',
      room: 'Kitchen',
      properties: { power: { settable: true } },
    });
    await http(th, 'POST', '/api/devices/kettle-plug/power/set', { value: 'on' });
    await http(th, 'POST', '/api/devices/shellyplus1pm-d3m0a1b2c3d4/switch_0/set', { value: 'on' });
    await waitFor(() => th!.hub.registry.get('kettle-plug').properties.power?.value === 'ON', 'the kettle plug on');
    await waitFor(() => th!.hub.registry.get('shellyplus1pm-d3m0a1b2c3d4').properties.switch_0?.value === true, 'the Shelly switch on');
    await http(th, 'POST', '/api/devices/porch_light/light_brightness/set', { value: 99 }).then((r) => expect(r.status).toBe(202));
    await waitFor(() => th!.hub.registry.get('porch_light').properties.light_brightness?.value === 99, 'the porch light dimmed');
    await http(th, 'POST', '/api/devices/boiler/climate_target/set', { value: 22.5 });
    await waitFor(() => th!.hub.registry.get('boiler').properties.climate_target?.value === 22.5, 'the boiler set-point');
  });

  it('the demo leaves nothing behind: no user, no devices, and no alert fires for its own shutdown', async () => {
    const rulesDir = join(tempDir(), 'rules');
    mkdirSync(rulesDir);
    copyFileSync(join(import.meta.dirname, '../../rules/alerts.yaml'), join(rulesDir, 'alerts.yaml'));
    th = await startTestHub({ rulesDir, overrides: { demo: true } });
    await waitFor(() => th!.hub.registry.list().filter((d) => d.online).length === 39, '39 demo devices online', 15_000);
    // The demo's login is in memory only, and may act only for its own devices.
    expect(th.hub.users.listUsers().map((u) => u.name)).toEqual(['admin']);
    const { canPublish, canSubscribe } = await import('../../src/broker/acl.js');
    const demo = [...Object.values((th.hub.broker.broker as any).clients)]
      .map((c: any) => th!.hub.broker.identityOf(c))
      .find((i) => i?.kind === 'devices')!;
    expect(canPublish(demo, 'home/kitchen/temperature')).toEqual({ allowed: true });
    expect(canPublish(demo, 'home/front-gate/lock/set').allowed).toBe(false);
    expect(canSubscribe(demo, 'home/kitchen-light/+/set')).toEqual({ allowed: true });
    expect(canSubscribe(demo, 'home/#').allowed).toBe(false);
    expect(canPublish(demo, 'zigbee2mqtt/bridge/devices')).toEqual({ allowed: true });
    expect(canPublish(demo, 'study-thermostat/target')).toEqual({ allowed: true });
    expect(canPublish(demo, 'tasmota/discovery/x').allowed).toBe(false);
    expect(canPublish(demo, 'tele/kettle-plug/STATE')).toEqual({ allowed: true });
    expect(canPublish(demo, 'tele/other-plug/STATE').allowed).toBe(false);
    const dataDir = th.dataDir;
    await th.stop();
    // Restarted without --demo: nothing of the demo is left, and no offline alert is pending or fired.
    th = await startTestHub({ dataDir, rulesDir });
    expect(th.hub.registry.list()).toEqual([]);
    expect(th.hub.db.prepare('SELECT count(*) AS n FROM rule_timers').get()).toEqual({ n: 0 });
    expect(th.hub.rules.traces('device-offline-alert').filter((t) => t.outcome === 'ran')).toEqual([]);
  });

  it('demo devices a killed hub left behind are removed at the next start, before any rule sees them', async () => {
    th = await startTestHub();
    const admin = await th.connect();
    await admin.publishAsync('home/kitchen/temperature', '21', { qos: 1, retain: true });
    await admin.publishAsync('home/garage/status', 'online', { qos: 1, retain: true });
    await waitFor(() => th!.hub.registry.has('kitchen') && th!.hub.registry.has('garage'), 'two devices');
    th.hub.registry.markDemo('kitchen');
    const dataDir = th.dataDir;
    await th.stop();
    th = await startTestHub({ dataDir });
    expect(th.hub.registry.list().map((d) => d.id)).toEqual(['garage']);
    // Its retained topics are gone too, so it does not come back from the broker's store.
    await th.restart().then((next) => (th = next));
    expect(th.hub.registry.has('kitchen')).toBe(false);
  });
});

describe('hearth simulate', () => {
  it("--adapter zigbee2mqtt runs a bridge in Zigbee2MQTT's format; --adapter homeassistant, devices announced by discovery", async () => {
    th = await startTestHub();
    const { runSimulateCommand } = await import('../../src/cli/simulate.js');
    const run = (adapter: string) =>
      runSimulateCommand(
        [
          '--adapter',
          adapter,
          '--devices',
          '5',
          '--rate',
          '20',
          '--url',
          th!.mqttUrl,
          '--username',
          'admin',
          '--password',
          ADMIN_PASSWORD,
          '--duration',
          '1',
        ],
        () => undefined,
      );
    expect(await run('zigbee2mqtt')).toBe(0);
    expect(await run('homeassistant')).toBe(0);
    const devices = th.hub.registry.list();
    expect(devices.filter((d) => d.source === 'zigbee2mqtt').map((d) => d.id)).toEqual([
      'sim_contact_5',
      'sim_light_2',
      'sim_motion_4',
      'sim_plug_3',
      'sim_thermometer_1',
    ]);
    expect(devices.filter((d) => d.source === 'homeassistant').map((d) => d.id)).toEqual([
      'sim_cover_5',
      'sim_light_3',
      'sim_plug_2',
      'sim_sensor_1',
      'sim_thermostat_4',
    ]);
    expect(th.hub.registry.get('sim_thermometer_1').properties.temperature).toMatchObject({ unit: '°C', type: 'number' });
    expect(typeof th.hub.registry.get('sim_sensor_1').properties.temperature?.value).toBe('number');
    // The bridge said offline as it stopped; the discovered devices said so on their availability topics.
    expect(devices.every((d) => d.source === 'home' || d.status === 'offline')).toBe(true);
  });

  it("--adapter tasmota and --adapter shelly run devices in their firmwares' own topics", async () => {
    th = await startTestHub();
    const { runSimulateCommand } = await import('../../src/cli/simulate.js');
    const run = (adapter: string) =>
      runSimulateCommand(
        [
          '--adapter',
          adapter,
          '--devices',
          '4',
          '--rate',
          '20',
          '--url',
          th!.mqttUrl,
          '--username',
          'admin',
          '--password',
          ADMIN_PASSWORD,
          '--duration',
          '1',
        ],
        () => undefined,
      );
    expect(await run('tasmota')).toBe(0);
    expect(await run('shelly')).toBe(0);
    const devices = th.hub.registry.list();
    expect(
      devices
        .filter((d) => d.source === 'tasmota')
        .map((d) => d.id)
        .sort(),
    ).toEqual(['sim-plug-1', 'sim-plug-3', 'sim-sensor-2', 'sim-sensor-4']);
    expect(
      devices
        .filter((d) => d.source === 'shelly')
        .map((d) => d.id)
        .sort(),
    ).toEqual(['shellyht-sim2', 'shellyht-sim4', 'shellyplus1pm-sim1', 'shellyplus1pm-sim3']);
    expect(th.hub.registry.get('sim-sensor-2').properties.am2301_temperature).toMatchObject({ unit: '°C', type: 'number' });
    expect(th.hub.registry.get('shellyplus1pm-sim1').properties.switch_0_power).toMatchObject({ unit: 'W' });
    // Each said what its will says as it stopped.
    expect(devices.every((d) => d.source === 'home' || d.status === 'offline')).toBe(true);
  });

  it("--adapter esphome runs nodes in ESPHome's MQTT dialect, and --adapter homie Homie 4 devices", async () => {
    th = await startTestHub();
    const { runSimulateCommand } = await import('../../src/cli/simulate.js');
    const run = (adapter: string) =>
      runSimulateCommand(
        [
          '--adapter',
          adapter,
          '--devices',
          '4',
          '--rate',
          '20',
          '--url',
          th!.mqttUrl,
          '--username',
          'admin',
          '--password',
          ADMIN_PASSWORD,
          '--duration',
          '1',
        ],
        () => undefined,
      );
    expect(await run('esphome')).toBe(0);
    expect(await run('homie')).toBe(0);
    const devices = th.hub.registry.list();
    expect(devices.filter((d) => d.source === 'esphome').map((d) => d.id)).toEqual([
      'sim_climate_1',
      'sim_cover_4',
      'sim_light_3',
      'sim_plug_2',
    ]);
    expect(devices.filter((d) => d.source === 'homie').map((d) => d.id)).toEqual([
      'sim_dimmer_2',
      'sim_dimmer_4',
      'sim_thermostat_1',
      'sim_thermostat_3',
    ]);
    expect(th.hub.registry.get('sim_climate_1').properties.temperature).toMatchObject({ unit: '°C', type: 'number' });
    expect(th.hub.registry.get('sim_dimmer_2').properties.light_brightness).toMatchObject({ min: 0, max: 100, settable: true });
    // They said goodbye as they stopped: offline on <node>/status, disconnected on $state.
    expect(devices.filter((d) => d.source !== 'home').every((d) => d.status === 'offline')).toBe(true);
  });

  it("meets the hub's connection limit, says which setting to raise, and runs on with the devices it has", async () => {
    th = await startTestHub({ overrides: { 'mqtt.maxConnectionsPerAddress': 10 } });
    const lines: string[] = [];
    const { runSimulateCommand } = await import('../../src/cli/simulate.js');
    const code = await runSimulateCommand(
      ['--devices', '15', '--rate', '20', '--url', th.mqttUrl, '--username', 'admin', '--password', ADMIN_PASSWORD, '--duration', '1'],
      (line) => lines.push(line),
    );
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain('5 of 15 simulated device(s) could not connect');
    expect(text).toContain('mqtt.maxConnectionsPerAddress');
    expect(text).toContain('Running on with the 10 that connected.');
    expect(text).toMatch(/stopped: \d+ published/);
  });
});
