// The devices: the registry, the adapters that feed it (home, Zigbee2MQTT, discovery, …) and presence tracking.
import type { HubBus } from '../bus/message-bus.js';
import type { HearthConfig } from '../config/schema.js';
import { AdapterHost } from '../devices/adapter-host.js';
import { createAdapters } from '../devices/adapters/index.js';
import { DeviceRegistry } from '../devices/device-registry.js';
import { PresenceTracker } from '../devices/presence.js';
import type { Clock } from '../shared/clock.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { StoreParts } from './store.js';
import type { Teardown } from './teardown.js';

interface DeviceDeps extends Pick<StoreParts, 'devices' | 'history' | 'writes' | 'historyWrites'> {
  config: HearthConfig;
  logger: Logger;
  clock: Clock;
  events: EventBus;
  metrics: Metrics;
  bus: HubBus;
  external: boolean;
}

export async function startDevices(hub: DeviceDeps, teardown: Teardown): Promise<{ registry: DeviceRegistry; adapters: AdapterHost }> {
  const { bus } = hub;
  const logger = hub.logger.child('devices');
  const registry = new DeviceRegistry({
    bus,
    repo: hub.devices,
    history: hub.history,
    writes: hub.writes,
    historyWrites: hub.historyWrites,
    historyMinIntervalMs: hub.config.history.minIntervalMs,
    historySampling: hub.config.history.sampling,
    clock: hub.clock,
    events: hub.events,
    logger,
    metrics: hub.metrics,
  });
  registry.start();
  teardown.push(() => registry.stop());
  const { home, ...others } = hub.config.adapters;
  const adapters = new AdapterHost({
    bus,
    registry,
    logger,
    adapters: createAdapters({ home: { enabled: home.enabled, baseTopic: 'home', mirror: false }, ...others }),
  });
  await adapters.start();
  teardown.push(() => adapters.stop());
  // The embedded broker's client tracking where there is one; on an external broker, the devices' wills.
  const presence = new PresenceTracker({ clients: bus.clients, registry, logger });
  presence.start();
  teardown.push(() => presence.stop());
  if (!hub.external) {
    // Devices a demo left behind (a hub killed while its demo ran) belong to no one: gone before rules can see them.
    // (On an external broker the bus is not connected yet: after it is.)
    await registry.removeDemoDevices();
    await presence.reconcile();
  }
  // Published last at shutdown, before the broker closes, so the retained status says the hub is gone (an external
  // broker that is out of reach publishes the hub's will instead).
  teardown.push(() =>
    bus.status().connected ? bus.publish('hearth/status', 'offline', { qos: 1, retain: true }).catch(() => undefined) : undefined,
  );
  return { registry, adapters };
}
