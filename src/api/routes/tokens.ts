// Long-lived API tokens for scripts (`Authorization: Bearer …`): create (shown once), list, revoke. Admin only.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { HearthError } from '../../shared/errors.js';
import type { ApiContext } from '../context.js';
import { TokenBody, TokenCreated, TokenInfo } from '../schemas/auth.js';
import { ErrorSchema, NoContent } from '../schemas/common.js';
import { typed } from '../type-provider.js';

export async function tokenRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { sessions, logger } = opts.ctx;

  app.get('/api/tokens', {
    config: { role: 'admin' },
    schema: {
      tags: ['tokens'],
      summary: 'API tokens (never their secret)',
      response: { 200: Type.Array(TokenInfo), 401: ErrorSchema, 403: ErrorSchema },
    },
    handler: async () => sessions.listTokens(),
  });

  app.post('/api/tokens', {
    schema: {
      tags: ['tokens'],
      summary: 'Create a long-lived API token for the calling user; the token is shown once',
      body: TokenBody,
      response: { 201: TokenCreated, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
    },
    handler: async (request, reply) => {
      const created = sessions.createToken(request.user!.name, request.body.name);
      logger.info(`${request.user!.name} created API token ${JSON.stringify(created.name)} (${created.id})`);
      return reply.status(201).send(created);
    },
  });

  app.delete('/api/tokens/:id', {
    schema: {
      tags: ['tokens'],
      summary: 'Revoke an API token',
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      response: { 204: NoContent, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema },
    },
    handler: async (request, reply) => {
      if (!sessions.revokeToken(request.params.id))
        throw new HearthError('HEARTH_NOT_FOUND', { message: `No API token with id "${request.params.id}"` });
      logger.info(`${request.user!.name} revoked API token ${request.params.id}`);
      return reply.status(204).send(null);
    },
  });
}
