// `hearth simulate …` and the in-process demo behind `hearth start --demo`.
import { parseArgs } from 'node:util';
import { HearthError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { DEMO_DISCOVERY, DEMO_HOME, DEMO_ZIGBEE } from './devices.js';
import { startDiscoveryDevices, type DiscoveryKind } from './discovery-devices.js';
import { startSimulation, type Simulation } from './simulator.js';
import { startZigbee2mqttBridge, type Z2mKind } from './zigbee2mqtt-bridge.js';

const Z2M_KINDS: Z2mKind[] = ['thermometer', 'light', 'plug', 'motion', 'contact'];
const DISCOVERY_KINDS: DiscoveryKind[] = ['sensor', 'plug', 'light', 'thermostat', 'cover'];

export async function runSimulateCommand(argv: string[], out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string', default: '20' },
      rate: { type: 'string', default: '10' },
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      username: { type: 'string' },
      password: { type: 'string' },
      duration: { type: 'string' },
      prefix: { type: 'string', default: 'sim' },
      adapter: { type: 'string', default: 'home' },
      'base-topic': { type: 'string' },
    },
    strict: true,
  });
  const devices = Number(values.devices);
  const rate = Number(values.rate);
  if (!Number.isInteger(devices) || devices < 1 || devices > 10_000) throw invalid(`--devices must be an integer 1-10000, got ${JSON.stringify(values.devices)}`);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 100_000) throw invalid(`--rate must be a number of readings per second 0-100000, got ${JSON.stringify(values.rate)}`);
  const password = values.password ?? process.env.HEARTH_SIMULATE_PASSWORD;
  const adapter = values.adapter!;
  if (!['home', 'zigbee2mqtt', 'homeassistant'].includes(adapter)) throw invalid(`--adapter must be home, zigbee2mqtt or homeassistant, got ${JSON.stringify(adapter)}`);
  const what = adapter === 'zigbee2mqtt' ? ' behind a Zigbee2MQTT bridge' : adapter === 'homeassistant' ? ' announced with Home Assistant discovery' : '';
  out(`connecting ${devices} simulated device(s)${what} to ${values.url}…`);
  const login = { url: values.url, username: values.username, password, rate };
  const sim = adapter === 'zigbee2mqtt'
    ? await startZigbee2mqttBridge({ ...login, base: values['base-topic'], devices: Array.from({ length: devices }, (_, i) => [`${values.prefix}/${Z2M_KINDS[i % Z2M_KINDS.length]} ${i + 1}`, Z2M_KINDS[i % Z2M_KINDS.length]!]) })
    : adapter === 'homeassistant'
      ? await startDiscoveryDevices({ ...login, prefix: values['base-topic'], devices: Array.from({ length: devices }, (_, i) => [`${values.prefix}-${DISCOVERY_KINDS[i % DISCOVERY_KINDS.length]}-${i + 1}`, DISCOVERY_KINDS[i % DISCOVERY_KINDS.length]!, `${values.prefix} ${DISCOVERY_KINDS[i % DISCOVERY_KINDS.length]} ${i + 1}`]) })
      : await startSimulation({ ...login, devices, prefix: values.prefix });
  if (sim.refused.length > 0) out(explainRefusals(sim.refused, devices));
  if (sim.stats().devices === 0) {
    await sim.stop();
    return 1;
  }
  out(`running: ${sim.stats().connected} connected, ${rate} reading(s)/s; Ctrl-C to stop`);
  const progress = setInterval(() => {
    const s = sim.stats();
    out(`${s.connected}/${s.devices} connected, ${s.published} published, ${s.commands} command(s) obeyed`);
  }, 5000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (values.duration) setTimeout(resolve, Number(values.duration) * 1000);
  });
  clearInterval(progress);
  await sim.stop();
  const s = sim.stats();
  out(`stopped: ${s.published} published, ${s.commands} command(s) obeyed`);
  return 0;
}

function invalid(message: string): HearthError {
  return new HearthError('HEARTH_VALIDATION', { message });
}

/** Why devices could not connect, in words that say which setting to change. */
export function explainRefusals(refused: Array<{ id: string; reason: string }>, wanted: number): string {
  const reasons = [...new Set(refused.map((r) => r.reason))];
  const auth = reasons.some((r) => /not authori[sz]ed|bad user ?name or password/i.test(r));
  const closed = reasons.some((r) => /ECONNRESET|EPIPE|closed|connack timeout|couldn't connect/i.test(r));
  const lines = [`${refused.length} of ${wanted} simulated device(s) could not connect (${reasons.slice(0, 3).join('; ')}).`];
  if (auth) lines.push('The hub refused the credentials: give --username and --password of an admin user (or HEARTH_SIMULATE_PASSWORD).');
  if (closed) {
    lines.push(
      'The hub closed connections before accepting them: most likely its connection limits, mqtt.maxConnectionsPerAddress (default 100 from one address) ' +
        'or mqtt.maxConnections (default 2000). Raise them in the hub\'s config file (mqtt: { maxConnectionsPerAddress: 1000 }) and restart it, or simulate fewer devices.',
    );
  }
  lines.push(wanted > refused.length ? `Running on with the ${wanted - refused.length} that connected.` : 'None connected: stopping.');
  return lines.join('\n');
}

/**
 * About 20 devices of a believable home, in-process but over real MQTT, with the ids the example rules use; and a
 * Zigbee2MQTT bridge and devices announced with Home Assistant discovery, speaking their own formats (not retained,
 * so a demo that ends, or crashes, leaves nothing in the broker that would bring them back).
 */
export async function startDemo(opts: { mqttUrl: string; username: string; password: string; logger?: Logger; rate?: number; adapters?: { zigbee2mqtt?: string; homeassistant?: string } }): Promise<Simulation> {
  const login = { url: opts.mqttUrl, username: opts.username, password: opts.password, logger: opts.logger };
  const { zigbee2mqtt, homeassistant } = opts.adapters ?? {};
  const sims = await Promise.all([
    startSimulation({ ...login, devices: DEMO_HOME.map(([id, kind]) => [id, kind]), rate: opts.rate ?? 4 }),
    ...(zigbee2mqtt ? [startZigbee2mqttBridge({ ...login, base: zigbee2mqtt, devices: DEMO_ZIGBEE.map(([name, kind]) => [name, kind]), rate: 0.5, retain: false })] : []),
    ...(homeassistant ? [startDiscoveryDevices({ ...login, prefix: homeassistant, devices: DEMO_DISCOVERY.map(([id, kind, name]) => [id, kind, name]), rate: 0.5, retain: false })] : []),
  ]);
  return combine(sims);
}

/** Several simulations as one. */
function combine(sims: Simulation[]): Simulation {
  return {
    clients: new Map(sims.flatMap((s) => [...s.clients])),
    refused: sims.flatMap((s) => s.refused),
    stats: () => sims.map((s) => s.stats()).reduce((a, b) => ({ devices: a.devices + b.devices, connected: a.connected + b.connected, published: a.published + b.published, commands: a.commands + b.commands })),
    pause: () => sims.forEach((s) => s.pause()),
    stop: async (options) => void (await Promise.all(sims.map((s) => s.stop(options)))),
  };
}
