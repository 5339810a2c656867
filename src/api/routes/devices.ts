// Device routes: list, one device, rename / room / description, delete, and commands (`…/:property/set`).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { commandTopic, formatPayload } from '../../devices/topic.js';
import { HearthError } from '../../shared/errors.js';
import type { ApiContext } from '../context.js';
import { ErrorSchema, NoContent } from '../schemas/common.js';
import { CommandBody, CommandResult, DeviceIdParams, DevicePatch, DeviceSchema, PropertyParams } from '../schemas/device.js';
import { typed } from '../type-provider.js';

const denied = { 401: ErrorSchema, 403: ErrorSchema };

export async function deviceRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { registry, bus, logger } = opts.ctx;

  app.get('/api/devices', {
    schema: {
      tags: ['devices'],
      summary: 'All devices: online/offline, last seen, latest properties',
      response: { 200: Type.Array(DeviceSchema), ...denied },
    },
    handler: async () => registry.list(),
  });

  app.get('/api/devices/:id', {
    schema: {
      tags: ['devices'],
      summary: 'One device',
      params: DeviceIdParams,
      response: { 200: DeviceSchema, 400: ErrorSchema, 404: ErrorSchema, ...denied },
    },
    handler: async (request) => registry.get(request.params.id),
  });

  app.patch('/api/devices/:id', {
    schema: {
      tags: ['devices'],
      summary: 'Rename a device, set its room or description (null clears)',
      params: DeviceIdParams,
      body: DevicePatch,
      response: { 200: DeviceSchema, 400: ErrorSchema, 404: ErrorSchema, ...denied },
    },
    handler: async (request) => registry.updateMeta(request.params.id, request.body),
  });

  app.delete('/api/devices/:id', {
    schema: {
      tags: ['devices'],
      summary: 'Forget a device, its history, and clear its retained topics',
      params: DeviceIdParams,
      response: { 204: NoContent, 404: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      await registry.delete(request.params.id);
      logger.info(`${request.user!.name} deleted device ${request.params.id}`);
      return reply.status(204).send(null);
    },
  });

  app.post('/api/devices/:id/:property/set', {
    schema: {
      tags: ['devices'],
      summary: 'Send a command: publishes home/:id/:property/set (QoS 1, never retained); answers once the broker accepted it',
      description:
        'A device of another adapter (Zigbee2MQTT, Home Assistant discovery) gets it in its own topic and format; a property it cannot set is a 400.',
      params: PropertyParams,
      body: CommandBody,
      response: { 202: CommandResult, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      const { id, property } = request.params;
      const problem = registry.commandProblem(id, property);
      if (problem) throw new HearthError('HEARTH_VALIDATION', { message: problem }, { field: 'params.property' });
      // [DESIGN §2] …/set topics are never retained: a retained command would replay on every reconnect.
      const topic = commandTopic(id, property);
      const payload = formatPayload(request.body.value);
      try {
        await bus.publish(topic, payload, { qos: 1, retain: false });
      } catch (err) {
        throw new HearthError('HEARTH_BROKER_UNAVAILABLE', { reason: (err as Error).message });
      }
      logger.info(`${request.user!.name} set ${topic} = ${payload.length > 200 ? `${payload.slice(0, 200)}…` : payload}`);
      return reply.status(202).send({ topic, payload });
    },
  });
}
