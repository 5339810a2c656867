// Demo mode: a simulated home over real MQTT. Everything belongs to the demo: its login exists only in memory and
// may act only for its own devices, its devices are marked, and when the demo ends they are removed without
// going "offline" first, so no alert rule fires for the demo's own shutdown.
import type { MqttIdentity } from '../broker/acl.js';
import type { DeviceRegistry } from '../devices/device-registry.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import { generatePassword } from '../shared/password.js';
import { DEMO_HOME, type DeviceKind } from './devices.js';
// The simulator pulls in the mqtt client library (about 20 MB of RSS on a Pi): the hub loads this module only in
// demo mode.
import { startSimulation } from './simulator.js';

export interface DemoModeDeps {
  /** Adds a login to the embedded broker that lives in memory only, until the returned function removes it. */
  addLogin(username: string, password: string, identity: MqttIdentity): () => void;
  registry: DeviceRegistry;
  events: EventBus;
  logger: Logger;
  mqttUrl: string;
}

/** The demo's MQTT login: not a user (nothing in the database), and with no rights beyond its devices. */
export const DEMO_LOGIN = 'hearth-demo';

/** Starts the simulated home; the returned function ends it (before the broker stops). */
export async function startDemoMode(deps: DemoModeDeps): Promise<() => Promise<void>> {
  const { registry, events, logger } = deps;
  const password = generatePassword();
  const rooms = new Map(DEMO_HOME.map(([id, , room]) => [id, room]));
  const removeLogin = deps.addLogin(DEMO_LOGIN, password, { kind: 'devices', name: 'demo mode', deviceIds: new Set(rooms.keys()) });
  const adopt = (id: string) => {
    const room = rooms.get(id);
    if (!room || !registry.has(id)) return;
    registry.markDemo(id);
    if (!registry.get(id).room) registry.updateMeta(id, { room });
  };
  events.on('device.created', 'demo', ({ deviceId }) => setImmediate(() => adopt(deviceId)));
  // About 20 devices of a believable home, in-process but over real MQTT, with the ids the example rules use.
  const devices = DEMO_HOME.map(([id, kind]): [string, DeviceKind] => [id, kind]);
  const sim = await startSimulation({ url: deps.mqttUrl, username: DEMO_LOGIN, password, devices, rate: 4, logger });
  for (const id of rooms.keys()) adopt(id);
  logger.warn(`demo mode: ${DEMO_HOME.length} simulated devices are running; they are removed when the demo ends`);
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
