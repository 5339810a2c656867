// The shapes of scenes, scripts, helpers, blueprints and the traces of their runs, as the API answers them (and as
// /openapi.json documents them).
import { Type } from '@sinclair/typebox';
import { HELPER_ID_PATTERN, HELPER_TYPES } from '../../helpers/helper-schema.js';
import { OUTCOMES } from '../../rules/traces.js';
import { RULE_ID_PATTERN } from '../../rules/schema.js';

export const BlockIdParams = Type.Object({ id: Type.String({ pattern: RULE_ID_PATTERN, description: 'letters, digits, _ or - (1-64)' }) });
export const HelperIdParams = Type.Object({
  id: Type.String({ pattern: HELPER_ID_PATTERN, description: 'lowercase letters, digits, _ or - (1-57); its device is helper_<id>' }),
});

const Problem = Type.Object({
  file: Type.String(),
  line: Type.Integer(),
  column: Type.Integer(),
  path: Type.String(),
  message: Type.String(),
  text: Type.String(),
});
const Status = Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('invalid')], {
  description:
    'invalid: its file has problems (errors); paused: it was started in a loop (errors say so), until enabled again (POST …/enable) or its file is saved',
});
const LastRun = Type.Object({ at: Type.String(), outcome: Type.String(), reason: Type.Optional(Type.String()), traceId: Type.String() });
const common = {
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  description: Type.String(),
  file: Type.String({ description: 'The file that declares it, as the hub names it' }),
  fileName: Type.String({ description: 'The file in the rules dir: open it with /api/rule-files/:file' }),
  line: Type.Integer(),
  status: Status,
  errors: Type.Optional(Type.Array(Problem)),
  lastRun: Type.Optional(LastRun),
};

export const SceneSchema = Type.Object({
  ...common,
  states: Type.Record(Type.String(), Type.Unknown(), { description: 'home/<device>/<property>: the value the scene sets' }),
});

const Field = Type.Object({
  type: Type.Union([Type.Literal('text'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('select')]),
  description: Type.Optional(Type.String()),
  default: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  options: Type.Optional(Type.Array(Type.String())),
});
export const ScriptSchema = Type.Object({
  ...common,
  mode: Type.String(),
  fields: Type.Record(Type.String(), Field, { description: 'A field without a default must be given' }),
});

export const BlueprintSchema = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  description: Type.String(),
  file: Type.String(),
  fileName: Type.String(),
  line: Type.Integer(),
  status: Type.Union([Type.Literal('valid'), Type.Literal('invalid')]),
  inputs: Type.Record(
    Type.String(),
    Type.Object({
      selector: Type.String({ description: 'property, number, duration, topic, text or boolean' }),
      description: Type.Optional(Type.String()),
      default: Type.Optional(Type.Unknown()),
      min: Type.Optional(Type.Number()),
      max: Type.Optional(Type.Number()),
      unit: Type.Optional(Type.String()),
    }),
  ),
  usedBy: Type.Array(Type.String(), { description: 'Rules that use it' }),
});

export const HelperSchema = Type.Object({
  id: Type.String(),
  device: Type.String({ description: 'The device it is: helper_<id>, publishing home/helper_<id>/value' }),
  type: Type.Union(HELPER_TYPES.map((t) => Type.Literal(t))),
  name: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  file: Type.String({ description: 'The file that declares it, as the hub names it' }),
  fileName: Type.String({ description: 'The file in the rules dir: open it with /api/rule-files/:file' }),
  definition: Type.Record(Type.String(), Type.Unknown(), {
    description: 'As declared: min, max, step, unit, options, initial, duration, …',
  }),
  value: Type.Unknown({ description: 'on/off, a number, an option, text, a date, a count; a timer: idle, active or paused' }),
  timer: Type.Optional(
    Type.Object({
      state: Type.String(),
      remaining: Type.Integer({ description: 'seconds' }),
      finishesAt: Type.Union([Type.String(), Type.Null()]),
      duration: Type.Integer({ description: 'seconds' }),
    }),
  ),
});

export const HelperBody = Type.Object(
  {
    id: Type.String({ pattern: HELPER_ID_PATTERN }),
    type: Type.Union(HELPER_TYPES.map((t) => Type.Literal(t))),
    name: Type.Optional(Type.String()),
  },
  {
    additionalProperties: true,
    description: 'A helper as in YAML: id, type, and the keys of its type (min, max, step, unit, options, initial, duration, …)',
  },
);

export const HelperValueBody = Type.Object(
  {
    value: Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
      description: 'A value the helper takes; counters also increment, decrement, reset; timers start, start 5m, pause, cancel, finish',
    }),
  },
  { additionalProperties: false },
);

const ActionTrace = Type.Object({
  step: Type.String(),
  startedAt: Type.Number(),
  endedAt: Type.Optional(Type.Number()),
  result: Type.String(),
  error: Type.Optional(Type.String()),
  children: Type.Optional(Type.Array(Type.Unknown(), { description: 'Steps inside this one, of the same shape' })),
});

export const RunTraceSchema = Type.Object({
  id: Type.String(),
  ruleId: Type.String({ description: 'scene:<id>, script:<id> or a rule id' }),
  startedAt: Type.Number(),
  endedAt: Type.Optional(Type.Number()),
  outcome: Type.Union(OUTCOMES.map((o) => Type.Literal(o))),
  reason: Type.Optional(Type.String()),
  trigger: Type.Record(Type.String(), Type.Unknown()),
  conditions: Type.Array(Type.Unknown()),
  actions: Type.Array(ActionTrace),
  published: Type.Array(Type.Object({ topic: Type.String(), payload: Type.String(), at: Type.Number() })),
  error: Type.Optional(Type.String()),
});

export const RunningSchema = Type.Object({
  outcome: Type.Literal('running'),
  message: Type.String(),
  traceId: Type.Union([Type.String(), Type.Null()]),
});

export const SceneCreateBody = Type.Object(
  {
    id: Type.String({ pattern: RULE_ID_PATTERN }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String()),
    properties: Type.Optional(
      Type.Array(Type.String({ pattern: '^home/[a-z0-9_-]{1,64}/[a-z0-9_-]{1,64}$' }), {
        minItems: 1,
        description: 'home/<device>/<property> topics whose current values the scene keeps',
      }),
    ),
    devices: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z0-9_-]{1,64}$' }), {
        minItems: 1,
        description: 'Devices whose current values (every property but status) the scene keeps',
      }),
    ),
    states: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { description: 'Values given outright' }),
    ),
  },
  { additionalProperties: false },
);
