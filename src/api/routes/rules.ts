// Long file: the rule routes share the engine's and the rules dir's handles and one set of schemas.
// Rule routes: list with status, one rule with its YAML, create/replace/delete, enable/disable, run now, traces,
// live validation for the editor, and the public webhook endpoint (its secret id is the credential).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { RuleEngine } from '../../rules/engine.js';
import type { RuleDirectory } from '../../rules/rule-directory.js';
import {
  deleteRule,
  deleteRuleFile,
  readRuleFileSource,
  readRuleSource,
  saveRule,
  saveRuleFile,
  validateRuleFile,
} from '../../rules/rule-files.js';
import { answerRun } from './run-answer.js';
import { runRuleTests } from '../../rules/rule-tests.js';
import { HearthError } from '../../shared/errors.js';
import { parseTimeArg, TIME_FORMS } from '../../shared/time-arg.js';
import { replayDirOf, replayRule, type ReplayHistory } from '../../rules/replay.js';
import { RULE_FILE_PATTERN, RULE_ID_PATTERN } from '../../rules/schema.js';
import {
  ReplayReportSchema,
  RuleDetailSchema,
  RuleFileSchema,
  RuleInfoSchema,
  RuleTestReportSchema,
  RunResultSchema,
  TraceSchema,
  ValidationSchema,
} from '../../rules/rule-views.js';
import { typed } from '../type-provider.js';
import { ErrorSchema } from '../schemas/device.js';

// The rule id's own pattern: an id that could name a path (../) is refused before it reaches the rules dir.
const IdParams = Type.Object({ id: Type.String({ pattern: RULE_ID_PATTERN, description: 'letters, digits, _ or - (1-64)' }) });
const FileName = Type.String({ pattern: RULE_FILE_PATTERN, description: "a rule file's name in the rules dir, e.g. porch.yaml" });
const FileParams = Type.Object({ file: FileName });
const Yaml = Type.String({ minLength: 1, maxLength: 200_000 });
const YamlBody = Type.Object({ yaml: Yaml }, { additionalProperties: false });

export interface RulesRoutesOptions {
  engine: RuleEngine;
  directory: RuleDirectory;
  /** Recorded readings, for replay. */
  history: ReplayHistory;
  location?: { latitude: number; longitude: number };
}

const NoContent = Type.Null({ description: 'No content' });

export async function rulesRoutes(fastify: FastifyInstance, opts: RulesRoutesOptions): Promise<void> {
  const app = typed(fastify);
  const { engine, directory } = opts;

  app.get(
    '/api/rules',
    {
      schema: {
        tags: ['rules'],
        summary: 'Every rule with its status, and invalid files with their errors',
        response: { 200: Type.Array(RuleInfoSchema), 401: ErrorSchema },
      },
    },
    async () => directory.list(),
  );

  app.get('/api/rules/:id', {
    schema: {
      tags: ['rules'],
      summary: 'One rule: status, parsed definition and YAML source',
      params: IdParams,
      response: { 200: RuleDetailSchema, 404: ErrorSchema },
    },
    handler: async (request) => {
      const { definition, ...info } = directory.get(request.params.id);
      return {
        ...info,
        definition: definition as Record<string, unknown> | undefined,
        source: readRuleSource(directory, request.params.id) ?? null,
      };
    },
  });

  app.put('/api/rules/:id', {
    schema: {
      tags: ['rules'],
      summary: 'Create or replace a rule from YAML (validated first; written atomically)',
      params: IdParams,
      body: YamlBody,
      response: { 200: RuleInfoSchema, 201: RuleInfoSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
    },
    handler: async (request, reply) => {
      const { created } = saveRule(directory, request.params.id, request.body.yaml);
      return reply.status(created ? 201 : 200).send(directory.get(request.params.id));
    },
  });

  app.delete('/api/rules/:id', {
    schema: {
      tags: ['rules'],
      summary: 'Delete a rule (and its file)',
      params: IdParams,
      response: { 204: NoContent, 404: ErrorSchema, 409: ErrorSchema },
    },
    handler: async (request, reply) => {
      deleteRule(directory, request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.post('/api/rules/validate', {
    config: { role: 'viewer' },
    schema: {
      tags: ['rules'],
      summary:
        'Validate rule YAML without saving it (for editors); with `file`, as that file of the rules dir (named as the hub names it, ids used by other files reported)',
      body: Type.Object({ yaml: Yaml, file: Type.Optional(FileName) }, { additionalProperties: false }),
      response: { 200: ValidationSchema, 400: ErrorSchema },
    },
    handler: async (request) => {
      if (request.body.file) return validateRuleFile(directory, request.body.file, request.body.yaml);
      // A draft of no file yet: checked with what the rules dir defines (blueprints, scenes, scripts), named rule.yaml.
      const loaded = directory.check('rule.yaml', request.body.yaml, { clashes: false, display: 'rule.yaml' });
      return { problems: loaded.problems, ids: loaded.rules.map((r) => r.id) };
    },
  });

  // A file as a whole: how a file with errors (which may name no valid rule) or with several rules is opened and fixed.
  const fileView = (name: string) => {
    const info = directory.file(name);
    if (!info) throw new HearthError('HEARTH_NOT_FOUND', { message: `No rule file "${name}"` });
    return { ...info, source: readRuleFileSource(directory, name) };
  };

  app.get('/api/rule-files/:file', {
    schema: {
      tags: ['rules'],
      summary: 'One rule file: its YAML, the rules it holds and its errors (also when it does not load)',
      params: FileParams,
      response: { 200: RuleFileSchema, 404: ErrorSchema },
    },
    handler: async (request) => fileView(request.params.file),
  });

  app.put('/api/rule-files/:file', {
    schema: {
      tags: ['rules'],
      summary: 'Create or replace a rule file (one rule or several; validated first; written atomically)',
      params: FileParams,
      body: YamlBody,
      response: { 200: RuleFileSchema, 201: RuleFileSchema, 400: ErrorSchema },
    },
    handler: async (request, reply) => {
      const { created } = saveRuleFile(directory, request.params.file, request.body.yaml);
      return reply.status(created ? 201 : 200).send(fileView(request.params.file));
    },
  });

  app.delete('/api/rule-files/:file', {
    schema: {
      tags: ['rules'],
      summary: 'Delete a rule file (and so its rules)',
      params: FileParams,
      response: { 204: NoContent, 404: ErrorSchema },
    },
    handler: async (request, reply) => {
      deleteRuleFile(directory, request.params.file);
      return reply.status(204).send(null);
    },
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post(`/api/rules/:id/${action}`, {
      schema: {
        tags: ['rules'],
        summary: `${action === 'enable' ? 'Enable' : 'Disable'} a rule (kept across restarts)`,
        params: IdParams,
        response: { 200: RuleInfoSchema, 404: ErrorSchema },
      },
      handler: async (request) => {
        if (action === 'enable') engine.enable(request.params.id);
        else engine.disable(request.params.id);
        const { definition: _definition, ...info } = directory.get(request.params.id);
        return info;
      },
    });
  }

  app.post('/api/rules/:id/run', {
    schema: {
      tags: ['rules'],
      summary: 'Run a rule now; answers with its trace (at once if it is still running after 5 s)',
      params: IdParams,
      querystring: Type.Object({ skipConditions: Type.Optional(Type.Boolean()) }),
      response: { 200: RunResultSchema, 404: ErrorSchema },
    },
    handler: async (request) => {
      return answerRun(engine.runNow(request.params.id, { skipConditions: request.query.skipConditions ?? false }), undefined);
    },
  });

  app.get('/api/rules/:id/traces', {
    schema: {
      tags: ['rules'],
      summary: 'The latest traces of a rule, newest first',
      params: IdParams,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
      response: { 200: Type.Array(TraceSchema), 404: ErrorSchema },
    },
    handler: async (request) => {
      directory.get(request.params.id); // 404 for a rule no file names
      return engine.traces(request.params.id, request.query.limit);
    },
  });

  const Range = {
    from: Type.Optional(Type.String({ description: 'ISO time or epoch ms; default 24 h ago' })),
    to: Type.Optional(Type.String({ description: 'ISO time or epoch ms; default now' })),
  };
  const time = (v: string | undefined, fallback: number, field: string) => {
    const t = parseTimeArg(v, fallback);
    if (t === undefined)
      throw new HearthError(
        'HEARTH_VALIDATION',
        { message: `body.${field} must be ${TIME_FORMS}, got ${JSON.stringify(v)}` },
        { field: `body.${field}` },
      );
    return t;
  };

  app.post('/api/rules/replay', {
    config: { role: 'viewer' },
    schema: {
      tags: ['rules'],
      summary: 'Replay rule YAML (new or changed) against recorded history; actions are not executed',
      body: Type.Object({ yaml: Yaml, ...Range, file: Type.Optional(FileName) }, { additionalProperties: false }),
      response: { 200: ReplayReportSchema, 400: ErrorSchema },
    },
    handler: async (request) => {
      const to = time(request.body.to, Date.now(), 'to');
      const file = request.body.file ?? 'replay.yaml';
      return replayRule(
        opts.history,
        request.body.yaml,
        time(request.body.from, to - 86_400_000, 'from'),
        to,
        opts.location,
        directory.displayPath(file),
        replayDirOf(directory, file),
      );
    },
  });

  app.post('/api/rules/:id/replay', {
    config: { role: 'viewer' },
    schema: {
      tags: ['rules'],
      summary: 'Replay a saved rule against recorded history',
      params: IdParams,
      body: Type.Optional(Type.Object(Range, { additionalProperties: false })),
      response: { 200: ReplayReportSchema, 400: ErrorSchema, 404: ErrorSchema },
    },
    handler: async (request) => {
      const where = directory.fileOf(request.params.id);
      if (!where) throw new HearthError('HEARTH_RULE_NOT_FOUND', { id: request.params.id });
      const to = time(request.body?.to, Date.now(), 'to');
      return replayRule(
        opts.history,
        readRuleFileSource(directory, where.file),
        time(request.body?.from, to - 86_400_000, 'from'),
        to,
        opts.location,
        directory.displayPath(where.file),
        replayDirOf(directory, where.file),
      );
    },
  });

  app.post('/api/rules/:id/test', {
    config: { role: 'viewer' },
    schema: {
      tags: ['rules'],
      summary: "Run the tests of the rule's file (<file>.test.yaml) on a virtual clock",
      params: IdParams,
      response: { 200: RuleTestReportSchema, 404: ErrorSchema },
    },
    handler: async (request) => {
      const where = directory.fileOf(request.params.id);
      if (!where) throw new HearthError('HEARTH_RULE_NOT_FOUND', { id: request.params.id });
      const base = where.file.replace(/\.ya?ml$/, '');
      const lines: string[] = [];
      const { code, results } = await runRuleTests(directory.dir, (l) => lines.push(l), base);
      if (results.length === 0) return { passed: false, output: [`no tests: write ${base}.test.yaml beside ${where.file}`], results };
      return { passed: code === 0, output: lines, results };
    },
  });

  app.post('/api/webhooks/:id', {
    config: { public: true },
    schema: {
      tags: ['rules'],
      summary: 'Fire the webhook triggers with this secret id',
      params: Type.Object({ id: Type.String({ minLength: 8, maxLength: 128 }) }),
      response: { 202: Type.Object({ accepted: Type.Boolean() }), 404: ErrorSchema },
    },
    handler: async (request, reply) => {
      if (!engine.handleWebhook(request.params.id, request.body ?? null))
        throw new HearthError('HEARTH_NOT_FOUND', { message: 'No webhook with this id' });
      return reply.status(202).send({ accepted: true });
    },
  });
}
