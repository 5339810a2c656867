// Long file: one TypeBox definition per trigger, condition and action kind: the whole rule vocabulary, as editors read it.
// The rule schema: one TypeBox definition per trigger, condition and action kind gives the validation,
// the TypeScript types and the JSON Schema editors use (rules/hearth-rules.schema.json, from editor-schema.ts).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { NotifyActionSchema } from './actions/notify-schema.js';

/** Marks a nested list whose items are validated (and documented) as triggers, conditions or actions. */
const nested = (kind: 'trigger' | 'condition' | 'action', options: object = {}) => Type.Array(Type.Unknown({ 'x-ref': kind }), options);

/** A rule id: also a file name and a path segment of the API, so nothing that could name a path (../). */
export const RULE_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** A rule file's name in the rules dir, as the API addresses it: no path separators, not hidden, not a test file. */
export const RULE_FILE_PATTERN = '^(?!\\.)(?!.*\\.test\\.ya?ml$)[^/\\\\\\u0000-\\u001f]{1,128}\\.ya?ml$';
const Id = Type.String({ pattern: RULE_ID_PATTERN, 'x-expect': 'an id of letters, digits, _ or - (1-64)' });
const Topic = Type.String({ minLength: 1, maxLength: 256, 'x-expect': 'an MQTT topic' });
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()], { 'x-expect': 'a string, number or true/false' });
const ScalarOrList = Type.Union([Scalar, Type.Array(Scalar)], { 'x-expect': 'a value or a list of values' });
export const Duration = Type.Union(
  [
    Type.String(),
    Type.Number({ minimum: 0 }),
    Type.Object(
      {
        days: Type.Optional(Type.Number()),
        hours: Type.Optional(Type.Number()),
        minutes: Type.Optional(Type.Number()),
        seconds: Type.Optional(Type.Number()),
        milliseconds: Type.Optional(Type.Number()),
      },
      { additionalProperties: false },
    ),
  ],
  { 'x-expect': 'a duration like 30s, 5m, 1h30m, "00:05:00" or { minutes: 5 }' },
);
const Clock = Type.String({ pattern: '^([01]?\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?$', 'x-expect': 'a time of day HH:MM or HH:MM:SS' });
const Weekday = Type.Union(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)));
const People = Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
  'x-expect': 'a person (alice or person_alice) or a list of them',
});
const common = { id: Type.Optional(Type.String({ description: 'Name of this trigger, available as trigger.id' })) };

export const TRIGGERS = {
  mqtt: Type.Object(
    {
      trigger: Type.Literal('mqtt'),
      topic: Type.String({ minLength: 1, description: 'Topic filter; + and # allowed' }),
      payload: Type.Optional(Scalar),
      value: Type.Optional(Type.String({ description: 'Path into a JSON payload, e.g. state or data.temperature' })),
      ...common,
    },
    { additionalProperties: false },
  ),
  state: Type.Object(
    {
      trigger: Type.Literal('state'),
      topic: Topic,
      from: Type.Optional(ScalarOrList),
      to: Type.Optional(ScalarOrList),
      for: Type.Optional(Duration),
      ...common,
    },
    { additionalProperties: false },
  ),
  numeric_state: Type.Object(
    {
      trigger: Type.Literal('numeric_state'),
      topic: Topic,
      above: Type.Optional(Type.Number()),
      below: Type.Optional(Type.Number()),
      for: Type.Optional(Duration),
      hysteresis: Type.Optional(Type.Number({ minimum: 0 })),
      value: Type.Optional(Type.String()),
      ...common,
    },
    { additionalProperties: false },
  ),
  device: Type.Object(
    {
      trigger: Type.Literal('device'),
      device: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }))], {
        'x-expect': 'a device id, + for any, or a list of ids',
      }),
      to: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('offline')])),
      for: Type.Optional(Duration),
      ...common,
    },
    { additionalProperties: false },
  ),
  time: Type.Object(
    {
      trigger: Type.Literal('time'),
      at: Type.Union([Clock, Type.Array(Clock)], { 'x-expect': 'a time HH:MM[:SS] or a list of them' }),
      ...common,
    },
    { additionalProperties: false },
  ),
  time_pattern: Type.Object(
    {
      trigger: Type.Literal('time_pattern'),
      hours: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
      minutes: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
      seconds: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
      ...common,
    },
    { additionalProperties: false },
  ),
  cron: Type.Object(
    { trigger: Type.Literal('cron'), cron: Type.String({ minLength: 9, description: 'A cron expression, e.g. "*/5 * * * *"' }), ...common },
    { additionalProperties: false },
  ),
  sun: Type.Object(
    {
      trigger: Type.Literal('sun'),
      event: Type.Union([Type.Literal('sunrise'), Type.Literal('sunset')]),
      offset: Type.Optional(Type.Union([Type.String(), Type.Number()], { 'x-expect': 'a signed duration like -30m or "-00:30:00"' })),
      ...common,
    },
    { additionalProperties: false },
  ),
  hub: Type.Object(
    { trigger: Type.Literal('hub'), event: Type.Union([Type.Literal('start'), Type.Literal('shutdown')]), ...common },
    { additionalProperties: false },
  ),
  presence: Type.Object(
    {
      trigger: Type.Literal('presence'),
      event: Type.Union([Type.Literal('arrived'), Type.Literal('left'), Type.Literal('first_arrived'), Type.Literal('last_left')], {
        'x-expect': 'arrived, left, first_arrived or last_left',
      }),
      person: Type.Optional(People),
      for: Type.Optional(Duration),
      ...common,
    },
    { additionalProperties: false },
  ),
  webhook: Type.Object(
    {
      trigger: Type.Literal('webhook'),
      webhook_id: Type.String({
        minLength: 8,
        pattern: '^[A-Za-z0-9_-]+$',
        'x-expect': 'a secret id of at least 8 letters, digits, _ or -',
      }),
      ...common,
    },
    { additionalProperties: false },
  ),
} satisfies Record<string, TSchema>;

export const CONDITIONS = {
  state: Type.Object(
    { condition: Type.Literal('state'), topic: Topic, state: ScalarOrList, for: Type.Optional(Duration) },
    { additionalProperties: false },
  ),
  numeric_state: Type.Object(
    {
      condition: Type.Literal('numeric_state'),
      topic: Topic,
      above: Type.Optional(Type.Number()),
      below: Type.Optional(Type.Number()),
      value: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  time: Type.Object(
    {
      condition: Type.Literal('time'),
      after: Type.Optional(Clock),
      before: Type.Optional(Clock),
      weekday: Type.Optional(
        Type.Union([Weekday, Type.Array(Weekday)], { 'x-expect': 'mon, tue, wed, thu, fri, sat or sun, or a list of them' }),
      ),
    },
    { additionalProperties: false },
  ),
  sun: Type.Object(
    {
      condition: Type.Literal('sun'),
      after: Type.Optional(Type.Union([Type.Literal('sunrise'), Type.Literal('sunset')])),
      before: Type.Optional(Type.Union([Type.Literal('sunrise'), Type.Literal('sunset')])),
      after_offset: Type.Optional(Type.Union([Type.String(), Type.Number()])),
      before_offset: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    },
    { additionalProperties: false },
  ),
  presence: Type.Object(
    {
      condition: Type.Literal('presence'),
      anyone_home: Type.Optional(Type.Boolean()),
      person: Type.Optional(People),
      home: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  and: Type.Object({ condition: Type.Literal('and'), conditions: nested('condition', { minItems: 1 }) }, { additionalProperties: false }),
  or: Type.Object({ condition: Type.Literal('or'), conditions: nested('condition', { minItems: 1 }) }, { additionalProperties: false }),
  not: Type.Object({ condition: Type.Literal('not'), conditions: nested('condition', { minItems: 1 }) }, { additionalProperties: false }),
  template: Type.Object(
    { condition: Type.Literal('template'), value_template: Type.String({ minLength: 1 }) },
    { additionalProperties: false },
  ),
} satisfies Record<string, TSchema>;

const alias = { alias: Type.Optional(Type.String({ description: 'A name for this step in traces' })) };

/** Actions are told apart by their key: `action: publish|log|notify`, or `delay:`, `if:`, `choose:`, … */
export const ACTIONS = {
  publish: Type.Object(
    {
      action: Type.Literal('publish'),
      topic: Type.String({ minLength: 1 }),
      payload: Type.Optional(Type.Unknown()),
      qos: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)])),
      retain: Type.Optional(Type.Boolean()),
      ...alias,
    },
    { additionalProperties: false },
  ),
  log: Type.Object(
    {
      action: Type.Literal('log'),
      message: Type.String(),
      level: Type.Optional(Type.Union([Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')])),
      ...alias,
    },
    { additionalProperties: false },
  ),
  notify: NotifyActionSchema,
  delay: Type.Object({ delay: Duration, ...alias }, { additionalProperties: false }),
  wait_for_trigger: Type.Object(
    {
      wait_for_trigger: nested('trigger', { minItems: 1 }),
      timeout: Type.Optional(Duration),
      continue_on_timeout: Type.Optional(Type.Boolean()),
      ...alias,
    },
    { additionalProperties: false },
  ),
  // `then:` is the rule vocabulary's key (as in Home Assistant); no one awaits these (noThenProperty is off here).
  if: Type.Object(
    { if: nested('condition', { minItems: 1 }), then: nested('action', { minItems: 1 }), else: Type.Optional(nested('action')), ...alias },
    { additionalProperties: false },
  ),
  choose: Type.Object(
    {
      choose: Type.Array(
        Type.Object(
          { conditions: nested('condition', { minItems: 1 }), sequence: nested('action', { minItems: 1 }) },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
      default: Type.Optional(nested('action')),
      ...alias,
    },
    { additionalProperties: false },
  ),
  repeat: Type.Object(
    {
      repeat: Type.Object(
        {
          count: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String()])),
          while: Type.Optional(nested('condition')),
          until: Type.Optional(nested('condition')),
          sequence: nested('action', { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
      ...alias,
    },
    { additionalProperties: false },
  ),
  variables: Type.Object({ variables: Type.Record(Type.String(), Type.Unknown()), ...alias }, { additionalProperties: false }),
  stop: Type.Object({ stop: Type.String(), ...alias }, { additionalProperties: false }),
  scene: Type.Object(
    { action: Type.Literal('scene'), scene: Type.String({ pattern: RULE_ID_PATTERN, 'x-expect': 'the id of a scene' }), ...alias },
    { additionalProperties: false },
  ),
  script: Type.Object(
    {
      action: Type.Literal('script'),
      script: Type.String({ pattern: RULE_ID_PATTERN, 'x-expect': 'the id of a script' }),
      fields: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), { description: "Values of the script's fields; templates allowed" }),
      ),
      wait: Type.Optional(Type.Boolean({ description: 'false: start the script and go on at once (default: wait until its run ends)' })),
      ...alias,
    },
    { additionalProperties: false },
  ),
} satisfies Record<string, TSchema>;

export const RuleSchema = Type.Object(
  {
    id: Id,
    description: Type.Optional(Type.String()),
    enabled: Type.Optional(Type.Boolean({ description: 'false keeps the rule loaded but off' })),
    mode: Type.Optional(
      Type.Union([Type.Literal('single'), Type.Literal('restart'), Type.Literal('queued'), Type.Literal('parallel')], {
        description: 'What a trigger does while a run is in progress',
      }),
    ),
    max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Most runs queued or in parallel' })),
    on_missed: Type.Optional(
      Type.Union([Type.Literal('run'), Type.Literal('skip')], {
        description: 'A timer that fell due while the hub was down: run it at start-up, or skip it',
      }),
    ),
    variables: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    triggers: nested('trigger', { minItems: 1 }),
    conditions: Type.Optional(nested('condition')),
    actions: nested('action', { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type RuleDefinition = Static<typeof RuleSchema>;
export type TriggerKind = keyof typeof TRIGGERS;
export type ConditionKind = keyof typeof CONDITIONS;
export type ActionKind = keyof typeof ACTIONS;
export type TriggerDefinition = { [K in TriggerKind]: Static<(typeof TRIGGERS)[K]> }[TriggerKind];
export type ConditionDefinition = { [K in ConditionKind]: Static<(typeof CONDITIONS)[K]> }[ConditionKind];
/** Each action's definition by its kind (`ActionDefinitions['publish']`). */
export type ActionDefinitions = { [K in ActionKind]: Static<(typeof ACTIONS)[K]> };

/** The actions named by `action:`; the others are told apart by their own key (`delay:`, `if:`, …). */
export const NAMED_ACTIONS: ActionKind[] = ['publish', 'log', 'notify', 'scene', 'script'];

/** Which action kind an object is: the one `action:` names, or the first key of ACTIONS it has. */
export function actionKind(item: Record<string, unknown>): ActionKind | undefined {
  if (typeof item.action === 'string') return NAMED_ACTIONS.includes(item.action as ActionKind) ? (item.action as ActionKind) : undefined;
  return (Object.keys(ACTIONS) as ActionKind[]).find((k) => !NAMED_ACTIONS.includes(k) && k in item);
}
