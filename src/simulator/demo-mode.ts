// Demo mode: a simulated home over real MQTT, as a dedicated admin user whose password changes every start, with
// each simulated device put in its room.
import type { DeviceRegistry } from '../devices/device-registry.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import { generatePassword } from '../shared/password.js';
import type { UserRepo } from '../store/user-repo.js';
import { DEMO_HOME } from './devices.js';

export interface DemoModeDeps {
  users: UserRepo;
  registry: DeviceRegistry;
  events: EventBus;
  logger: Logger;
  mqttUrl: string;
}

/** Starts the simulated home; the returned function stops it (before the broker, so its devices say goodbye). */
export async function startDemoMode(deps: DemoModeDeps): Promise<() => Promise<void>> {
  const { users, registry, events, logger } = deps;
  const password = generatePassword();
  await users.setUser('demo', password, 'admin');
  const rooms = new Map(DEMO_HOME.map(([id, , room]) => [id, room]));
  const placeInRoom = (id: string) => {
    const room = rooms.get(id);
    if (room && registry.has(id) && !registry.get(id).room) registry.updateMeta(id, { room });
  };
  events.on('device.created', 'demo', ({ deviceId }) => setImmediate(() => placeInRoom(deviceId)));
  // Loaded only in demo mode: the simulator pulls in the mqtt client library (about 20 MB of RSS on a Pi).
  const { startDemo } = await import('./command.js');
  const sim = await startDemo({ mqttUrl: deps.mqttUrl, username: 'demo', password, logger });
  for (const id of rooms.keys()) placeInRoom(id);
  logger.warn(`demo mode: ${DEMO_HOME.length} simulated devices are running (user "demo")`);
  return async () => {
    events.removeAll('demo');
    await sim.stop();
  };
}
