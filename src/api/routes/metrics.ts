// GET /metrics in the Prometheus text format, and the process and event-loop gauges behind it.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { ErrorSchema } from '../schemas/common.js';
import { typed } from '../type-provider.js';

const LAG_WINDOW_MS = 10_000;

export async function metricsRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { metrics, events, registry } = opts.ctx;

  // The delay histogram is read and reset on a fixed window, not per scrape, so two scrapers see the same figures.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let window = { p50: 0, p99: 0, max: 0 };
  const sample = setInterval(() => {
    const s = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    window = { p50: s(lag.percentile(50)), p99: s(lag.percentile(99)), max: s(lag.max) };
    lag.reset();
  }, LAG_WINDOW_MS);
  sample.unref();
  const ruleErrors = metrics.counter('hearth_rule_errors_total', 'Rule runs that ended in an error');
  const off = events.on('rule.error', 'api-metrics', () => ruleErrors());
  app.addHook('onClose', async () => {
    clearInterval(sample);
    lag.disable();
    off();
  });

  metrics.gauge('process_resident_memory_bytes', 'Resident set size', () => process.memoryUsage.rss());
  metrics.gauge('nodejs_heap_used_bytes', 'V8 heap in use', () => process.memoryUsage().heapUsed);
  metrics.gauge('nodejs_heap_total_bytes', 'V8 heap allocated', () => process.memoryUsage().heapTotal);
  metrics.gauge('nodejs_eventloop_lag_p50_seconds', 'Event-loop delay, median over the last 10 s', () => window.p50);
  metrics.gauge('nodejs_eventloop_lag_p99_seconds', 'Event-loop delay, 99th percentile over the last 10 s', () => window.p99);
  metrics.gauge('nodejs_eventloop_lag_max_seconds', 'Event-loop delay, longest over the last 10 s', () => window.max);
  metrics.gauge('process_uptime_seconds', 'Seconds since the process started', () => Math.round(process.uptime()));
  metrics.gauge('hearth_devices', 'Devices known', () => registry.list().length);
  metrics.gauge('hearth_devices_online', 'Devices online', () => registry.onlineDeviceIds().length);

  app.get('/metrics', {
    schema: {
      tags: ['system'],
      summary: 'Prometheus metrics (any logged-in user; scrape with a bearer token)',
      description: 'MQTT clients and messages, database write-queue depth, rule runs and errors, login failures, live-event clients, memory and event-loop lag.',
      produces: ['text/plain'],
      response: { 200: Type.String(), 401: ErrorSchema },
    },
    handler: async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()),
  });
}
