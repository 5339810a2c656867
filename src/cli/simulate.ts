// `hearth simulate …`: simulated devices against a running hub, and why some could not connect.
import { parseArgs } from 'node:util';
import { HearthError } from '../shared/errors.js';
import { startDiscoveryDevices, type DiscoveryKind } from '../simulator/discovery-devices.js';
import { startFirmwareDevices, type FirmwareKind } from '../simulator/firmware-devices.js';
import { startEsphomeNodes, type EsphomeKind } from '../simulator/esphome-nodes.js';
import { startHomieDevices, type HomieKind } from '../simulator/homie-devices.js';
import { startSimulation } from '../simulator/simulator.js';
import { startZigbee2mqttBridge, type Z2mKind } from '../simulator/zigbee2mqtt-bridge.js';
import { stdout, type Out } from './output.js';

const Z2M_KINDS: Z2mKind[] = ['thermometer', 'light', 'plug', 'motion', 'contact'];
const DISCOVERY_KINDS: DiscoveryKind[] = ['sensor', 'plug', 'light', 'thermostat', 'cover'];
const FIRMWARE_KINDS: Record<string, FirmwareKind[]> = {
  tasmota: ['tasmota-plug', 'tasmota-sensor'],
  shelly: ['shelly-plus1pm', 'shelly-ht'],
};
const ESPHOME_KINDS: EsphomeKind[] = ['climate', 'plug', 'light', 'cover'];
const HOMIE_KINDS: HomieKind[] = ['thermostat', 'dimmer'];
/** `count` devices of kinds in turn: [topic id, kind, name]. */
const nodesOf = <K extends string>(kinds: K[], count: number, prefix: string): Array<[string, K, string]> =>
  Array.from({ length: count }, (_, i) => [
    `${prefix}-${kinds[i % kinds.length]}-${i + 1}`,
    kinds[i % kinds.length]!,
    `${prefix} ${kinds[i % kinds.length]} ${i + 1}`,
  ]);

export async function runSimulateCommand(argv: string[], out: Out = stdout): Promise<number> {
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
  if (!Number.isInteger(devices) || devices < 1 || devices > 10_000)
    throw invalid(`--devices must be an integer 1-10000, got ${JSON.stringify(values.devices)}`);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 100_000)
    throw invalid(`--rate must be a number of readings per second 0-100000, got ${JSON.stringify(values.rate)}`);
  const password = values.password ?? process.env.HEARTH_SIMULATE_PASSWORD;
  const adapter = values.adapter!;
  const NATIVE = ['esphome', 'homie'];
  if (!['home', 'zigbee2mqtt', 'homeassistant', 'tasmota', 'shelly', ...NATIVE].includes(adapter)) {
    throw invalid(`--adapter must be home, zigbee2mqtt, homeassistant, tasmota, shelly, esphome or homie, got ${JSON.stringify(adapter)}`);
  }
  const what =
    {
      zigbee2mqtt: ' behind a Zigbee2MQTT bridge',
      homeassistant: ' announced with Home Assistant discovery',
      tasmota: ' running Tasmota firmware (default topics)',
      shelly: ' running Shelly firmware (default topics)',
      esphome: " speaking ESPHome's MQTT",
      homie: ' speaking Homie 4',
    }[adapter] ?? '';
  out(`connecting ${devices} simulated device(s)${what} to ${values.url}…`);
  const login = { url: values.url, username: values.username, password, rate };
  const kinds = FIRMWARE_KINDS[adapter];
  // Tasmota topics and Shelly ids as the firmwares make them (lower case here, as device logins need).
  const firmwareId = (i: number) =>
    adapter === 'tasmota'
      ? `${values.prefix}-${kinds![i % 2]!.slice(8)}-${i + 1}`
      : `${kinds![i % 2]!.replace('-', '')}-${values.prefix}${i + 1}`;
  const sim = kinds
    ? await startFirmwareDevices({ ...login, devices: Array.from({ length: devices }, (_, i) => [firmwareId(i), kinds[i % 2]!]) })
    : adapter === 'esphome'
      ? await startEsphomeNodes({ ...login, devices: nodesOf(ESPHOME_KINDS, devices, values.prefix!) })
      : adapter === 'homie'
        ? await startHomieDevices({ ...login, devices: nodesOf(HOMIE_KINDS, devices, values.prefix!) })
        : adapter === 'zigbee2mqtt'
          ? await startZigbee2mqttBridge({
              ...login,
              base: values['base-topic'],
              devices: Array.from({ length: devices }, (_, i) => [
                `${values.prefix}/${Z2M_KINDS[i % Z2M_KINDS.length]} ${i + 1}`,
                Z2M_KINDS[i % Z2M_KINDS.length]!,
              ]),
            })
          : adapter === 'homeassistant'
            ? await startDiscoveryDevices({
                ...login,
                prefix: values['base-topic'],
                devices: Array.from({ length: devices }, (_, i) => [
                  `${values.prefix}-${DISCOVERY_KINDS[i % DISCOVERY_KINDS.length]}-${i + 1}`,
                  DISCOVERY_KINDS[i % DISCOVERY_KINDS.length]!,
                  `${values.prefix} ${DISCOVERY_KINDS[i % DISCOVERY_KINDS.length]} ${i + 1}`,
                ]),
              })
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
        "or mqtt.maxConnections (default 2000). Raise them in the hub's config file (mqtt: { maxConnectionsPerAddress: 1000 }) and restart it, or simulate fewer devices.",
    );
  }
  lines.push(wanted > refused.length ? `Running on with the ${wanted - refused.length} that connected.` : 'None connected: stopping.');
  return lines.join('\n');
}
