// Helpers: list with values, set a value (checked: a value the helper cannot take is a 400 naming it), and a helper
// created or deleted from the dashboard (written to helpers.yaml in the rules dir, like one declared by hand).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { HelperService } from '../../helpers/helper-service.js';
import { HELPERS, type HelperDefinition } from '../../helpers/helper-schema.js';
import { checkHelper } from '../../helpers/helper-values.js';
import { deleteBlock, saveBlock } from '../../rules/blocks/block-files.js';
import type { RuleDirectory } from '../../rules/rule-directory.js';
import { check, formatPath, type Problem } from '../../rules/validate.js';
import { HearthError } from '../../shared/errors.js';
import { HelperBody, HelperIdParams, HelperSchema, HelperValueBody } from '../schemas/blocks.js';
import { ErrorSchema, NoContent } from '../schemas/common.js';
import { typed } from '../type-provider.js';

const denied = { 401: ErrorSchema, 403: ErrorSchema };

export async function helperRoutes(fastify: FastifyInstance, opts: { helpers: HelperService; directory: RuleDirectory }): Promise<void> {
  const app = typed(fastify);
  const { helpers, directory } = opts;

  app.get('/api/helpers', {
    schema: {
      tags: ['helpers'],
      summary: 'Every helper with its value (each is a device helper_<id>)',
      response: { 200: Type.Array(HelperSchema), ...denied },
    },
    handler: async () => helpers.list(),
  });

  app.get('/api/helpers/:id', {
    schema: {
      tags: ['helpers'],
      summary: 'One helper',
      params: HelperIdParams,
      response: { 200: HelperSchema, 404: ErrorSchema, ...denied },
    },
    handler: async (request) => helpers.get(request.params.id),
  });

  app.post('/api/helpers/:id/set', {
    schema: {
      tags: ['helpers'],
      summary: 'Set a helper, as home/helper_<id>/value/set does; answers the helper as it is then',
      params: HelperIdParams,
      body: HelperValueBody,
      response: { 200: HelperSchema, 400: ErrorSchema, 404: ErrorSchema, ...denied },
    },
    handler: async (request) => {
      const value = request.body.value;
      const result = await helpers.command(request.params.id, typeof value === 'string' ? value : JSON.stringify(value));
      request.log.info(`${request.user!.name} set helper ${request.params.id} to ${JSON.stringify(value)}`);
      return result;
    },
  });

  app.post('/api/helpers', {
    schema: {
      tags: ['helpers'],
      summary: 'Create (or replace) a helper, written to helpers.yaml in the rules dir (or where a helper of this id is declared)',
      body: HelperBody,
      response: { 200: HelperSchema, 201: HelperSchema, 400: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      const def = request.body as unknown as HelperDefinition;
      const problems: Problem[] = [];
      check(HELPERS[def.type], def, [], problems);
      if (problems.length === 0) problems.push(...checkHelper(def));
      if (problems.length > 0) {
        const first = problems[0]!;
        const field = `body${first.path.length ? `.${formatPath(first.path)}` : ''}`;
        throw new HearthError(
          'HEARTH_VALIDATION',
          { message: problems.map((p) => `body${p.path.length ? `.${formatPath(p.path)}` : ''} ${p.message}`).join('; ') },
          { field },
        );
      }
      const { created } = saveBlock(directory, 'helpers', def as unknown as { id: string });
      request.log.info(`${request.user!.name} saved helper ${def.id}`);
      return reply.status(created ? 201 : 200).send(helpers.get(def.id));
    },
  });

  app.delete('/api/helpers/:id', {
    schema: {
      tags: ['helpers'],
      summary: 'Delete a helper from the file that declares it (its device and history stay until deleted)',
      params: HelperIdParams,
      response: { 204: NoContent, 404: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      deleteBlock(directory, 'helpers', request.params.id);
      return reply.status(204).send(null);
    },
  });
}
