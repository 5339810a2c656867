// HTTP authentication: every route needs a user unless it is declared `config: { public: true }`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HearthError } from '../shared/errors.js';
import type { Role, UserRepo } from '../store/user-repo.js';

export interface AuthUser {
  name: string;
  role: Role;
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

export function registerAuth(app: FastifyInstance, users: UserRepo): void {
  app.decorateRequest('user', undefined);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    const user = await authenticate(request, users);
    if (!user) throw new HearthError('HEARTH_UNAUTHORIZED');
    request.user = user;
    const needed = request.routeOptions.config?.role ?? (request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'admin');
    if (needed === 'admin' && user.role !== 'admin') {
      throw new HearthError('HEARTH_FORBIDDEN', { message: `user ${user.name} is a viewer and may not ${request.method} ${request.routeOptions.url}` });
    }
  });
}

async function authenticate(request: FastifyRequest, users: UserRepo): Promise<AuthUser | undefined> {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const identity = await users.verify(decoded.slice(0, colon), decoded.slice(colon + 1));
    // Device credentials are for MQTT only.
    if (identity?.kind === 'user') return { name: identity.name, role: identity.role };
  }
  return undefined;
}
