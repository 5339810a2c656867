// buildApi: the Fastify app with security headers, auth, error handling, the OpenAPI document and every route.
// It never listens; the hub does (and tests use `app.inject()`).
import swagger from '@fastify/swagger';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { compilersLoaded, lazyCompilers, loadCompilers } from './lazy-compilers.js';
import { registerAuth } from './auth.js';
import type { ApiContext } from './context.js';
import { registerErrorHandler } from './errors.js';
import { authRoutes } from './routes/auth.js';
import { backupRoutes } from './routes/backup.js';
import { bridgeRoutes } from './routes/bridges.js';
import { docsRoutes } from './routes/docs.js';
import { deviceCredentialRoutes } from './routes/device-credentials.js';
import { deviceRoutes } from './routes/devices.js';
import { eventRoutes } from './routes/events.js';
import { historyRoutes } from './routes/history.js';
import { metricsRoutes } from './routes/metrics.js';
import { notificationRoutes } from './routes/notifications.js';
import { rulesRoutes } from './routes/rules.js';
import { sceneRoutes } from './routes/scenes.js';
import { scriptRoutes } from './routes/scripts.js';
import { helperRoutes } from './routes/helpers.js';
import { systemRoutes } from './routes/system.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { webRoutes } from './routes/web.js';
import { appShellRoutes } from './routes/app-shell.js';
import { registerSecurityHeaders } from './security-headers.js';

export interface ApiOptions {
  /** PEM key and certificate: serve HTTPS. */
  https?: { key: Buffer; cert: Buffer };
  /** Largest request body in bytes (256 KiB: a rule file fits, a memory-exhaustion attempt does not). */
  bodyLimit?: number;
  /** Gives the app the hub's own HTTP server (bound before the app is built) and takes the app's request handler. */
  serverFactory?: (handler: (req: IncomingMessage, res: ServerResponse) => void) => HttpServer;
}

export async function buildApi(ctx: ApiContext, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // The hub's pino; Fastify's per-request lines are off (routes log what matters, and our logger redacts secrets).
    loggerInstance: ctx.logger.child('http').pino,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // Behind no proxy by default: X-Forwarded-For would let a guesser pick a fresh address for the login limiter.
    trustProxy: false,
    ...(options.https && !options.serverFactory ? { https: { ...options.https, minVersion: 'TLSv1.2' as const } } : {}),
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    schemaController: { compilersFactory: lazyCompilers },
  }) as unknown as FastifyInstance;
  // First of every request's hooks: the schema compilers load at the first (src/api/lazy-compilers.ts).
  app.addHook('onRequest', (_request, _reply, done) => {
    if (compilersLoaded()) done();
    else loadCompilers().then(() => done(), done);
  });
  registerErrorHandler(app, ctx.logger);
  registerSecurityHeaders(app, Boolean(options.https));
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Hearth API',
        version: '1',
        description:
          'Devices, history, commands, rules, users and live events of a Hearth hub. Errors are `{ "code": "HEARTH_…", "message": "…" }`.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token (POST /api/tokens) or the token returned by POST /api/login',
          },
          basic: { type: 'http', scheme: 'basic' },
          cookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'hearth_session',
            description: 'Set by POST /api/login; changes also need the x-csrf-token header',
          },
        },
      },
      security: [{ bearer: [] }, { basic: [] }, { cookie: [] }],
    },
  });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  const authFailures = ctx.metrics.counter('hearth_http_auth_failures_total', 'Refused HTTP credentials (Basic, bearer) by reason');
  registerAuth(app, {
    users: ctx.users,
    sessions: ctx.sessions,
    limiter: ctx.limiter,
    logger: ctx.logger,
    onFailure: (reason) => authFailures({ reason }),
  });

  for (const routes of [
    systemRoutes,
    docsRoutes,
    metricsRoutes,
    authRoutes,
    tokenRoutes,
    deviceRoutes,
    historyRoutes,
    userRoutes,
    deviceCredentialRoutes,
    eventRoutes,
    backupRoutes,
    bridgeRoutes,
  ]) {
    await app.register(routes, { ctx });
  }
  // Fastify's register takes async plugins (FastifyPluginAsync); Biome's inference sees only the callback overload.
  // biome-ignore-start lint/nursery/noMisusedPromises: see above
  // The rule engine's routes (src/api/routes/rules.ts) are owned with the engine and get only what they need.
  if (ctx.rules) {
    const { engine, directory, helpers } = ctx.rules;
    await app.register(rulesRoutes, { engine, directory, history: ctx.history, location: ctx.location });
    // Scenes, scripts, blueprints and helpers are declared in the rule files: served with the rules.
    await app.register(sceneRoutes, { engine, directory, registry: ctx.registry });
    await app.register(scriptRoutes, { engine, directory, registry: ctx.registry });
    if (helpers) await app.register(helperRoutes, { helpers, directory });
  }
  if (ctx.notify) await app.register(notificationRoutes, { ...ctx.notify, logger: ctx.logger });
  if (ctx.webDir) await app.register(webRoutes, { dir: ctx.webDir });
  if (ctx.webDir) await app.register(appShellRoutes, { dir: ctx.webDir });
  // biome-ignore-end lint/nursery/noMisusedPromises: end of the plugin registrations
  return app;
}
