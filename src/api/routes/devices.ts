// Device routes: list and one device.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { DeviceIdParams, DeviceSchema, ErrorSchema } from '../schemas/device.js';

export async function deviceRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { registry } = opts.ctx;

  app.get('/api/devices', {
    schema: { tags: ['devices'], summary: 'All devices with their latest properties', response: { 200: Type.Array(DeviceSchema) } },
    handler: async () => registry.list(),
  });

  app.get<{ Params: { id: string } }>('/api/devices/:id', {
    schema: { tags: ['devices'], summary: 'One device', params: DeviceIdParams, response: { 200: DeviceSchema, 404: ErrorSchema } },
    handler: async (request) => registry.get(request.params.id),
  });
}
