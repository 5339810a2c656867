// buildApi: the Fastify app with security headers, auth, error handling and every route. It never listens; the hub does.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAuth } from './auth.js';
import type { ApiContext } from './context.js';
import { registerErrorHandler } from './errors.js';
import { authRoutes } from './routes/auth.js';
import { deviceRoutes } from './routes/devices.js';
import { eventRoutes, securityHeaders } from './routes/events.js';
import { rulesRoutes } from './routes/rules.js';
import { systemRoutes } from './routes/system.js';
import { userRoutes } from './routes/users.js';
import { webRoutes } from './routes/web.js';

export interface ApiOptions {
  /** PEM key and certificate: serve HTTPS. */
  https?: { key: Buffer; cert: Buffer };
}

export async function buildApi(ctx: ApiContext, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 256 * 1024,
    trustProxy: false,
    ...(options.https ? { https: { ...options.https, minVersion: 'TLSv1.2' as const } } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }) as unknown as FastifyInstance;
  registerErrorHandler(app);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(securityHeaders);
    return payload;
  });
  // The docs UI and its assets are public: they describe the API, they do not expose data.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), public: true };
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Hearth API', version: '1', description: 'Devices, history, commands, rules, users and live events of a Hearth hub' },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'hearth_session' },
        },
      },
      security: [{ basic: [] }, { bearer: [] }, { cookie: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  const loginFailures = ctx.metrics.counter('hearth_http_auth_failures_total', 'Refused HTTP credentials');
  registerAuth(app, { users: ctx.users, sessions: ctx.sessions, limiter: ctx.limiter, logger: ctx.logger, onFailure: (reason) => loginFailures({ reason }) });

  await app.register(systemRoutes, { ctx });
  await app.register(authRoutes, { ctx });
  await app.register(deviceRoutes, { ctx });
  await app.register(userRoutes, { ctx });
  await app.register(eventRoutes, { ctx });
  if (ctx.rules) await app.register(rulesRoutes, { rules: ctx.rules, db: ctx.db, location: ctx.location });
  if (ctx.webDir) await app.register(webRoutes, { dir: ctx.webDir });
  return app;
}
