// The device simulator and the demo against a real hub: devices announce themselves, publish, obey commands,
// and go offline when they stop, cleanly or not.
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulation, type Simulation } from '../../src/simulator/simulator.js';
import { ADMIN_PASSWORD, http, nextMessage, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

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

  it('demo mode starts a living home with rooms, using the example rules\' device ids', async () => {
    th = await startTestHub({ overrides: { demo: true } });
    await waitFor(() => th!.hub.registry.list().filter((d) => d.online).length === 20, '20 demo devices online', 15_000);
    await waitFor(() => th!.hub.registry.get('livingroom').room === 'Living room', 'rooms set');
    expect(th.hub.registry.has('ac')).toBe(true);
    expect(th.logs.some((l) => l.includes('demo mode: 20 simulated devices are running'))).toBe(true);
  });
});
