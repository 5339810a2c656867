// buildApi: the Fastify app with auth, error handling and every route. It never listens; the hub does.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAuth } from './auth.js';
import type { ApiContext } from './context.js';
import { registerErrorHandler } from './errors.js';
import { deviceRoutes } from './routes/devices.js';
import { rulesRoutes } from './routes/rules.js';

export async function buildApi(ctx: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  registerErrorHandler(app);
  // The docs UI and its assets are public: they describe the API, they do not expose data.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), public: true };
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Hearth API', version: '1', description: 'Devices, history, commands and rules of a Hearth hub' },
      components: { securitySchemes: { basic: { type: 'http', scheme: 'basic' } } },
      security: [{ basic: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  registerAuth(app, ctx.users);

  app.get('/healthz', { config: { public: true } }, async (_request, reply) => {
    const ready = ctx.isReady();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'starting' });
  });

  await app.register(deviceRoutes, { ctx });
  if (ctx.rules) await app.register(rulesRoutes, { rules: ctx.rules });
  return app;
}
