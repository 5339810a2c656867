// Health, Prometheus metrics and the database backup download.
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';

export async function systemRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { ctx } = opts;
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  app.addHook('onClose', async () => lag.disable());
  ctx.metrics.gauge('process_resident_memory_bytes', 'Resident memory', () => process.memoryUsage().rss);
  ctx.metrics.gauge('nodejs_heap_used_bytes', 'V8 heap in use', () => process.memoryUsage().heapUsed);
  ctx.metrics.gauge('nodejs_eventloop_lag_p99_seconds', 'Event-loop delay, 99th percentile since the last scrape', () => {
    const v = lag.percentile(99) / 1e9;
    lag.reset();
    return Number.isFinite(v) ? v : 0;
  });
  ctx.metrics.gauge('hearth_devices', 'Devices known', () => ctx.registry.list().length);

  app.get('/healthz', { config: { public: true }, schema: { tags: ['system'], summary: '200 once the hub is ready' } }, async (_request, reply) => {
    const ready = ctx.isReady();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'starting' });
  });

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics (needs a viewer or admin)' } }, async (_request, reply) =>
    reply.type('text/plain; version=0.0.4').send(ctx.metrics.render()),
  );

  app.get('/api/backup', {
    config: { role: 'admin' },
    schema: { tags: ['system'], summary: 'Download a consistent copy of the database' },
    handler: async (_request, reply) => {
      const dir = mkdtempSync(join(tmpdir(), 'hearth-backup-'));
      const file = join(dir, 'hearth.db');
      await ctx.db.backup(file);
      const stream = createReadStream(file);
      stream.once('close', () => rmSync(dir, { recursive: true, force: true }));
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return reply.header('content-disposition', `attachment; filename="hearth-backup-${stamp}.db"`).type('application/vnd.sqlite3').send(stream);
    },
  });
}
