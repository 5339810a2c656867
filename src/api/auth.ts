// HTTP authentication: a session cookie (with a CSRF token for changes), a bearer token, or HTTP Basic.
// Every route needs a user unless declared `config: { public: true }`; changes need the admin role.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HearthError } from '../shared/errors.js';
import type { LoginLimiter } from '../shared/login-limiter.js';
import type { Logger } from '../shared/logger.js';
import type { SessionRepo } from '../store/session-repo.js';
import type { Role, UserRepo } from '../store/user-repo.js';

export const SESSION_COOKIE = 'hearth_session';

export interface AuthUser {
  name: string;
  role: Role;
  via: 'cookie' | 'bearer' | 'basic';
  csrfToken?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
  }
  interface FastifyContextConfig {
    public?: boolean;
    /** Least role a route needs; defaults to viewer for GET/HEAD and admin otherwise. */
    role?: Role;
  }
}

export interface AuthDeps {
  users: UserRepo;
  sessions: SessionRepo;
  limiter: LoginLimiter;
  logger: Logger;
  onFailure: (reason: string) => void;
}

export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.decorateRequest('user', undefined);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.public || request.routeOptions.url === undefined) return;
    const user = await authenticate(request, deps);
    if (!user) throw new HearthError('HEARTH_UNAUTHORIZED');
    request.user = user;
    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
    // A cookie rides along with any request the browser makes, even one another site triggers: changes made
    // with a cookie must also carry the session's CSRF token, which other sites cannot read.
    if (changes && user.via === 'cookie' && request.headers['x-csrf-token'] !== user.csrfToken) {
      throw new HearthError('HEARTH_FORBIDDEN', { message: 'missing or wrong x-csrf-token header for a cookie session' });
    }
    const needed = request.routeOptions.config?.role ?? (changes ? 'admin' : 'viewer');
    if (needed === 'admin' && user.role !== 'admin') {
      throw new HearthError('HEARTH_FORBIDDEN', { message: `user ${user.name} is a viewer and may not ${request.method} ${request.routeOptions.url}` });
    }
    void reply;
  });
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

async function authenticate(request: FastifyRequest, deps: AuthDeps): Promise<AuthUser | undefined> {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const user = deps.sessions.tokenUser(header.slice(7).trim());
    if (!user) deps.onFailure('bad_token');
    return user ? { ...user, via: 'bearer' } : undefined;
  }
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const name = decoded.slice(0, colon);
    const keys = [`ip:${request.ip}`, `user:${name}`];
    const wait = deps.limiter.retryAfter(keys);
    if (wait > 0) throw new HearthError('HEARTH_RATE_LIMITED', { seconds: Math.ceil(wait / 1000) });
    const identity = await deps.users.verify(name, decoded.slice(colon + 1));
    // Device credentials are for MQTT only.
    if (identity?.kind === 'user') {
      deps.limiter.succeed([`user:${name}`]);
      return { name: identity.name, role: identity.role, via: 'basic' };
    }
    deps.limiter.fail(keys);
    deps.onFailure('bad_credentials');
    deps.logger.warn(`refused HTTP Basic login for ${JSON.stringify(name)} from ${request.ip}`);
    return undefined;
  }
  const cookie = readCookie(request, SESSION_COOKIE);
  if (cookie) {
    const session = deps.sessions.session(cookie);
    if (session) return { ...session.user, via: 'cookie', csrfToken: session.csrfToken };
  }
  return undefined;
}
