// GET /api/backup: a consistent copy of the database (SQLite's online backup), streamed and then deleted.
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { ErrorSchema } from '../schemas/common.js';
import { typed } from '../type-provider.js';

export async function backupRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { db, logger } = opts.ctx;

  app.get('/api/backup', {
    config: { role: 'admin' },
    schema: {
      tags: ['system'],
      summary: 'Download a consistent copy of the database (devices, history, users, rules state)',
      produces: ['application/vnd.sqlite3'],
      response: { 200: Type.Unsafe<unknown>({ type: 'string', format: 'binary' }), 401: ErrorSchema, 403: ErrorSchema },
    },
    handler: async (request, reply) => {
      // A copy rather than the live file: the WAL may hold commits the main file does not have yet.
      const dir = mkdtempSync(join(tmpdir(), 'hearth-backup-'));
      const cleanup = () => rmSync(dir, { recursive: true, force: true });
      try {
        const file = join(dir, 'hearth.db');
        await db.backup(file);
        const size = statSync(file).size;
        const stream = createReadStream(file);
        stream.once('close', cleanup);
        logger.info(`${request.user!.name} downloaded a backup (${size} bytes)`);
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        return reply
          .header('content-disposition', `attachment; filename="hearth-backup-${stamp}.db"`)
          .header('content-length', String(size))
          .header('cache-control', 'no-store')
          .type('application/vnd.sqlite3')
          .send(stream);
      } catch (err) {
        cleanup();
        throw err;
      }
    },
  });
}
