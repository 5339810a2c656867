// GET /api/backup: the same archive as `hearth backup` (database, broker state and rules; SQLite's online backup,
// consistent while the hub runs), written to a temporary file, streamed, then deleted.
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { ErrorSchema } from '../schemas/common.js';
import { typed } from '../type-provider.js';

export async function backupRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { createBackup, logger, scratchDir } = opts.ctx;
  if (!createBackup) return;

  app.get('/api/backup', {
    config: { role: 'admin' },
    schema: {
      tags: ['system'],
      summary: 'Download a backup (.tar.gz: database, broker state, rule files, manifest); restore it with `hearth restore`',
      produces: ['application/gzip'],
      response: { 200: Type.Unsafe<unknown>({ type: 'string', format: 'binary' }), 401: ErrorSchema, 403: ErrorSchema },
    },
    handler: async (request, reply) => {
      // Beside the database rather than in /tmp, which is RAM on many Raspberry Pi setups.
      const dir = mkdtempSync(join(scratchDir ?? tmpdir(), '.download-'));
      const cleanup = () => rmSync(dir, { recursive: true, force: true });
      try {
        const file = join(dir, 'backup.tar.gz');
        const { bytes } = await createBackup(file);
        const stream = createReadStream(file);
        stream.once('close', cleanup);
        logger.info(`${request.user!.name} downloaded a backup (${bytes} bytes)`);
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        return reply
          .header('content-disposition', `attachment; filename="hearth-backup-${stamp}.tar.gz"`)
          .header('content-length', String(bytes))
          .header('cache-control', 'no-store')
          .type('application/gzip')
          .send(stream);
      } catch (err) {
        cleanup();
        throw err;
      }
    },
  });
}
