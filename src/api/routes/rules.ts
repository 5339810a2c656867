// Rule routes: list with status, one rule with its YAML, create/replace/delete, enable/disable, run now, traces,
// live validation for the editor, and the public webhook endpoint (its secret id is the credential).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { RuleEngine } from '../../rules/engine.js';
import type { RuleDirectory } from '../../rules/rule-directory.js';
import { deleteRule, deleteRuleFile, readRuleFileSource, readRuleSource, saveRule, saveRuleFile, validateRuleFile } from '../../rules/rule-files.js';
import { answerRun } from './run-answer.js';
import { runRuleTests } from '../../rules/rule-tests.js';
import { HearthError } from '../../shared/errors.js';
import { replayDirOf, replayRule, type ReplayHistory } from '../../rules/replay.js';
import { RULE_FILE_PATTERN, RULE_ID_PATTERN } from '../../rules/schema.js';
import { OUTCOMES } from '../../rules/traces.js';
import { ErrorSchema } from '../schemas/device.js';

// The rule id's own pattern: an id that could name a path (../) is refused before it reaches the rules dir.
const IdParams = Type.Object({ id: Type.String({ pattern: RULE_ID_PATTERN, description: 'letters, digits, _ or - (1-64)' }) });
const FileName = Type.String({ pattern: RULE_FILE_PATTERN, description: "a rule file's name in the rules dir, e.g. porch.yaml" });
const FileParams = Type.Object({ file: FileName });
const ProblemSchema = Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer(), path: Type.String(), message: Type.String(), text: Type.String() });
const Outcome = Type.Union(OUTCOMES.map((o) => Type.Literal(o)), {
  description: 'How an evaluation ended: ran, stopped (a stop action), conditions_failed, trigger_rejected, skipped_by_mode, restarted (mode restart replaced the run with a new one), saved (the hub stopped while the run waited in a delay or a wait; it goes on at the next start, and its trace is then replaced by the resumed run), cancelled, error; running while it runs',
});
const Status = Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('invalid'), Type.Literal('paused')]);
const RuleInfoSchema = Type.Object({
  id: Type.String({ description: 'The rule id; for a file with problems that names no rule, its file name' }),
  file: Type.String({ description: 'The file as the hub names it in messages and logs' }),
  fileName: Type.String({ description: 'The file in the rules dir: open it with /api/rule-files/:file' }),
  line: Type.Optional(Type.Integer()),
  status: Status,
  description: Type.String(),
  mode: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(ProblemSchema)),
  lastRun: Type.Optional(Type.Object({ at: Type.String(), outcome: Outcome, reason: Type.Optional(Type.String()) })),
});
const RuleFileSchema = Type.Object({
  fileName: Type.String(),
  file: Type.String(),
  status: Type.Union([Type.Literal('valid'), Type.Literal('invalid')]),
  rules: Type.Array(Type.Object({ id: Type.String(), status: Status, description: Type.String() }), { description: 'The rules the file names, valid or not' }),
  errors: Type.Array(ProblemSchema),
  source: Type.String({ description: 'The YAML, as it is on disk' }),
});
const Yaml = Type.String({ minLength: 1, maxLength: 200_000 });
const YamlBody = Type.Object({ yaml: Yaml }, { additionalProperties: false });

export interface RulesRoutesOptions {
  engine: RuleEngine;
  directory: RuleDirectory;
  /** Recorded readings, for replay. */
  history: ReplayHistory;
  location?: { latitude: number; longitude: number };
}

export async function rulesRoutes(app: FastifyInstance, opts: RulesRoutesOptions): Promise<void> {
  const { engine, directory } = opts;

  app.get('/api/rules', { schema: { tags: ['rules'], summary: 'Every rule with its status, and invalid files with their errors', response: { 200: Type.Array(RuleInfoSchema) } } }, async () => directory.list());

  app.get<{ Params: { id: string } }>('/api/rules/:id', {
    schema: { tags: ['rules'], summary: 'One rule: status, parsed definition and YAML source', params: IdParams, response: { 404: ErrorSchema } },
    handler: async (request) => ({ ...directory.get(request.params.id), source: readRuleSource(directory, request.params.id) ?? null }),
  });

  app.put<{ Params: { id: string }; Body: { yaml: string } }>('/api/rules/:id', {
    schema: { tags: ['rules'], summary: 'Create or replace a rule from YAML (validated first; written atomically)', params: IdParams, body: YamlBody, response: { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema } },
    handler: async (request, reply) => {
      const { created } = saveRule(directory, request.params.id, request.body.yaml);
      return reply.status(created ? 201 : 200).send(directory.get(request.params.id));
    },
  });

  app.delete<{ Params: { id: string } }>('/api/rules/:id', {
    schema: { tags: ['rules'], summary: 'Delete a rule (and its file)', params: IdParams, response: { 404: ErrorSchema, 409: ErrorSchema } },
    handler: async (request, reply) => {
      deleteRule(directory, request.params.id);
      return reply.status(204).send();
    },
  });

  app.post<{ Body: { yaml: string; file?: string } }>('/api/rules/validate', {
    config: { role: 'viewer' },
    schema: {
      tags: ['rules'],
      summary: 'Validate rule YAML without saving it (for editors); with `file`, as that file of the rules dir (named as the hub names it, ids used by other files reported)',
      body: Type.Object({ yaml: Yaml, file: Type.Optional(FileName) }, { additionalProperties: false }),
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

  app.get<{ Params: { file: string } }>('/api/rule-files/:file', {
    schema: { tags: ['rules'], summary: 'One rule file: its YAML, the rules it holds and its errors (also when it does not load)', params: FileParams, response: { 200: RuleFileSchema, 404: ErrorSchema } },
    handler: async (request) => fileView(request.params.file),
  });

  app.put<{ Params: { file: string }; Body: { yaml: string } }>('/api/rule-files/:file', {
    schema: { tags: ['rules'], summary: 'Create or replace a rule file (one rule or several; validated first; written atomically)', params: FileParams, body: YamlBody, response: { 200: RuleFileSchema, 201: RuleFileSchema, 400: ErrorSchema } },
    handler: async (request, reply) => {
      const { created } = saveRuleFile(directory, request.params.file, request.body.yaml);
      return reply.status(created ? 201 : 200).send(fileView(request.params.file));
    },
  });

  app.delete<{ Params: { file: string } }>('/api/rule-files/:file', {
    schema: { tags: ['rules'], summary: 'Delete a rule file (and so its rules)', params: FileParams, response: { 404: ErrorSchema } },
    handler: async (request, reply) => {
      deleteRuleFile(directory, request.params.file);
      return reply.status(204).send();
    },
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: { id: string } }>(`/api/rules/:id/${action}`, {
      schema: { tags: ['rules'], summary: `${action === 'enable' ? 'Enable' : 'Disable'} a rule (kept across restarts)`, params: IdParams, response: { 200: RuleInfoSchema, 404: ErrorSchema } },
      handler: async (request) => {
        if (action === 'enable') engine.enable(request.params.id);
        else engine.disable(request.params.id);
        const { definition: _definition, ...info } = directory.get(request.params.id);
        return info;
      },
    });
  }

  app.post<{ Params: { id: string }; Querystring: { skipConditions?: boolean; wait?: boolean } }>('/api/rules/:id/run', {
    schema: {
      tags: ['rules'],
      summary: 'Run a rule now; answers with its trace (at once if it is still running after 5 s)',
      params: IdParams,
      querystring: Type.Object({ skipConditions: Type.Optional(Type.Boolean()) }),
      response: { 404: ErrorSchema },
    },
    handler: async (request) => {
      return answerRun(engine.runNow(request.params.id, { skipConditions: request.query.skipConditions ?? false }), undefined);
    },
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>('/api/rules/:id/traces', {
    schema: { tags: ['rules'], summary: 'The latest traces of a rule, newest first', params: IdParams, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }), response: { 404: ErrorSchema } },
    handler: async (request) => {
      directory.get(request.params.id); // 404 for a rule no file names
      return engine.traces(request.params.id, request.query.limit);
    },
  });

  const Range = { from: Type.Optional(Type.String({ description: 'ISO time or epoch ms; default 24 h ago' })), to: Type.Optional(Type.String({ description: 'ISO time or epoch ms; default now' })) };
  const time = (v: string | undefined, fallback: number, field: string) => {
    if (!v) return fallback;
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(t)) throw new HearthError('HEARTH_VALIDATION', { message: `body.${field} must be an ISO time or epoch milliseconds, got ${JSON.stringify(v)}` }, { field: `body.${field}` });
    return t;
  };

  app.post<{ Body: { yaml: string; from?: string; to?: string; file?: string } }>('/api/rules/replay', {
    config: { role: 'viewer' },
    schema: { tags: ['rules'], summary: 'Replay rule YAML (new or changed) against recorded history; actions are not executed', body: Type.Object({ yaml: Yaml, ...Range, file: Type.Optional(FileName) }, { additionalProperties: false }) },
    handler: async (request) => {
      const to = time(request.body.to, Date.now(), 'to');
      const file = request.body.file ?? 'replay.yaml';
      return replayRule(opts.history, request.body.yaml, time(request.body.from, to - 86_400_000, 'from'), to, opts.location, directory.displayPath(file), replayDirOf(directory, file));
    },
  });

  app.post<{ Params: { id: string }; Body: { from?: string; to?: string } }>('/api/rules/:id/replay', {
    config: { role: 'viewer' },
    schema: { tags: ['rules'], summary: 'Replay a saved rule against recorded history', params: IdParams, body: Type.Optional(Type.Object(Range, { additionalProperties: false })), response: { 404: ErrorSchema } },
    handler: async (request) => {
      const where = directory.fileOf(request.params.id);
      if (!where) throw new HearthError('HEARTH_RULE_NOT_FOUND', { id: request.params.id });
      const to = time(request.body?.to, Date.now(), 'to');
      return replayRule(opts.history, readRuleFileSource(directory, where.file), time(request.body?.from, to - 86_400_000, 'from'), to, opts.location, directory.displayPath(where.file), replayDirOf(directory, where.file));
    },
  });

  app.post<{ Params: { id: string } }>('/api/rules/:id/test', {
    config: { role: 'viewer' },
    schema: { tags: ['rules'], summary: "Run the tests of the rule's file (<file>.test.yaml) on a virtual clock", params: IdParams, response: { 404: ErrorSchema } },
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

  app.post<{ Params: { id: string } }>('/api/webhooks/:id', {
    config: { public: true },
    schema: { tags: ['rules'], summary: 'Fire the webhook triggers with this secret id', params: Type.Object({ id: Type.String({ minLength: 8, maxLength: 128 }) }), response: { 404: ErrorSchema } },
    handler: async (request, reply) => {
      if (!engine.handleWebhook(request.params.id, request.body ?? null)) throw new HearthError('HEARTH_NOT_FOUND', { message: 'No webhook with this id' });
      return reply.status(202).send({ accepted: true });
    },
  });
}
