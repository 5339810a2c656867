// The shapes the rules show to the outside, defined once as TypeBox schemas: the API validates and documents with
// them (/openapi.json), and the hub's code and the dashboard take their TypeScript types from them (web/ imports the
// types only). Objects whose inner detail grows with the rule vocabulary (a trace's steps, a parsed definition) name
// their fixed fields and let the rest through.
import { Type, type Static } from '@sinclair/typebox';
import { OUTCOMES } from './traces.js';

export const RuleProblemSchema = Type.Object({
  file: Type.String({ description: 'The file as the hub names it in messages' }),
  line: Type.Integer(),
  column: Type.Integer(),
  path: Type.String({ description: 'Where in the rule, e.g. triggers[0].above' }),
  message: Type.String(),
  text: Type.String({ description: 'The whole message: rules/ac.yaml:5:12 triggers[0].above must be a number, got "hot"' }),
});
export type RuleProblem = Static<typeof RuleProblemSchema>;

export const RuleStatusSchema = Type.Union([
  Type.Literal('active'),
  Type.Literal('disabled'),
  Type.Literal('invalid'),
  Type.Literal('paused'),
]);
export type RuleStatus = Static<typeof RuleStatusSchema>;

export const OutcomeSchema = Type.Union(
  OUTCOMES.map((o) => Type.Literal(o)),
  {
    description:
      'How an evaluation ended: ran, stopped (a stop action), conditions_failed, trigger_rejected, skipped_by_mode, restarted (mode restart replaced the run with a new one), saved (the hub stopped while the run waited in a delay or a wait; it goes on at the next start, and its trace is then replaced by the resumed run), cancelled, error',
  },
);

export const RuleInfoSchema = Type.Object({
  id: Type.String({ description: 'The rule id; for a file with problems that names no rule, its file name' }),
  file: Type.String({ description: 'The file as the hub names it in messages and logs' }),
  fileName: Type.String({ description: 'The file in the rules dir: open it with /api/rule-files/:file' }),
  line: Type.Optional(Type.Integer()),
  status: RuleStatusSchema,
  description: Type.String(),
  mode: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(RuleProblemSchema)),
  lastRun: Type.Optional(Type.Object({ at: Type.String(), outcome: OutcomeSchema, reason: Type.Optional(Type.String()) })),
});
export type RuleInfo = Static<typeof RuleInfoSchema>;

/** One rule with its parsed definition and its file's YAML (GET /api/rules/:id). */
export const RuleDetailSchema = Type.Composite([
  RuleInfoSchema,
  Type.Object({
    definition: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The rule as parsed from its YAML' })),
    source: Type.Union([Type.String(), Type.Null()], { description: "The YAML of the rule's file" }),
  }),
]);

export const RuleFileInfoSchema = Type.Object({
  fileName: Type.String(),
  file: Type.String(),
  status: Type.Union([Type.Literal('valid'), Type.Literal('invalid')]),
  rules: Type.Array(Type.Object({ id: Type.String(), status: RuleStatusSchema, description: Type.String() }), {
    description: 'The rules the file names, valid or not',
  }),
  errors: Type.Array(RuleProblemSchema),
});
export type RuleFileInfo = Static<typeof RuleFileInfoSchema>;
export const RuleFileSchema = Type.Composite([
  RuleFileInfoSchema,
  Type.Object({ source: Type.String({ description: 'The YAML, as it is on disk' }) }),
]);

export const ValidationSchema = Type.Object({
  problems: Type.Array(RuleProblemSchema),
  ids: Type.Array(Type.String(), { description: 'The rule ids the YAML names' }),
});

const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const TraceSchema = Type.Object(
  {
    id: Type.String(),
    ruleId: Type.String(),
    startedAt: Type.Number({ description: 'Epoch ms' }),
    endedAt: Type.Optional(Type.Number()),
    outcome: OutcomeSchema,
    reason: Type.Optional(Type.String({ description: 'Why it did not run, in words' })),
    trigger: Open('What fired it: kind, topic, value, description'),
    conditions: Type.Array(Open('Each condition with the values it compared and its result')),
    actions: Type.Array(Open('Each action with its timing and result')),
    published: Type.Array(Type.Object({ topic: Type.String(), payload: Type.String(), at: Type.Number() })),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const RunResultSchema = Type.Union(
  [
    TraceSchema,
    Type.Object({
      outcome: Type.Literal('running'),
      message: Type.String(),
      traceId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    }),
  ],
  {
    description: "The run's trace, or `running` when it is still running after 5 s",
  },
);

export const RuleTestReportSchema = Type.Object({
  passed: Type.Boolean(),
  output: Type.Array(Type.String(), { description: 'What `hearth rules test` prints' }),
  results: Type.Array(Open('Each case: name, passed, and what differed')),
});

export const ReplayReportSchema = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    messages: Type.Integer({ description: 'Recorded readings replayed' }),
    topics: Type.Array(Type.String()),
    runs: Type.Array(Open('Each evaluation: when, which rule, its outcome and what it would have published')),
    outcomes: Type.Record(Type.String(), Type.Integer()),
  },
  { additionalProperties: true },
);
