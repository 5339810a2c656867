// GET /api/bridges: each bridge to another broker, connected or not, with what waits, what went through and what
// was dropped (the dashboard's Settings shows it).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { BridgeStatusSchema } from '../schemas/bridge.js';
import { ErrorSchema } from '../schemas/common.js';
import { typed } from '../type-provider.js';

export async function bridgeRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  app.get('/api/bridges', {
    schema: {
      tags: ['system'],
      summary: 'Bridges to other brokers: connected, queued, forwarded, dropped (an empty list when none is configured)',
      response: { 200: Type.Array(BridgeStatusSchema), 401: ErrorSchema },
    },
    handler: async () => opts.ctx.bridges?.() ?? [],
  });
}
