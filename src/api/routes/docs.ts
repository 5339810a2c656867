// /docs: the API browsed with Swagger UI, pointed at /openapi.json. Public: it describes the API, it exposes no data.
// Swagger UI's files come from @fastify/swagger-ui's static/ folder, found at the first request; its plugin is not
// registered, because its start-up work (a static file server that globs the folder, YAML and clone libraries) was
// ~80 ms of every hub start for a page few ever open (docs/performance.md). Only the files listed here are served.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';

const FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

// The page loads files only (the CSP forbids inline scripts); relative links, so it also works behind a path prefix.
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>Hearth API</title>
<link rel="stylesheet" type="text/css" href="./static/swagger-ui.css">
<link rel="stylesheet" type="text/css" href="./static/index.css">
<link rel="icon" type="image/png" href="./static/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="./static/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="./static/swagger-ui-bundle.js" charset="UTF-8"></script>
<script src="./static/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
<script src="./static/swagger-initializer.js" charset="UTF-8"></script>
</body>
</html>
`;

const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: new URL('../openapi.json', window.location.href.split('#')[0]).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    docExpansion: 'list',
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
    validatorUrl: null,
  });
};
`;

let folder: string | undefined;
/** @fastify/swagger-ui's static/ folder, resolved from node_modules wherever the hub runs from. */
const staticFolder = () => (folder ??= join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')), 'static'));

export async function docsRoutes(app: FastifyInstance): Promise<void> {
  const hidden = { config: { public: true }, schema: { hide: true } };
  app.get('/docs', hidden, async (_request, reply) => reply.redirect('/docs/'));
  app.get('/docs/', hidden, async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  app.get('/docs/static/swagger-initializer.js', hidden, async (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').send(INITIALIZER),
  );
  app.get(
    '/docs/static/:file',
    { ...hidden, schema: { hide: true, params: Type.Object({ file: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const { file } = request.params as { file: string };
      const type = Object.hasOwn(FILES, file) ? FILES[file] : undefined;
      if (!type) return reply.status(404).send({ code: 'HEARTH_NOT_FOUND', message: `no such file: /docs/static/${file}` });
      return reply
        .type(type)
        .header('cache-control', 'public, max-age=3600')
        .send(createReadStream(join(staticFolder(), file)));
    },
  );
}
