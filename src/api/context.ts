// What the API needs from the hub: explicit dependencies, so `buildApi` can be tested with a real hub or parts of one.
import type { BridgeStatus } from '../bus/bridge.js';
import type { AdapterHost } from '../devices/adapter-host.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { DeviceRegistry } from '../devices/device-registry.js';
import type { NotificationCentre } from '../notify/notification-centre.js';
import type { Notifier } from '../notify/notifier.js';
import type { HelperService } from '../helpers/helper-service.js';
import type { RuleEngine } from '../rules/engine.js';
import type { RuleDirectory } from '../rules/rule-directory.js';
import type { EventBus } from '../shared/event-bus.js';
import type { Health } from '../shared/health.js';
import type { LoginLimiter } from '../shared/login-limiter.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { HistoryRepo } from '../store/history-repo.js';
import type { SessionRepo } from '../store/session-repo.js';
import type { UserRepo } from '../store/user-repo.js';

export interface ApiContext {
  registry: DeviceRegistry;
  /** The adapters feeding the registry (for a bridge's credentials). */
  adapters?: AdapterHost;
  users: UserRepo;
  sessions: SessionRepo;
  history: HistoryRepo;
  limiter: LoginLimiter;
  bus: MessageBus;
  events: EventBus;
  metrics: Metrics;
  logger: Logger;
  isReady(): boolean;
  /** Trouble the hub is running with (the disk refusing writes); /healthz reports it. */
  health?: Health;
  /** Writes a backup archive of the running hub to `file`. */
  createBackup?: (file: string) => Promise<{ bytes: number }>;
  /** Where a backup for download is written before it is streamed. */
  scratchDir?: string;
  /** The rule engine and the rules dir it runs; the rule routes are served only with them. */
  rules?: { engine: RuleEngine; directory: RuleDirectory; helpers?: HelperService };
  location?: { latitude: number; longitude: number };
  /** Notification channels and the dashboard's notification centre. */
  notify?: { notifier: Notifier; centre: NotificationCentre };
  /** The external broker (mqtt.url, without credentials) when Hearth runs on one: device logins are its own. */
  externalBroker?: string;
  /** Each bridge's state (GET /api/bridges, /healthz), when bridges are configured. */
  bridges?: () => BridgeStatus[];
  /** Directory of the built dashboard (index.html and assets); the dashboard is not served without it. */
  webDir?: string;
}
