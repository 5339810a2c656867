// Live events as Server-Sent Events. A slow client is dropped once its unsent data passes a bound, so one stalled
// phone cannot make the hub buffer without limit.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';

const MAX_BUFFERED = 512 * 1024;

export async function eventRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { events, logger } = opts.ctx;
  let clients = 0;
  opts.ctx.metrics.gauge('hearth_sse_clients', 'Live event stream clients', () => clients);
  const dropped = opts.ctx.metrics.counter('hearth_sse_dropped_total', 'Live event clients dropped for reading too slowly');

  app.get<{ Querystring: { types?: string; device?: string } }>('/api/events', {
    schema: {
      tags: ['events'],
      summary: 'Live events (Server-Sent Events): device.state, device.online, device.created, device.updated, device.deleted, rule.run, rule.error, rules.reloaded',
      querystring: Type.Object({ types: Type.Optional(Type.String({ description: 'Comma-separated event types' })), device: Type.Optional(Type.String({ description: 'Only this device' })) }),
    },
    handler: async (request, reply) => {
      const types = request.query.types ? new Set(request.query.types.split(',').map((t) => t.trim())) : undefined;
      const device = request.query.device;
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        ...securityHeaders,
      });
      res.write(': connected\n\n');
      clients++;
      const owner = `sse-${request.id}`;
      const close = () => {
        off();
        clearInterval(ping);
        clients--;
      };
      const off = events.onAny(owner, (type, payload) => {
        if (types && !types.has(type)) return;
        if (device && (payload as { deviceId?: string }).deviceId !== device) return;
        if (res.writableLength > MAX_BUFFERED) {
          dropped();
          logger.warn(`dropped live-event client ${request.ip}: ${res.writableLength} bytes unsent`);
          res.destroy();
          return;
        }
        res.write(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`);
      });
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      ping.unref();
      res.once('close', close);
    },
  });
}

/** The headers every response carries (the SSE stream writes its own head, so it repeats them). */
export const securityHeaders: Record<string, string> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
