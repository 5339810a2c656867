// Builds the notification parts of a hub from its configuration and database: channels (secrets from the
// environment), the durable queue, the notification centre and the notifier, whose pending deliveries resume.
import type { Database } from 'better-sqlite3';
import type { HearthConfig } from '../config/schema.js';
import type { TraceStore } from '../rules/traces.js';
import type { Clock } from '../shared/clock.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Health } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { buildChannels } from './channels.js';
import { DeliveryQueue } from './delivery-queue.js';
import { NotificationCentre } from './notification-centre.js';
import { Notifier } from './notifier.js';

export interface NotifyParts {
  notifier: Notifier;
  centre: NotificationCentre;
}

interface HubParts {
  config: HearthConfig;
  db: Database;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  health: Health;
  metrics: Metrics;
}

/** Throws HEARTH_CONFIG_INVALID naming every bad channel option or missing secret. */
export function startNotify(hub: HubParts, traces: TraceStore, env: NodeJS.ProcessEnv = process.env): NotifyParts {
  const centre = new NotificationCentre(hub.db, { events: hub.events, now: () => hub.clock.now() });
  const notifier = new Notifier({
    channels: buildChannels(hub.config.notify, { env, centre }),
    queue: new DeliveryQueue(hub.db, (message) => hub.health.report('notification queue', message)),
    clock: hub.clock,
    logger: hub.logger.child('notify'),
    events: hub.events,
    health: hub.health,
    metrics: hub.metrics,
    traces,
    retryForMs: hub.config.notify.retryForMinutes * 60_000,
  });
  notifier.start();
  return { notifier, centre };
}
