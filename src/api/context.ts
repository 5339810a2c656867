// What the API needs from the hub: explicit dependencies, so `buildApi` can be tested with a real hub or parts of one.
import type { MessageBus } from '../broker/message-bus.js';
import type { DeviceRegistry } from '../devices/device-registry.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { RuleEngine } from '../rules/engine.js';
import type { UserRepo } from '../store/user-repo.js';

export interface ApiContext {
  registry: DeviceRegistry;
  users: UserRepo;
  bus: MessageBus;
  events: EventBus;
  metrics: Metrics;
  logger: Logger;
  isReady(): boolean;
  /** Optional parts, present once the hub has them. */
  rules?: RuleEngine;
}
