// Demo mode: a simulated home over real MQTT. Everything belongs to the demo: its login exists only in memory and
// may act only for its own devices, its devices are marked, and when the demo ends they are removed without
// going "offline" first, so no alert rule fires for the demo's own shutdown.
import type { EmbeddedBroker } from '../broker/broker.js';
import type { DeviceRegistry } from '../devices/device-registry.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import { generatePassword } from '../shared/password.js';
import { idFromName } from '../devices/device-id.js';
import { DEMO_DISCOVERY, DEMO_HOME, DEMO_ZIGBEE } from './devices.js';

export interface DemoModeDeps {
  broker: EmbeddedBroker;
  registry: DeviceRegistry;
  events: EventBus;
  logger: Logger;
  mqttUrl: string;
  /** Base topics of the Zigbee2MQTT and Home Assistant discovery adapters, when enabled: the demo speaks them too. */
  adapters?: { zigbee2mqtt?: string; homeassistant?: string };
}

/** The demo's MQTT login: not a user (nothing in the database), and with no rights beyond its devices. */
export const DEMO_LOGIN = 'hearth-demo';

/** Starts the simulated home; the returned function ends it (before the broker stops). */
export async function startDemoMode(deps: DemoModeDeps): Promise<() => Promise<void>> {
  const { broker, registry, events, logger } = deps;
  const password = generatePassword();
  const z2m = deps.adapters?.zigbee2mqtt;
  const ha = deps.adapters?.homeassistant;
  const rooms = new Map<string, string>([
    ...DEMO_HOME.map(([id, , room]) => [id, room] as [string, string]),
    ...(z2m ? DEMO_ZIGBEE.map(([name, , room]) => [idFromName(name), room] as [string, string]) : []),
    ...(ha ? DEMO_DISCOVERY.map(([, , name, room]) => [idFromName(name), room] as [string, string]) : []),
  ]);
  // Its bridge and its discovered devices speak in their own topics, and only there.
  const topics = [...(z2m ? [`${z2m}/#`] : []), ...(ha ? [`${ha}/#`, ...DEMO_DISCOVERY.map(([id]) => `${id}/#`)] : [])];
  const removeLogin = broker.addLogin(DEMO_LOGIN, password, { kind: 'devices', name: 'demo mode', deviceIds: new Set(DEMO_HOME.map(([id]) => id)), topics: { publish: topics, subscribe: topics } });
  const adopt = (id: string) => {
    const room = rooms.get(id);
    if (!room || !registry.has(id)) return;
    registry.markDemo(id);
    if (!registry.get(id).room) registry.updateMeta(id, { room });
  };
  events.on('device.created', 'demo', ({ deviceId }) => setImmediate(() => adopt(deviceId)));
  // Loaded only in demo mode: the simulator pulls in the mqtt client library (about 20 MB of RSS on a Pi).
  const { startDemo } = await import('./command.js');
  const sim = await startDemo({ mqttUrl: deps.mqttUrl, username: DEMO_LOGIN, password, logger, ...(deps.adapters ? { adapters: deps.adapters } : {}) });
  for (const id of rooms.keys()) adopt(id);
  logger.warn(`demo mode: ${rooms.size} simulated devices are running (${DEMO_HOME.length} on home/…${z2m ? `, ${DEMO_ZIGBEE.length} behind a Zigbee2MQTT bridge` : ''}${ha ? `, ${DEMO_DISCOVERY.length} announced with Home Assistant discovery` : ''}); they are removed when the demo ends`);
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
