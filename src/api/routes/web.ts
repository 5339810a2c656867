// Serves the built dashboard (web/dist): index.html at `/`, hashed assets under /assets with long cache lifetimes.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

export async function webRoutes(app: FastifyInstance, opts: { dir: string }): Promise<void> {
  const index = join(opts.dir, 'index.html');
  if (!existsSync(index)) return;
  // The build is small (tens of KiB); keeping it in memory saves a disk read per request on an SD card.
  const files = new Map<string, Buffer>();
  const assets = join(opts.dir, 'assets');
  if (existsSync(assets)) for (const name of readdirSync(assets)) files.set(name, readFileSync(join(assets, name)));
  const html = readFileSync(index);

  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type(TYPES['.html']!).header('cache-control', 'no-cache').send(html),
  );
  app.get<{ Params: { name: string } }>('/assets/:name', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const body = files.get(request.params.name);
    if (!body) return reply.status(404).send({ code: 'HEARTH_NOT_FOUND', message: `No asset ${request.params.name}` });
    return reply
      .type(TYPES[extname(request.params.name)] ?? 'application/octet-stream')
      .header('cache-control', /\.[0-9a-f]{8,}\./.test(request.params.name) ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(body);
  });
}
