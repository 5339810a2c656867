// The building blocks beside rules, as a file of the rules dir holds them: `scenes:`, `scripts:`, `blueprints:`
// (helpers are in src/helpers/helper-schema.ts), and a rule that uses a blueprint. One TypeBox schema each.
import { Type, type Static } from '@sinclair/typebox';
import { RULE_ID_PATTERN } from '../schema.js';

const Id = Type.String({ pattern: RULE_ID_PATTERN, 'x-expect': 'an id of letters, digits, _ or - (1-64)' });
const nested = (kind: 'action', options: object = {}) => Type.Array(Type.Unknown({ 'x-ref': kind }), options);
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()], { 'x-expect': 'a string, number or true/false' });

/** The keys a file may hold instead of a single rule or a list of rules. */
export const SECTIONS = ['rules', 'scenes', 'scripts', 'helpers', 'blueprints'] as const;
export type Section = (typeof SECTIONS)[number];

/** `home/<device>/<property>`: where a scene sets a value and a `property` input points. */
export const PROPERTY_TOPIC = /^home\/[a-z0-9_-]{1,64}\/[a-z0-9_-]{1,64}$/;

export const SceneSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String()),
    states: Type.Record(Type.String(), Type.Unknown(), {
      minProperties: 1,
      description: 'The value each device property should have: home/<device>/<property>: value',
    }),
  },
  { additionalProperties: false },
);

export const FIELD_TYPES = ['text', 'number', 'boolean', 'select'] as const;
export const FieldSchema = Type.Object(
  {
    type: Type.Union(FIELD_TYPES.map((t) => Type.Literal(t))),
    description: Type.Optional(Type.String()),
    default: Type.Optional(Scalar),
    min: Type.Optional(Type.Number({ description: 'number fields: the least value' })),
    max: Type.Optional(Type.Number({ description: 'number fields: the greatest value' })),
    options: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: 'select fields: the values allowed' })),
  },
  { additionalProperties: false },
);

const FieldName = '^[a-z_][a-z0-9_]{0,63}$';

export const ScriptSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String()),
    mode: Type.Optional(
      Type.Union([Type.Literal('single'), Type.Literal('restart'), Type.Literal('queued'), Type.Literal('parallel')], {
        description: 'What a call does while a run is in progress; default single',
      }),
    ),
    max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    on_missed: Type.Optional(Type.Union([Type.Literal('run'), Type.Literal('skip')])),
    fields: Type.Optional(
      Type.Record(Type.String({ pattern: FieldName }), FieldSchema, {
        description: 'Parameters, available to templates by name; a field without a default must be given',
      }),
    ),
    variables: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    actions: nested('action', { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const SELECTORS = ['property', 'number', 'duration', 'topic', 'text', 'boolean'] as const;
export type SelectorKind = (typeof SELECTORS)[number];
const SelectorOptions = Type.Object(
  { min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()), unit: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const Selector = Type.Union(
  [
    ...SELECTORS.map((s) => Type.Literal(s)),
    ...SELECTORS.map((s) => Type.Object({ [s]: Type.Union([SelectorOptions, Type.Null()]) }, { additionalProperties: false })),
  ],
  { 'x-expect': `a selector: ${SELECTORS.join(', ')}, or one with options such as { number: { min: 0, max: 40 } }` },
);

export const InputSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    selector: Selector,
    default: Type.Optional(Type.Unknown({ description: 'The value when a rule gives none; without one, every rule must give it' })),
  },
  { additionalProperties: false },
);

export const BlueprintSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String()),
    inputs: Type.Record(Type.String({ pattern: FieldName }), InputSchema, {
      description: 'What each rule that uses it gives; !input <name> puts it in place, and it is a variable of that name',
    }),
    // The rule it makes; checked as a rule with each input in its place.
    mode: Type.Optional(Type.Unknown()),
    max: Type.Optional(Type.Unknown()),
    on_missed: Type.Optional(Type.Unknown()),
    variables: Type.Optional(Type.Unknown()),
    triggers: Type.Array(Type.Unknown(), { minItems: 1 }),
    conditions: Type.Optional(Type.Array(Type.Unknown())),
    actions: Type.Array(Type.Unknown(), { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const UseBlueprintRuleSchema = Type.Object(
  {
    id: Id,
    description: Type.Optional(Type.String()),
    enabled: Type.Optional(Type.Boolean()),
    use_blueprint: Type.Object(
      {
        blueprint: Type.String({ pattern: RULE_ID_PATTERN, 'x-expect': 'the id of a blueprint' }),
        inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const SectionsSchema = Type.Object(
  Object.fromEntries(SECTIONS.map((s) => [s, Type.Optional(Type.Array(Type.Unknown(), { 'x-expect': `a list of ${s}` }))])),
  { additionalProperties: false },
);

export type SceneDefinition = Static<typeof SceneSchema>;
export type ScriptDefinition = Static<typeof ScriptSchema>;
export type FieldDefinition = Static<typeof FieldSchema>;
export type BlueprintDefinition = Static<typeof BlueprintSchema>;
export type InputDefinition = Static<typeof InputSchema>;
export type UseBlueprintRule = Static<typeof UseBlueprintRuleSchema>;
