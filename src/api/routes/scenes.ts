// Scenes and blueprints: list, activate (answers with the trace: what was sent, what was already so), traces, and a
// scene made of the current state of devices (written to scenes.yaml in the rules dir), deleted the same way.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { DeviceRegistry } from '../../devices/device-registry.js';
import { deleteBlock, saveBlock } from '../../rules/blocks/block-files.js';
import { listBlueprints, listScenes } from '../../rules/blocks/block-views.js';
import type { RuleEngine } from '../../rules/engine.js';
import type { RuleDirectory } from '../../rules/rule-directory.js';
import { HearthError } from '../../shared/errors.js';
import { BlockIdParams, BlueprintSchema, RunTraceSchema, SceneCreateBody, SceneSchema } from '../schemas/blocks.js';
import { ErrorSchema, NoContent } from '../schemas/common.js';
import { typed } from '../type-provider.js';

export interface BlockRoutesOptions {
  engine: RuleEngine;
  directory: RuleDirectory;
  registry: DeviceRegistry;
}

const denied = { 401: ErrorSchema, 403: ErrorSchema };

export async function sceneRoutes(fastify: FastifyInstance, opts: BlockRoutesOptions): Promise<void> {
  const app = typed(fastify);
  const { engine, directory, registry } = opts;
  const scene = (id: string) => {
    const found = listScenes(directory, engine).find((s) => s.id === id);
    if (!found) throw new HearthError('HEARTH_NOT_FOUND', { message: `No scene "${id}"` });
    return found;
  };

  app.get('/api/scenes', {
    schema: {
      tags: ['scenes'],
      summary: 'Every scene with its states, status and last activation',
      response: { 200: Type.Array(SceneSchema), ...denied },
    },
    handler: async () => listScenes(directory, engine),
  });

  app.get('/api/scenes/:id', {
    schema: { tags: ['scenes'], summary: 'One scene', params: BlockIdParams, response: { 200: SceneSchema, 404: ErrorSchema, ...denied } },
    handler: async (request) => scene(request.params.id),
  });

  app.post('/api/scenes/:id/activate', {
    schema: {
      tags: ['scenes'],
      summary:
        "Activate a scene: sends home/<device>/<property>/set only where the known value differs; answers with the activation's trace",
      params: BlockIdParams,
      response: { 200: RunTraceSchema, 404: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request) => {
      const s = scene(request.params.id);
      if (s.status !== 'active')
        throw new HearthError('HEARTH_CONFLICT', {
          message: `scene "${s.id}" is ${s.status}${s.errors?.length ? `: ${s.errors[0]!.text}` : ''}`,
        });
      return engine.call(`scene:${s.id}`, { id: 'api', kind: 'scene', description: `activated by ${request.user!.name} through the API` })
        .done;
    },
  });

  app.post('/api/scenes/:id/enable', {
    schema: {
      tags: ['scenes'],
      summary: 'Let a scene that was paused as a loop be activated again',
      params: BlockIdParams,
      response: { 200: SceneSchema, 404: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request) => {
      const s = scene(request.params.id);
      if (s.status === 'invalid') throw new HearthError('HEARTH_CONFLICT', { message: `scene "${s.id}" is invalid: fix its file` });
      engine.enable(`scene:${s.id}`);
      return scene(s.id);
    },
  });

  app.get('/api/scenes/:id/traces', {
    schema: {
      tags: ['scenes'],
      summary: 'The latest activations of a scene, newest first',
      params: BlockIdParams,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
      response: { 200: Type.Array(RunTraceSchema), 404: ErrorSchema, ...denied },
    },
    handler: async (request) => {
      scene(request.params.id);
      return engine.traces(`scene:${request.params.id}`, request.query.limit);
    },
  });

  app.post('/api/scenes', {
    schema: {
      tags: ['scenes'],
      summary:
        'Save the current state of devices (or given values) as a scene, in scenes.yaml of the rules dir (a scene with this id is replaced where it is)',
      body: SceneCreateBody,
      response: { 200: SceneSchema, 201: SceneSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      const { id, name, description, properties = [], devices = [], states: given = {} } = request.body;
      const states: Record<string, unknown> = {};
      for (const deviceId of devices) {
        for (const [property, { value }] of Object.entries(registry.get(deviceId).properties))
          if (property !== 'status') states[`home/${deviceId}/${property}`] = value;
      }
      for (const [i, topic] of properties.entries()) {
        const [, deviceId, property] = topic.split('/') as [string, string, string];
        const value = registry.get(deviceId).properties[property]?.value;
        if (value === undefined)
          throw new HearthError(
            'HEARTH_VALIDATION',
            { message: `body.properties[${i}]: ${deviceId} has no ${property} yet` },
            { field: `body.properties[${i}]` },
          );
        states[topic] = value;
      }
      Object.assign(states, given);
      if (Object.keys(states).length === 0)
        throw new HearthError(
          'HEARTH_VALIDATION',
          { message: 'body must name devices, properties or states for the scene to keep' },
          { field: 'body' },
        );
      const { created } = saveBlock(directory, 'scenes', {
        id,
        ...(name ? { name } : {}),
        ...(description ? { description } : {}),
        states,
      });
      request.log.info(`${request.user!.name} saved scene ${id}`);
      return reply.status(created ? 201 : 200).send(scene(id));
    },
  });

  app.delete('/api/scenes/:id', {
    schema: {
      tags: ['scenes'],
      summary: 'Delete a scene from the file that holds it',
      params: BlockIdParams,
      response: { 204: NoContent, 404: ErrorSchema, 409: ErrorSchema, ...denied },
    },
    handler: async (request, reply) => {
      deleteBlock(directory, 'scenes', request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.get('/api/blueprints', {
    schema: {
      tags: ['scenes'],
      summary: 'Every blueprint with its inputs and the rules that use it',
      response: { 200: Type.Array(BlueprintSchema), ...denied },
    },
    handler: async () => listBlueprints(directory),
  });
}
