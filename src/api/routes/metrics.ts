// GET /metrics in the Prometheus text format: the hub's counters and gauges, and prom-client's process figures
// (CPU, resident memory, heap and its spaces, event-loop lag percentiles, GC pauses by kind, open handles).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { ErrorSchema } from '../schemas/common.js';
import { typed } from '../type-provider.js';

export async function metricsRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { metrics, events, registry } = opts.ctx;

  const ruleErrors = metrics.counter('hearth_rule_errors_total', 'Rule runs that ended in an error');
  const off = events.on('rule.error', 'api-metrics', () => ruleErrors());
  app.addHook('onClose', async () => off());

  metrics.gauge('hearth_devices', 'Devices known', () => registry.list().length);
  metrics.gauge('hearth_devices_online', 'Devices online', () => registry.onlineDeviceIds().length);

  app.get('/metrics', {
    schema: {
      tags: ['system'],
      summary: 'Prometheus metrics (any logged-in user; scrape with a bearer token)',
      description:
        'MQTT clients and messages, database write-queue depth, rule runs and errors, login failures, live-event clients, and the process: CPU, memory, heap, event-loop lag, GC pauses.',
      produces: ['text/plain'],
      response: { 200: Type.String(), 401: ErrorSchema },
    },
    handler: async (_request, reply) => {
      const { contentType, text } = await metrics.render();
      return reply.type(contentType).send(text);
    },
  });
}
