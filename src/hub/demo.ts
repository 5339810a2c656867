// Demo mode: simulated devices of every enabled firmware over real MQTT, logging in to the embedded broker
// (the simulator is loaded only then).
import type { Hub } from '../hub.js';
import type { Teardown } from './teardown.js';

export async function startDemo(hub: Hub, teardown: Teardown): Promise<void> {
  const { config } = hub;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const { startDemoMode } = await import('../simulator/demo-mode.js');
  const { zigbee2mqtt, homeassistant, tasmota, shelly, esphome, homie } = config.adapters;
  const adapters = {
    ...(zigbee2mqtt.enabled ? { zigbee2mqtt: zigbee2mqtt.baseTopic } : {}),
    ...(homeassistant.enabled ? { homeassistant: homeassistant.baseTopic } : {}),
    ...(tasmota.enabled ? { tasmota: tasmota.baseTopic } : {}),
    ...(shelly.enabled ? { shelly: shelly.baseTopic } : {}),
    ...(esphome.enabled ? { esphome: esphome.baseTopic } : {}),
    ...(homie.enabled ? { homie: homie.baseTopic } : {}),
  };
  const stop = await startDemoMode({
    addLogin: (u, p, identity) => hub.broker.addLogin(u, p, identity),
    registry: hub.registry,
    events: hub.events,
    logger: hub.logger.child('demo'),
    mqttUrl: `mqtt://${host}:${hub.ports.mqtt}`,
    adapters,
  });
  // Stopped first at shutdown, so its devices say goodbye while the broker still runs.
  teardown.push(stop);
}
