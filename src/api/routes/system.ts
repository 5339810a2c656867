// GET /healthz: 200 once the hub is ready, 503 while it starts or stops. Public, for supervisors and load balancers.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { typed } from '../type-provider.js';

const Health = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('starting')]) });

export async function systemRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  app.get('/healthz', {
    config: { public: true },
    schema: { tags: ['system'], summary: '200 once the hub is ready', security: [], response: { 200: Health, 503: Health } },
    handler: async (_request, reply) => {
      const ready = opts.ctx.isReady();
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'starting' });
    },
  });
}
