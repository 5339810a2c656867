// The HTTP API and dashboard: the API's context assembled from the hub's parts, built on the already bound port.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../api/app.js';
import { readTlsFiles, type RequestHandler } from '../broker/listeners.js';
import type { Hub } from '../hub.js';
import { createBackup } from '../store/backup.js';
import type { HubListeners } from './listeners.js';
import type { Teardown } from './teardown.js';

/** Builds the API (not serving yet: `serveListeners` hands it the port); returns it with its request handler. */
export async function startApi(
  hub: Hub,
  listeners: HubListeners,
  teardown: Teardown,
): Promise<{ api: FastifyInstance; handler: RequestHandler }> {
  const { config } = hub;
  const { cert, key } = config.tls;
  let handler: RequestHandler | undefined;
  const api = await buildApi(
    {
      registry: hub.registry,
      adapters: hub.adapters,
      users: hub.users,
      sessions: hub.sessions,
      history: hub.history,
      limiter: hub.limiter,
      webDir: join(packageRoot(), 'web', 'dist'),
      bus: hub.bus,
      events: hub.events,
      metrics: hub.metrics,
      logger: hub.logger.child('api'),
      isReady: () => hub.ready,
      health: hub.health,
      createBackup: (file) => createBackup(hub.backupSources(), file),
      scratchDir: config.dataDir,
      rules: { engine: hub.rules, directory: hub.ruleDirectory, helpers: hub.helpers },
      location: config.location,
      notify: hub.notify,
      ...(hub.external ? { externalBroker: hub.bus.status().broker } : {}),
      ...(hub.bridges ? { bridges: () => hub.bridges!.status() } : {}),
    },
    {
      ...(cert && key ? { https: readTlsFiles({ cert, key }) } : {}),
      serverFactory: (h) => {
        handler = h;
        return listeners.http!.server;
      },
    },
  );
  teardown.push(async () => {
    // The app ends its live-event streams first; then no request is left to wait for.
    await api.close();
    listeners.http!.server.closeAllConnections();
  });
  return { api, handler: handler! };
}

/** The directory of Hearth's package.json, whether running from src/ (tests) or dist/src/ (npm start). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
