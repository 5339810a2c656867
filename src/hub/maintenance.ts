// The hub's housekeeping started: history retention and the daily backup (src/maintenance.ts), stopped at shutdown.
import type { Hub } from '../hub.js';
import { Maintenance } from '../maintenance.js';
import type { Teardown } from './teardown.js';

export function startMaintenance(hub: Hub, teardown: Teardown): void {
  const maintenance = new Maintenance({
    config: hub.config,
    clock: hub.clock,
    logger: hub.logger,
    events: hub.events,
    metrics: hub.metrics,
    writes: hub.writes,
    history: hub.history,
    backupSources: () => hub.backupSources(),
  });
  maintenance.start();
  teardown.push(() => maintenance.stop());
}
