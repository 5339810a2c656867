// Device routes: list, one device, rename / room / description, delete, history buckets, and commands.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { formatPayload } from '../../devices/topic.js';
import { HearthError } from '../../shared/errors.js';
import type { ApiContext } from '../context.js';
import { DeviceIdParams, DeviceSchema, ErrorSchema } from '../schemas/device.js';

const Nullable = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);
const PropertyParams = Type.Object({ id: Type.String({ pattern: '^[a-z0-9_-]{1,64}$' }), property: Type.String({ pattern: '^[a-z0-9_-]{1,64}$' }) });
const HistoryQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO time or epoch ms; default 24 h ago' })),
  to: Type.Optional(Type.String({ description: 'ISO time or epoch ms; default now' })),
  bucket: Type.Optional(Type.String({ description: 'Bucket size in seconds, or "auto" (about 200 points)' })),
});

function parseTime(value: string | undefined, fallback: number, field: string): number {
  if (value === undefined || value === '') return fallback;
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw new HearthError('HEARTH_VALIDATION', { message: `querystring.${field} must be an ISO time or epoch milliseconds, got ${JSON.stringify(value)}` }, { field: `querystring.${field}` });
  return t;
}

export async function deviceRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { registry, history, bus } = opts.ctx;

  app.get('/api/devices', {
    schema: { tags: ['devices'], summary: 'All devices with their latest properties', response: { 200: Type.Array(DeviceSchema) } },
    handler: async () => registry.list(),
  });

  app.get<{ Params: { id: string } }>('/api/devices/:id', {
    schema: { tags: ['devices'], summary: 'One device', params: DeviceIdParams, response: { 200: DeviceSchema, 404: ErrorSchema } },
    handler: async (request) => registry.get(request.params.id),
  });

  app.patch<{ Params: { id: string }; Body: { name?: string | null; room?: string | null; description?: string | null } }>('/api/devices/:id', {
    schema: {
      tags: ['devices'],
      summary: 'Rename a device, set its room or description',
      params: DeviceIdParams,
      body: Type.Object({ name: Type.Optional(Nullable(100)), room: Type.Optional(Nullable(100)), description: Type.Optional(Nullable(1000)) }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: DeviceSchema, 404: ErrorSchema },
    },
    handler: async (request) => registry.updateMeta(request.params.id, request.body),
  });

  app.delete<{ Params: { id: string } }>('/api/devices/:id', {
    schema: { tags: ['devices'], summary: 'Forget a device and clear its retained topics', params: DeviceIdParams, response: { 404: ErrorSchema } },
    handler: async (request, reply) => {
      await registry.delete(request.params.id);
      return reply.status(204).send();
    },
  });

  app.get<{ Params: { id: string; property: string }; Querystring: { from?: string; to?: string; bucket?: string } }>('/api/devices/:id/history/:property', {
    schema: { tags: ['devices'], summary: 'History of a numeric property: min/max/avg/count per bucket', params: PropertyParams, querystring: HistoryQuery, response: { 404: ErrorSchema } },
    handler: async (request) => {
      const { id, property } = request.params;
      registry.get(id);
      const to = parseTime(request.query.to, Date.now(), 'to');
      const from = parseTime(request.query.from, to - 86_400_000, 'from');
      if (from >= to) throw new HearthError('HEARTH_VALIDATION', { message: 'querystring.from must be before querystring.to' }, { field: 'querystring.from' });
      const b = request.query.bucket ?? 'auto';
      let bucketSeconds: number;
      if (b === 'auto') bucketSeconds = Math.max(1, Math.ceil((to - from) / 1000 / 200));
      else if (/^\d+$/.test(b) && Number(b) > 0) bucketSeconds = Number(b);
      else throw new HearthError('HEARTH_VALIDATION', { message: `querystring.bucket must be a number of seconds or "auto", got ${JSON.stringify(b)}` }, { field: 'querystring.bucket' });
      if ((to - from) / (bucketSeconds * 1000) > 10_000) throw new HearthError('HEARTH_VALIDATION', { message: 'querystring.bucket is too small for this range (more than 10,000 buckets)' }, { field: 'querystring.bucket' });
      const points = history.buckets(id, property, from, to, bucketSeconds * 1000);
      if (!points) throw new HearthError('HEARTH_NOT_FOUND', { message: `Device "${id}" has no history for "${property}"` });
      return { deviceId: id, property, from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucketSeconds, points };
    },
  });

  app.post<{ Params: { id: string; property: string }; Body: { value: unknown } }>('/api/devices/:id/:property/set', {
    schema: {
      tags: ['devices'],
      summary: 'Send a command: publishes home/:id/:property/set (QoS 1, never retained)',
      params: PropertyParams,
      body: Type.Object({ value: Type.Unknown() }, { additionalProperties: false, required: ['value'] }),
      response: { 202: Type.Object({ topic: Type.String(), payload: Type.String() }), 404: ErrorSchema },
    },
    handler: async (request, reply) => {
      const { id, property } = request.params;
      registry.get(id);
      if (request.body.value === undefined) throw new HearthError('HEARTH_VALIDATION', { message: 'body.value is required' }, { field: 'body.value' });
      const topic = `home/${id}/${property}/set`;
      const payload = formatPayload(request.body.value);
      try {
        await bus.publish(topic, payload, { qos: 1, retain: false });
      } catch (err) {
        throw new HearthError('HEARTH_BROKER_UNAVAILABLE', { reason: (err as Error).message });
      }
      opts.ctx.logger.info(`${request.user!.name} set ${topic} = ${payload}`);
      return reply.status(202).send({ topic, payload });
    },
  });
}
