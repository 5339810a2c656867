// Demo mode: a simulated home over real MQTT. Everything belongs to the demo: its login exists only in memory and
// may act only for its own devices, its devices are marked, and when the demo ends they are removed without
// going "offline" first, so no alert rule fires for the demo's own shutdown.
import type { MqttIdentity } from '../broker/acl.js';
import type { DeviceRegistry } from '../devices/device-registry.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import { generatePassword } from '../shared/password.js';
import { idFromName } from '../devices/device-id.js';
import { DEMO_DISCOVERY, DEMO_ESPHOME, DEMO_HOME, DEMO_HOMIE, DEMO_ZIGBEE } from './devices.js';
// The simulators pull in the mqtt client library (about 20 MB of RSS on a Pi): the hub loads this module only in
// demo mode.
import { startDiscoveryDevices } from './discovery-devices.js';
import { DEMO_FIRMWARE, startFirmwareDevices } from './firmware-devices.js';
import { tasmotaAdapter } from '../devices/adapters/tasmota.js';
import { shellyAdapter } from '../devices/adapters/shelly.js';
import { startEsphomeNodes } from './esphome-nodes.js';
import { startHomieDevices } from './homie-devices.js';
import { startSimulation, type Simulation } from './simulator.js';
import { startZigbee2mqttBridge } from './zigbee2mqtt-bridge.js';

export interface DemoModeDeps {
  /** Adds a login to the embedded broker that lives in memory only, until the returned function removes it. */
  addLogin(username: string, password: string, identity: MqttIdentity): () => void;
  registry: DeviceRegistry;
  events: EventBus;
  logger: Logger;
  mqttUrl: string;
  /** Base topics of the Zigbee2MQTT and Home Assistant discovery adapters, when enabled: the demo speaks them too. */
  adapters?: { zigbee2mqtt?: string; homeassistant?: string; tasmota?: string; shelly?: string; esphome?: string; homie?: string };
}

/** The demo's MQTT login: not a user (nothing in the database), and with no rights beyond its devices. */
export const DEMO_LOGIN = 'hearth-demo';

/** Starts the simulated home; the returned function ends it (before the broker stops). */
export async function startDemoMode(deps: DemoModeDeps): Promise<() => Promise<void>> {
  const { registry, events, logger } = deps;
  const password = generatePassword();
  const z2m = deps.adapters?.zigbee2mqtt;
  const ha = deps.adapters?.homeassistant;
  // Tasmota and Shelly devices when their adapters run with their firmwares' default topics (the simulator's).
  const firmware = DEMO_FIRMWARE.filter(([, kind]) =>
    kind.startsWith('tasmota') ? deps.adapters?.tasmota === '%prefix%/%topic%/' : deps.adapters?.shelly === 'shellies',
  );
  const firmwareTopics = firmware.map(([id, kind]) =>
    (kind.startsWith('tasmota') ? tasmotaAdapter() : shellyAdapter()).credentialTopics(id),
  );
  const esp = deps.adapters?.esphome;
  const homie = deps.adapters?.homie;
  // ESPHome nodes and Homie devices (on their default roots, esphome/ and homie/, as the simulators speak them).
  const natives = [...(esp === 'esphome' ? DEMO_ESPHOME : []), ...(homie === 'homie' ? DEMO_HOMIE : [])];
  const rooms = new Map<string, string>([
    ...DEMO_HOME.map(([id, , room]) => [id, room] as [string, string]),
    ...(z2m ? DEMO_ZIGBEE.map(([name, , room]) => [idFromName(name), room] as [string, string]) : []),
    ...(ha ? DEMO_DISCOVERY.map(([, , name, room]) => [idFromName(name), room] as [string, string]) : []),
    ...firmware.map(([id, , room]) => [id, room] as [string, string]),
    ...natives.map(([, , name, room]) => [idFromName(name), room] as [string, string]),
  ]);
  // Its bridge and its discovered devices speak in their own topics, and only there.
  const topics = [
    ...(z2m ? [`${z2m}/#`] : []),
    ...(ha ? [`${ha}/#`, ...DEMO_DISCOVERY.map(([id]) => `${id}/#`)] : []),
    ...(esp === 'esphome' ? ['esphome/discover/+', ...DEMO_ESPHOME.map(([id]) => `${id}/#`)] : []),
    ...(homie === 'homie' ? DEMO_HOMIE.map(([id]) => `homie/${id}/#`) : []),
  ];
  const deviceIds = new Set(DEMO_HOME.map(([id]) => id));
  const publish = [...topics, ...firmwareTopics.flatMap((t) => t.publish)];
  const subscribe = [...topics, ...firmwareTopics.flatMap((t) => t.subscribe)];
  const removeLogin = deps.addLogin(DEMO_LOGIN, password, {
    kind: 'devices',
    name: 'demo mode',
    deviceIds,
    topics: { publish, subscribe },
  });
  const adopt = (id: string) => {
    const room = rooms.get(id);
    if (!room || !registry.has(id)) return;
    registry.markDemo(id);
    if (!registry.get(id).room) registry.updateMeta(id, { room });
  };
  events.on('device.created', 'demo', ({ deviceId }) => setImmediate(() => adopt(deviceId)));
  // About 20 devices of a believable home with the ids the example rules use, in-process but over real MQTT; and a
  // Zigbee2MQTT bridge and devices announced with Home Assistant discovery, in their own formats (not retained, so a
  // demo that ends, or crashes, leaves nothing in the broker that would bring them back).
  const login = { url: deps.mqttUrl, username: DEMO_LOGIN, password, logger };
  const sim = combine(
    await Promise.all([
      startSimulation({ ...login, devices: DEMO_HOME.map(([id, kind]) => [id, kind]), rate: 4 }),
      ...(z2m
        ? [
            startZigbee2mqttBridge({
              ...login,
              base: z2m,
              devices: DEMO_ZIGBEE.map(([name, kind]) => [name, kind]),
              rate: 0.5,
              retain: false,
            }),
          ]
        : []),
      ...(ha
        ? [
            startDiscoveryDevices({
              ...login,
              prefix: ha,
              devices: DEMO_DISCOVERY.map(([id, kind, name]) => [id, kind, name]),
              rate: 0.5,
              retain: false,
            }),
          ]
        : []),
      ...(firmware.length
        ? [startFirmwareDevices({ ...login, devices: firmware.map(([id, kind]) => [id, kind]), rate: 0.5, retain: false })]
        : []),
      ...(esp === 'esphome'
        ? [startEsphomeNodes({ ...login, devices: DEMO_ESPHOME.map(([id, kind, name]) => [id, kind, name]), rate: 0.3, retain: false })]
        : []),
      ...(homie === 'homie'
        ? [startHomieDevices({ ...login, devices: DEMO_HOMIE.map(([id, kind, name]) => [id, kind, name]), rate: 0.3, retain: false })]
        : []),
    ]),
  );
  for (const id of rooms.keys()) adopt(id);
  const kinds = [
    `${DEMO_HOME.length} on home/…`,
    ...(z2m ? [`${DEMO_ZIGBEE.length} behind a Zigbee2MQTT bridge`] : []),
    ...(ha ? [`${DEMO_DISCOVERY.length} announced with Home Assistant discovery`] : []),
    ...(firmware.length ? [`${firmware.length} running Tasmota or Shelly firmware`] : []),
    ...(esp === 'esphome' ? [`${DEMO_ESPHOME.length} ESPHome nodes`] : []),
    ...(homie === 'homie' ? [`${DEMO_HOMIE.length} Homie devices`] : []),
  ];
  logger.warn(`demo mode: ${rooms.size} simulated devices are running (${kinds.join(', ')}); they are removed when the demo ends`);
  return async () => {
    events.removeAll('demo');
    sim.pause();
    // Removed first (and retired, so their clients' last messages are ignored), then the clients leave quietly.
    const removed = await registry.removeDemoDevices({ retire: true });
    await sim.stop({ goodbye: false });
    removeLogin();
    logger.info(`demo mode ended: ${removed.length} demo device(s) removed`);
  };
}

/** Several simulations as one. */
function combine(sims: Simulation[]): Simulation {
  return {
    clients: new Map(sims.flatMap((s) => [...s.clients])),
    refused: sims.flatMap((s) => s.refused),
    stats: () =>
      sims
        .map((s) => s.stats())
        .reduce((a, b) => ({
          devices: a.devices + b.devices,
          connected: a.connected + b.connected,
          published: a.published + b.published,
          commands: a.commands + b.commands,
        })),
    pause: () => {
      for (const s of sims) s.pause();
    },
    stop: async (options) => void (await Promise.all(sims.map((s) => s.stop(options)))),
  };
}
