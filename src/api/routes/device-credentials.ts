// Per-device MQTT credentials (admin only): issue (the password is shown once), list, revoke.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { HearthError } from '../../shared/errors.js';
import type { ApiContext } from '../context.js';
import { ErrorSchema, NoContent } from '../schemas/common.js';
import { CredentialCreated, CredentialSchema, NewCredential } from '../schemas/user.js';
import { typed } from '../type-provider.js';

const denied = { 401: ErrorSchema, 403: ErrorSchema };

export async function deviceCredentialRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { users, logger, adapters } = opts.ctx;

  app.get('/api/device-credentials', {
    config: { role: 'admin' },
    schema: {
      tags: ['device credentials'],
      summary: 'MQTT credentials bound to devices (never their passwords)',
      querystring: Type.Object({ deviceId: Type.Optional(Type.String({ description: 'Only those of this device' })) }),
      response: { 200: Type.Array(CredentialSchema), ...denied },
    },
    handler: async (request) =>
      users.listDeviceCredentials(request.query.deviceId).map((c) => ({ ...c, createdAt: new Date(c.createdAt).toISOString() })),
  });

  app.post('/api/device-credentials', {
    schema: {
      tags: ['device credentials'],
      summary:
        "Issue MQTT credentials for one device (it may publish only under home/<deviceId>/), or with `adapter` a bridge's login limited to that adapter's topics; the password is shown once",
      body: NewCredential,
      response: { 201: CredentialCreated, 400: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      const broker = opts.ctx.externalBroker;
      const { deviceId, adapter } = request.body;
      if (broker) {
        // Credentials Hearth issues would be checked by no one: the external broker has its own logins.
        throw new HearthError('HEARTH_CONFLICT', {
          message: `Hearth runs on the broker ${broker}, which has its own logins: create ${deviceId}'s there (hearth device add ${deviceId}${adapter ? ` --adapter ${adapter}` : ''} says how)`,
        });
      }
      let topics: { publish: string[]; subscribe: string[] } | undefined;
      if (adapter) {
        const running = adapters?.adapter(adapter);
        if (!running)
          throw new HearthError(
            'HEARTH_VALIDATION',
            { message: `the ${adapter} adapter is not enabled (adapters.${adapter}.enabled)` },
            { field: 'body.adapter' },
          );
        topics = running.credentialTopics(deviceId);
      }
      const created = await users.addDeviceCredential(deviceId, topics);
      logger.info(
        `${request.user!.name} issued MQTT credentials ${created.username} for ${adapter ? `a ${adapter} bridge` : 'device'} ${deviceId}`,
      );
      return reply.status(201).send({ ...created, deviceId, ...(topics ? { topics } : {}) });
    },
  });

  app.delete('/api/device-credentials/:username', {
    schema: {
      tags: ['device credentials'],
      summary: 'Revoke device credentials (a device already connected stays connected until it reconnects)',
      params: Type.Object({ username: Type.String({ minLength: 1, maxLength: 80 }) }),
      response: { 204: NoContent, 404: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      if (!users.revokeDeviceCredential(request.params.username))
        throw new HearthError('HEARTH_NOT_FOUND', { message: `No device credentials named "${request.params.username}"` });
      logger.info(`${request.user!.name} revoked MQTT credentials ${request.params.username}`);
      return reply.status(204).send(null);
    },
  });
}
