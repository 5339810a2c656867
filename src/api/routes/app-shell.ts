// The service worker at `/sw.js`: it must be served from the root to control the whole dashboard (its scope is
// the folder it comes from). The manifest, icons and offline page are plain assets under /assets.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

export async function appShellRoutes(app: FastifyInstance, opts: { dir: string }): Promise<void> {
  const file = join(opts.dir, 'sw.js');
  if (!existsSync(file)) return;
  const body = readFileSync(file);
  app.get('/sw.js', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    // no-cache: the browser checks for a new worker (a new dashboard build) on every visit.
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(body),
  );
}
