// GET /healthz: 200 once the hub is ready, 503 while it starts or stops. Public, for supervisors and load balancers.
// A hub that runs with trouble (the disk full or read-only) still answers 200, since it still routes messages and
// a restart would not help, but says `degraded` and what is wrong, for monitoring.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { BridgeStatusSchema } from '../schemas/bridge.js';
import { typed } from '../type-provider.js';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('starting')]),
  problems: Type.Optional(
    Type.Array(Type.Object({ component: Type.String(), message: Type.String(), since: Type.String({ format: 'date-time' }) })),
  ),
  bridges: Type.Optional(Type.Array(BridgeStatusSchema, { description: 'Each bridge to another broker, when bridges are configured' })),
});

export async function systemRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  app.get('/healthz', {
    config: { public: true },
    schema: {
      tags: ['system'],
      summary: '200 once the hub is ready; `degraded` with the problems while it runs with trouble',
      security: [],
      response: { 200: Health, 503: Health },
    },
    handler: async (_request, reply) => {
      if (!opts.ctx.isReady()) return reply.status(503).send({ status: 'starting' });
      const problems = opts.ctx.health?.problems ?? [];
      const bridges = opts.ctx.bridges ? { bridges: opts.ctx.bridges() } : {};
      if (problems.length === 0) return { status: 'ok' as const, ...bridges };
      return {
        status: 'degraded' as const,
        problems: problems.map((p) => ({ component: p.component, message: p.message, since: new Date(p.since).toISOString() })),
        ...bridges,
      };
    },
  });
}
