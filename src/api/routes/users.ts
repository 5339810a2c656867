// Users (admin only): create, list, change password, delete.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { HearthError } from '../../shared/errors.js';
import { bearerToken, readCookie, SESSION_COOKIE } from '../auth.js';
import type { ApiContext } from '../context.js';
import { ErrorSchema, NoContent } from '../schemas/common.js';
import { NewPassword, NewUser, UserParams, UserSchema } from '../schemas/user.js';
import { typed } from '../type-provider.js';

const denied = { 401: ErrorSchema, 403: ErrorSchema };
const iso = (u: { name: string; role: 'admin' | 'viewer'; createdAt: number }) => ({
  ...u,
  createdAt: new Date(u.createdAt).toISOString(),
});

export async function userRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { users, sessions, logger } = opts.ctx;

  app.get('/api/users', {
    config: { role: 'admin' },
    schema: { tags: ['users'], summary: 'Users and their roles', response: { 200: Type.Array(UserSchema), ...denied } },
    handler: async () => users.listUsers().map(iso),
  });

  app.post('/api/users', {
    schema: {
      tags: ['users'],
      summary: 'Create a user (admin: changes anything; viewer: reads everything, changes nothing)',
      body: NewUser,
      response: { 201: UserSchema, 400: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      const { name, password, role } = request.body;
      if (users.getUser(name))
        throw new HearthError('HEARTH_CONFLICT', { message: `a user named "${name}" exists; change its password instead` });
      // Users win over device credentials of the same name at login, which would silently lock that device out.
      if (users.listDeviceCredentials().some((c) => c.username === name))
        throw new HearthError('HEARTH_CONFLICT', { message: `"${name}" is the username of device credentials` });
      await users.setUser(name, password, role);
      logger.info(`${request.user!.name} created user ${name} (${role})`);
      return reply.status(201).send(iso(users.getUser(name)!));
    },
  });

  app.put('/api/users/:name/password', {
    schema: {
      tags: ['users'],
      summary: "Change a user's password; the user's other sessions end",
      params: UserParams,
      body: NewPassword,
      response: { 204: NoContent, 400: ErrorSchema, 404: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      const user = users.getUser(request.params.name);
      if (!user) throw new HearthError('HEARTH_USER_NOT_FOUND', { name: request.params.name });
      await users.setUser(user.name, request.body.password, user.role);
      // Whoever knew the old password may hold a session: end them all, except the one making this change.
      const self = user.name === request.user!.name;
      const ended = sessions.deleteUserSessions(
        user.name,
        self ? { cookie: readCookie(request, SESSION_COOKIE), token: bearerToken(request) } : {},
      );
      logger.info(`${request.user!.name} changed the password of ${user.name} (${ended} other session${ended === 1 ? '' : 's'} ended)`);
      return reply.status(204).send(null);
    },
  });

  app.delete('/api/users/:name', {
    schema: {
      tags: ['users'],
      summary: 'Delete a user, with its sessions and API tokens (not yourself, not the last admin: 409)',
      params: UserParams,
      response: { 204: NoContent, 404: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      const target = users.getUser(request.params.name);
      if (!target) throw new HearthError('HEARTH_USER_NOT_FOUND', { name: request.params.name });
      if (target.role === 'admin' && users.listUsers().filter((u) => u.role === 'admin').length === 1) {
        throw new HearthError('HEARTH_CONFLICT', { message: `cannot delete "${target.name}", the last admin` });
      }
      // Nobody locks themselves out by a slip of the mouse: another admin can delete this account.
      if (target.name === request.user!.name) {
        throw new HearthError('HEARTH_CONFLICT', { message: `cannot delete your own account "${target.name}"; another admin can` });
      }
      users.deleteUser(target.name);
      logger.info(`${request.user!.name} deleted user ${target.name}`);
      return reply.status(204).send(null);
    },
  });
}
