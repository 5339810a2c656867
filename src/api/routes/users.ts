// Users (admin only) and per-device MQTT credentials.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { HearthError } from '../../shared/errors.js';
import type { ApiContext } from '../context.js';
import { ErrorSchema } from '../schemas/device.js';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('viewer')]);
const UserOut = Type.Object({ name: Type.String(), role: Type.String(), createdAt: Type.String() });
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

export async function userRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { users } = opts.ctx;
  const admin = { role: 'admin' as const };
  const iso = (u: { name: string; role: string; createdAt: number }) => ({ ...u, createdAt: new Date(u.createdAt).toISOString() });

  app.get('/api/users', { config: admin, schema: { tags: ['users'], summary: 'Users', response: { 200: Type.Array(UserOut) } } }, async () => users.listUsers().map(iso));

  app.post<{ Body: { name: string; password: string; role: 'admin' | 'viewer' } }>('/api/users', {
    schema: {
      tags: ['users'],
      summary: 'Create a user',
      body: Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,64}$' }), password: Type.String({ minLength: 8, maxLength: 1024 }), role: Role }, { additionalProperties: false }),
      response: { 201: UserOut, 409: ErrorSchema },
    },
    handler: async (request, reply) => {
      const { name, password, role } = request.body;
      if (users.getUser(name)) throw new HearthError('HEARTH_CONFLICT', { message: `a user named "${name}" exists; change its password instead` });
      await users.setUser(name, password, role);
      return reply.status(201).send(iso(users.getUser(name)!));
    },
  });

  app.put<{ Params: { name: string }; Body: { password: string } }>('/api/users/:name/password', {
    schema: { tags: ['users'], summary: 'Change a password', params: NameParams, body: Type.Object({ password: Type.String({ minLength: 8, maxLength: 1024 }) }, { additionalProperties: false }), response: { 404: ErrorSchema } },
    handler: async (request, reply) => {
      const user = users.getUser(request.params.name);
      if (!user) throw new HearthError('HEARTH_USER_NOT_FOUND', { name: request.params.name });
      await users.setUser(user.name, request.body.password, user.role);
      return reply.status(204).send();
    },
  });

  app.delete<{ Params: { name: string } }>('/api/users/:name', {
    schema: { tags: ['users'], summary: 'Delete a user (and its sessions and tokens)', params: NameParams, response: { 404: ErrorSchema, 409: ErrorSchema } },
    handler: async (request, reply) => {
      const target = users.getUser(request.params.name);
      if (!target) throw new HearthError('HEARTH_USER_NOT_FOUND', { name: request.params.name });
      if (target.role === 'admin' && users.listUsers().filter((u) => u.role === 'admin').length === 1) {
        throw new HearthError('HEARTH_CONFLICT', { message: 'cannot delete the last admin' });
      }
      users.deleteUser(target.name);
      return reply.status(204).send();
    },
  });

  app.get('/api/device-credentials', { config: admin, schema: { tags: ['users'], summary: 'MQTT credentials bound to devices (never their passwords)' } }, async () =>
    users.listDeviceCredentials().map((c) => ({ ...c, createdAt: new Date(c.createdAt).toISOString() })),
  );

  app.post<{ Body: { deviceId: string } }>('/api/device-credentials', {
    schema: {
      tags: ['users'],
      summary: 'Issue MQTT credentials for one device; the password is shown once',
      body: Type.Object({ deviceId: Type.String({ pattern: '^[a-z0-9_-]{1,64}$' }) }, { additionalProperties: false }),
      response: { 201: Type.Object({ username: Type.String(), password: Type.String(), deviceId: Type.String() }) },
    },
    handler: async (request, reply) => reply.status(201).send({ ...(await users.addDeviceCredential(request.body.deviceId)), deviceId: request.body.deviceId }),
  });

  app.delete<{ Params: { username: string } }>('/api/device-credentials/:username', {
    schema: { tags: ['users'], summary: 'Revoke device credentials', params: Type.Object({ username: Type.String() }), response: { 404: ErrorSchema } },
    handler: async (request, reply) => {
      if (!users.revokeDeviceCredential(request.params.username)) throw new HearthError('HEARTH_NOT_FOUND', { message: `No device credentials named "${request.params.username}"` });
      return reply.status(204).send();
    },
  });
}
