// Login, logout, the current session, and long-lived API tokens.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { HearthError } from '../../shared/errors.js';
import { readCookie, SESSION_COOKIE } from '../auth.js';
import type { ApiContext } from '../context.js';
import { ErrorSchema } from '../schemas/device.js';

const UserSchema = Type.Object({ name: Type.String(), role: Type.String() });
const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });

export async function authRoutes(app: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const { users, sessions, limiter, logger } = opts.ctx;
  const failures = opts.ctx.metrics.counter('hearth_http_login_failures_total', 'Failed HTTP logins');

  app.post<{ Body: { username: string; password: string } }>('/api/login', {
    config: { public: true },
    schema: {
      tags: ['auth'],
      summary: 'Log in: sets an HttpOnly session cookie and returns a bearer token for scripts',
      body: LoginBody,
      response: { 200: Type.Object({ user: UserSchema, token: Type.String(), csrfToken: Type.String() }), 401: ErrorSchema, 429: ErrorSchema },
    },
    handler: async (request, reply) => {
      const { username, password } = request.body;
      const keys = [`ip:${request.ip}`, `user:${username}`];
      const wait = limiter.retryAfter(keys);
      if (wait > 0) {
        failures({ reason: 'rate_limited' });
        reply.header('retry-after', String(Math.ceil(wait / 1000)));
        throw new HearthError('HEARTH_RATE_LIMITED', { seconds: Math.ceil(wait / 1000) });
      }
      const identity = await users.verify(username, password);
      if (identity?.kind !== 'user') {
        const { banned } = limiter.fail(keys);
        failures({ reason: 'bad_credentials' });
        logger.warn(`failed login for ${JSON.stringify(username)} from ${request.ip}${banned ? ' (now banned for a while)' : ''}`);
        throw new HearthError('HEARTH_BAD_CREDENTIALS');
      }
      limiter.succeed([`user:${username}`]);
      const { cookie, csrfToken } = sessions.createSession(identity.name);
      const token = sessions.createToken(identity.name, `login ${new Date().toISOString()}`).token;
      const secure = request.protocol === 'https' ? '; Secure' : '';
      reply.header('set-cookie', `${SESSION_COOKIE}=${cookie}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800${secure}`);
      logger.info(`user ${identity.name} logged in from ${request.ip}`);
      return { user: { name: identity.name, role: identity.role }, token, csrfToken };
    },
  });

  app.post('/api/logout', {
    config: { role: 'viewer' },
    schema: { tags: ['auth'], summary: 'End the cookie session' },
    handler: async (request, reply) => {
      const cookie = readCookie(request, SESSION_COOKIE);
      if (cookie) sessions.deleteSession(cookie);
      reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      return reply.status(204).send();
    },
  });

  app.get('/api/session', {
    schema: { tags: ['auth'], summary: 'Who is logged in (and the CSRF token of a cookie session)', response: { 200: Type.Object({ user: UserSchema, csrfToken: Type.Optional(Type.String()) }), 401: ErrorSchema } },
    handler: async (request) => ({ user: { name: request.user!.name, role: request.user!.role }, csrfToken: request.user!.csrfToken }),
  });

  app.get('/api/tokens', {
    config: { role: 'admin' },
    schema: { tags: ['auth'], summary: 'API tokens (never their secret)' },
    handler: async () => sessions.listTokens(),
  });

  app.post<{ Body: { name: string } }>('/api/tokens', {
    schema: { tags: ['auth'], summary: 'Create a long-lived API token; the token is shown once', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }) },
    handler: async (request, reply) => reply.status(201).send(sessions.createToken(request.user!.name, request.body.name)),
  });

  app.delete<{ Params: { id: string } }>('/api/tokens/:id', {
    schema: { tags: ['auth'], summary: 'Revoke an API token', params: Type.Object({ id: Type.String() }), response: { 404: ErrorSchema } },
    handler: async (request, reply) => {
      if (!sessions.revokeToken(request.params.id)) throw new HearthError('HEARTH_NOT_FOUND', { message: `No token with id "${request.params.id}"` });
      return reply.status(204).send();
    },
  });
}
