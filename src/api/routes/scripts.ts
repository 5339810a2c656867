// Scripts: list with their fields, run with field values (checked first: a 400 names the field), and traces.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { listScripts } from '../../rules/blocks/block-views.js';
import { checkField, coerceField } from '../../rules/blocks/fields.js';
import { HearthError } from '../../shared/errors.js';
import { BlockIdParams, RunningSchema, RunTraceSchema, ScriptSchema } from '../schemas/blocks.js';
import { ErrorSchema } from '../schemas/common.js';
import { typed } from '../type-provider.js';
import type { BlockRoutesOptions } from './scenes.js';
import { answerRun } from './run-answer.js';

const denied = { 401: ErrorSchema, 403: ErrorSchema };

export async function scriptRoutes(fastify: FastifyInstance, opts: BlockRoutesOptions): Promise<void> {
  const app = typed(fastify);
  const { engine, directory } = opts;
  const script = (id: string) => {
    const found = listScripts(directory, engine).find((s) => s.id === id);
    if (!found) throw new HearthError('HEARTH_NOT_FOUND', { message: `No script "${id}"` });
    return found;
  };

  app.get('/api/scripts', {
    schema: {
      tags: ['scripts'],
      summary: 'Every script with its fields, mode, status and last run',
      response: { 200: Type.Array(ScriptSchema), ...denied },
    },
    handler: async () => listScripts(directory, engine),
  });

  app.get('/api/scripts/:id', {
    schema: {
      tags: ['scripts'],
      summary: 'One script',
      params: BlockIdParams,
      response: { 200: ScriptSchema, 404: ErrorSchema, ...denied },
    },
    handler: async (request) => script(request.params.id),
  });

  app.post('/api/scripts/:id/run', {
    schema: {
      tags: ['scripts'],
      summary: 'Run a script with field values; answers with its trace (at once if it is still running after 5 s)',
      params: BlockIdParams,
      body: Type.Optional(
        Type.Object(
          { fields: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))) },
          { additionalProperties: false },
        ),
      ),
      response: { 200: Type.Union([RunTraceSchema, RunningSchema]), 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request) => {
      const s = script(request.params.id);
      if (s.status !== 'active')
        throw new HearthError('HEARTH_CONFLICT', {
          message: `script "${s.id}" is ${s.status}${s.errors?.length ? `: ${s.errors[0]!.text}` : ''}`,
        });
      const fields: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(request.body?.fields ?? {})) {
        const field = s.fields[name];
        if (!field)
          throw new HearthError(
            'HEARTH_VALIDATION',
            { message: `body.fields.${name} is not a field of script "${s.id}" (fields: ${Object.keys(s.fields).join(', ') || 'none'})` },
            { field: `body.fields.${name}` },
          );
        const wrong = checkField(field, coerceField(field, value));
        if (wrong)
          throw new HearthError('HEARTH_VALIDATION', { message: `body.fields.${name} ${wrong}` }, { field: `body.fields.${name}` });
        fields[name] = coerceField(field, value);
      }
      for (const [name, field] of Object.entries(s.fields)) {
        if (field.default === undefined && !(name in fields))
          throw new HearthError(
            'HEARTH_VALIDATION',
            { message: `body.fields.${name} is required (a ${field.type} field without a default)` },
            { field: `body.fields.${name}` },
          );
      }
      const handle = engine.call(`script:${s.id}`, {
        id: 'api',
        kind: 'script',
        description: `run by ${request.user!.name} through the API`,
        fields,
      });
      return answerRun(handle.done, handle.traceId);
    },
  });

  app.post('/api/scripts/:id/enable', {
    schema: {
      tags: ['scripts'],
      summary: 'Start a script that was paused as a loop again',
      params: BlockIdParams,
      response: { 200: ScriptSchema, 404: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request) => {
      const s = script(request.params.id);
      if (s.status === 'invalid') throw new HearthError('HEARTH_CONFLICT', { message: `script "${s.id}" is invalid: fix its file` });
      engine.enable(`script:${s.id}`);
      return script(s.id);
    },
  });

  app.get('/api/scripts/:id/traces', {
    schema: {
      tags: ['scripts'],
      summary: 'The latest runs of a script, newest first',
      params: BlockIdParams,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
      response: { 200: Type.Array(RunTraceSchema), 404: ErrorSchema, ...denied },
    },
    handler: async (request) => {
      script(request.params.id);
      return engine.traces(`script:${request.params.id}`, request.query.limit);
    },
  });
}
