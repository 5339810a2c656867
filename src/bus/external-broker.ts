// The hub on an external broker (mqtt.url): its bus built from the mqtt.* settings, and what the hub says about that
// connection — a /healthz problem (and the dashboard's banner) while it is down, and the metrics.
import type { HearthConfig } from '../config/schema.js';
import type { Health } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { BusStatus } from './message-bus.js';
import { MqttClientBus } from './mqtt-client-bus.js';

export function createExternalBus(mqtt: HearthConfig['mqtt'], logger: Logger): MqttClientBus {
  return new MqttClientBus({
    url: mqtt.url!,
    username: mqtt.username,
    password: mqtt.password,
    clientId: mqtt.clientId,
    tls: mqtt.tls,
    sessionExpirySeconds: mqtt.sessionExpirySeconds,
    statusTopic: 'hearth/status',
    logger,
  });
}

/** Reports the connection in /healthz and /metrics from now on (and at once); returns the function that stops it. */
export function reportBrokerConnection(
  bus: MqttClientBus,
  deps: { health: Health; metrics: Metrics; stopping: () => boolean },
): () => void {
  const { health, metrics } = deps;
  const lost = metrics.counter('hearth_mqtt_broker_disconnects_total', 'Times the connection to the external broker was lost');
  metrics.gauge('hearth_mqtt_broker_connected', 'Connected to the external broker (1) or not (0)', () => (bus.status().connected ? 1 : 0));
  metrics.gauge('hearth_mqtt_broker_messages_received', 'Messages received from the external broker since start', () => bus.received);
  let wasConnected = false;
  const report = (status: BusStatus) => {
    if (status.connected) {
      wasConnected = true;
      return health.report('broker', undefined);
    }
    if (deps.stopping()) return;
    if (wasConnected) lost();
    wasConnected = false;
    health.report(
      'broker',
      `not connected to ${status.broker}${status.error ? ` (${status.error})` : ''}; reconnecting, and refusing commands until it is back`,
    );
  };
  report(bus.status());
  return bus.onChange(report);
}
