// Live events as Server-Sent Events: everything on the EventBus, optionally filtered by type and device.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { HearthError } from '../../shared/errors.js';
import { HUB_EVENT_NAMES, type HubEventName } from '../../shared/event-bus.js';
import type { ApiContext } from '../context.js';
import { EventStream } from '../event-stream.js';
import { ErrorSchema, ID_PATTERN } from '../schemas/common.js';
import { rawHeaders } from '../security-headers.js';
import { typed } from '../type-provider.js';

const PING_MS = 15_000;
const EVENT_TYPES = HUB_EVENT_NAMES;

export async function eventRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { events, logger, metrics } = opts.ctx;
  const streams = new Set<EventStream>();
  metrics.gauge('hearth_sse_clients', 'Live event stream clients', () => streams.size);
  const dropped = metrics.counter('hearth_sse_dropped_total', 'Live event clients dropped for reading too slowly');
  const coalesced = metrics.counter('hearth_sse_coalesced_total', 'device.state events merged into a later one for a slow client');
  // Open streams never go idle, so the server would wait for them forever at shutdown: end them first.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });

  app.get('/api/events', {
    schema: {
      tags: ['events'],
      summary: 'Live events (Server-Sent Events)',
      description:
        'Each event is `event: <type>` and `data: <json>`. Types: device.state {deviceId, property, value, ts}, device.online {deviceId, online, ts, reason}, ' +
        'device.created, device.updated, device.deleted {deviceId}, device.problem {deviceId, property, message, ts}, rule.run, rule.error, rules.reloaded, hub.log. A `: ping` comment every 15 s. ' +
        'A client that reads too slowly gets only the latest device.state per property, and is dropped if it stays behind.',
      querystring: Type.Object({
        types: Type.Optional(Type.String({ description: 'Comma-separated event types, e.g. device.state,device.online' })),
        device: Type.Optional(Type.String({ pattern: ID_PATTERN, description: 'Only events about this device' })),
      }),
      response: { 200: Type.String({ description: 'text/event-stream' }), 400: ErrorSchema, 401: ErrorSchema },
    },
    handler: async (request, reply) => {
      const types = parseTypes(request.query.types);
      const device = request.query.device;
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        ...rawHeaders(reply),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // nginx would otherwise hold events back in its buffer
      });
      const stream = new EventStream(res, {
        onCoalesce: () => coalesced(),
        onDrop: (why) => {
          dropped();
          logger.warn(`dropped live-event client ${request.ip} (${request.user!.name}): ${why}`);
        },
      });
      streams.add(stream);
      res.write('retry: 3000\n: connected\n\n');
      const off = events.onAny(`sse-${request.id}`, (type, payload) => {
        if (types && !types.has(type)) return;
        if (device !== undefined && (payload as { deviceId?: string }).deviceId !== device) return;
        stream.send(type, payload);
      });
      const ping = setInterval(() => stream.comment('ping'), PING_MS);
      ping.unref();
      res.once('close', () => {
        off();
        clearInterval(ping);
        streams.delete(stream);
      });
    },
  });
}

function parseTypes(value: string | undefined): Set<HubEventName> | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const names = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(EVENT_TYPES as string[]).includes(n));
  if (unknown.length > 0) {
    throw new HearthError(
      'HEARTH_VALIDATION',
      { message: `querystring.types has unknown event type ${JSON.stringify(unknown[0])}; known: ${EVENT_TYPES.join(', ')}` },
      { field: 'querystring.types' },
    );
  }
  return new Set(names as HubEventName[]);
}
