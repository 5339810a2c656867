// HTTP authentication: a session cookie (with a CSRF token for changes), a bearer token, or HTTP Basic.
// Every route needs a user unless declared `config: { public: true }`; changes need the admin role.
import { createHash, timingSafeEqual } from 'node:crypto';
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
  /** Counts a refused credential in /metrics, by reason. */
  onFailure: (reason: string) => void;
}

export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  app.decorateRequest('user', undefined);
  // onRequest runs before the body is read: an unauthenticated client cannot make the hub parse 256 KiB of JSON.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public || request.routeOptions.url === undefined) return;
    const user = await authenticate(request, deps);
    if (!user) throw new HearthError('HEARTH_UNAUTHORIZED');
    request.user = user;
    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
    // A cookie rides along with any request the browser makes, even one another site triggers: changes made
    // with a cookie must also carry the session's CSRF token, which other sites cannot read.
    if (changes && user.via === 'cookie' && !sameSecret(request.headers['x-csrf-token'], user.csrfToken)) {
      throw new HearthError('HEARTH_FORBIDDEN', { message: 'missing or wrong x-csrf-token header for a cookie session' });
    }
    const needed = request.routeOptions.config?.role ?? (changes ? 'admin' : 'viewer');
    if (needed === 'admin' && user.role !== 'admin') {
      throw new HearthError('HEARTH_FORBIDDEN', {
        message: `user ${user.name} is a viewer and may not ${request.method} ${request.routeOptions.url}`,
      });
    }
  });
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // a malformed %-escape is no session, not a 500
      }
    }
  }
  return undefined;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

// Compared as hashes so the comparison takes the same time whatever the length or the first wrong byte.
function sameSecret(given: string | string[] | undefined, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

async function authenticate(request: FastifyRequest, deps: AuthDeps): Promise<AuthUser | undefined> {
  const header = request.headers.authorization;
  const token = bearerToken(request);
  if (token !== undefined) {
    // Tokens are 240 random bits: guessing is hopeless, so a wrong one is counted but not rate-limited.
    const user = deps.sessions.tokenUser(token);
    if (!user) deps.onFailure('bad_token');
    return user ? { ...user, via: 'bearer' } : undefined;
  }
  if (header?.startsWith('Basic ')) return basic(request, header.slice(6), deps);
  const cookie = readCookie(request, SESSION_COOKIE);
  if (cookie) {
    const session = deps.sessions.session(cookie);
    if (session) return { ...session.user, via: 'cookie', csrfToken: session.csrfToken };
  }
  return undefined;
}

async function basic(request: FastifyRequest, encoded: string, deps: AuthDeps): Promise<AuthUser | undefined> {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const name = decoded.slice(0, colon);
  // The same limiter as /api/login and MQTT: Basic must not be a way around it. Device credentials are for MQTT only.
  const attempt = await deps.limiter.attempt({ address: request.ip, username: name, password: decoded.slice(colon + 1) }, async () => {
    const identity = await deps.users.verify(name, decoded.slice(colon + 1));
    return identity?.kind === 'user' ? identity : undefined;
  });
  if (attempt.ok) return { name: attempt.value.name, role: attempt.value.role, via: 'basic' };
  if (attempt.reason === 'rate_limited') {
    deps.onFailure('rate_limited');
    throw new HearthError('HEARTH_RATE_LIMITED', { seconds: Math.ceil(attempt.retryAfterMs / 1000) });
  }
  deps.onFailure('bad_credentials');
  deps.logger.warn(`refused HTTP Basic login for ${JSON.stringify(name)} from ${request.ip}`);
  return undefined;
}
