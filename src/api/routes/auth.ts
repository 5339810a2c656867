// Login (rate-limited per address and per user), logout, the current session, and changing one's own password.
import type { FastifyInstance } from 'fastify';
import { HearthError } from '../../shared/errors.js';
import { bearerToken, readCookie, SESSION_COOKIE } from '../auth.js';
import type { ApiContext } from '../context.js';
import { LoginBody, LoginResult, OwnPasswordBody, SessionResult } from '../schemas/auth.js';
import { ErrorSchema, NoContent } from '../schemas/common.js';
import { typed } from '../type-provider.js';

export async function authRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { users, sessions, limiter, logger } = opts.ctx;
  const failures = opts.ctx.metrics.counter('hearth_http_login_failures_total', 'Failed HTTP logins by reason');

  app.post('/api/login', {
    config: { public: true },
    schema: {
      tags: ['auth'],
      summary: 'Log in: sets an HttpOnly session cookie and returns a bearer token for scripts',
      description:
        'Repeated failures from one address or for one user get a growing delay and then a 15-minute ban (429 HEARTH_RATE_LIMITED).',
      security: [],
      body: LoginBody,
      response: { 200: LoginResult, 400: ErrorSchema, 401: ErrorSchema, 429: ErrorSchema },
    },
    handler: async (request, reply) => {
      const { username, password } = request.body;
      const attempt = await limiter.attempt({ address: request.ip, username, password }, async () => {
        const identity = await users.verify(username, password);
        return identity?.kind === 'user' ? identity : undefined;
      });
      if (!attempt.ok && attempt.reason === 'rate_limited') {
        const seconds = Math.ceil(attempt.retryAfterMs / 1000);
        failures({ reason: 'rate_limited' });
        logger.warn(`refused login for ${JSON.stringify(username)} from ${request.ip}: rate-limited for ${seconds} s`);
        reply.header('retry-after', String(seconds));
        throw new HearthError('HEARTH_RATE_LIMITED', { seconds });
      }
      if (!attempt.ok) {
        failures({ reason: 'bad_credentials' });
        logger.warn(
          `failed login for ${JSON.stringify(username)} from ${request.ip}${attempt.reason === 'bad_credentials' && attempt.banned ? ' (now banned for a while)' : ''}`,
        );
        throw new HearthError('HEARTH_BAD_CREDENTIALS');
      }
      const identity = attempt.value;
      const { cookie, token, csrfToken } = sessions.createSession(identity.name);
      const secure = request.protocol === 'https' ? '; Secure' : '';
      reply.header('set-cookie', `${SESSION_COOKIE}=${cookie}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800${secure}`);
      logger.info(`user ${identity.name} logged in from ${request.ip}`);
      return { user: { name: identity.name, role: identity.role }, token, csrfToken };
    },
  });

  app.put('/api/session/password', {
    config: { role: 'viewer' },
    schema: {
      tags: ['auth'],
      summary: 'Change your own password (any user, viewers too); your other sessions end, this one stays',
      description: 'Needs the current password, rate-limited like a login. API tokens are not revoked (see /api/tokens).',
      body: OwnPasswordBody,
      response: { 204: NoContent, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema },
    },
    handler: async (request, reply) => {
      const name = request.user!.name;
      // Whoever holds a stolen session must not get to guess the password through this route.
      const keys = [`ip:${request.ip}`, `user:${name}`];
      const wait = limiter.retryAfter(keys);
      // The error handler sets Retry-After from the message.
      if (wait > 0) throw new HearthError('HEARTH_RATE_LIMITED', { seconds: Math.ceil(wait / 1000) });
      const identity = await users.verify(name, request.body.currentPassword);
      if (identity?.kind !== 'user') {
        limiter.fail(keys);
        failures({ reason: 'bad_credentials' });
        logger.warn(`refused password change of ${name} from ${request.ip}: wrong current password`);
        throw new HearthError(
          'HEARTH_VALIDATION',
          { message: 'body.currentPassword is not your current password' },
          { field: 'body.currentPassword' },
        );
      }
      limiter.succeed([`user:${name}`]);
      await users.setUser(name, request.body.password, identity.role);
      // As when an admin changes it: whoever knew the old password may hold a session; this one stays.
      const ended = sessions.deleteUserSessions(name, { cookie: readCookie(request, SESSION_COOKIE), token: bearerToken(request) });
      logger.info(`${name} changed their own password (${ended} other session${ended === 1 ? '' : 's'} ended)`);
      return reply.status(204).send(null);
    },
  });

  app.post('/api/logout', {
    config: { role: 'viewer' },
    schema: {
      tags: ['auth'],
      summary: 'End the session: its cookie and its login bearer token stop working (API tokens are revoked at /api/tokens)',
      response: { 204: NoContent, 401: ErrorSchema, 403: ErrorSchema },
    },
    handler: async (request, reply) => {
      sessions.deleteSession({
        cookie: readCookie(request, SESSION_COOKIE),
        token: request.user!.via === 'bearer' ? bearerToken(request) : undefined,
      });
      reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      return reply.status(204).send(null);
    },
  });

  app.get('/api/session', {
    schema: {
      tags: ['auth'],
      summary: 'Who is logged in, and the CSRF token of a cookie session',
      response: { 200: SessionResult, 401: ErrorSchema },
    },
    handler: async (request) => ({ user: { name: request.user!.name, role: request.user!.role }, csrfToken: request.user!.csrfToken }),
  });
}
