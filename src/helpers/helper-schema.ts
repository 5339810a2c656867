// Helper definitions (`helpers:` in a file of the rules dir): one TypeBox schema per type gives the validation, the
// types and the editor schema. Each helper is a device, `helper_<id>`, so its id obeys the device-id pattern.
import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { Duration } from '../rules/schema.js';

/** `helper_` + id must be a device id ([a-z0-9_-]{1,64}). */
export const HELPER_ID_PATTERN = '^[a-z0-9_-]{1,57}$';
const Id = Type.String({
  pattern: HELPER_ID_PATTERN,
  'x-expect': 'a helper id of lowercase letters, digits, _ or - (1-57; its device is helper_<id>)',
});
const common = {
  id: Id,
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'How the dashboard names it; default: the id in words' })),
  description: Type.Optional(Type.String()),
};
const object = <T extends string, P extends TProperties>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), ...common, ...props }, { additionalProperties: false });

export const HELPERS = {
  toggle: object('toggle', {
    initial: Type.Optional(Type.Boolean({ description: 'on (true) or off (false) until first set; default off' })),
  }),
  number: object('number', {
    min: Type.Number(),
    max: Type.Number(),
    step: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'default 1' })),
    unit: Type.Optional(Type.String({ maxLength: 16 })),
    initial: Type.Optional(Type.Number({ description: 'default: min' })),
  }),
  select: object('select', {
    options: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 100 }),
    initial: Type.Optional(Type.String({ description: 'default: the first option' })),
  }),
  text: object('text', {
    min: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'fewest characters; default 0' })),
    max: Type.Optional(Type.Integer({ minimum: 1, maximum: 255, description: 'most characters; default 255' })),
    pattern: Type.Optional(Type.String({ minLength: 1, description: 'a regular expression the whole text must match' })),
    initial: Type.Optional(Type.String()),
  }),
  datetime: object('datetime', {
    has_date: Type.Optional(Type.Boolean({ description: 'default true' })),
    has_time: Type.Optional(Type.Boolean({ description: 'default true' })),
    initial: Type.Optional(Type.String({ description: 'YYYY-MM-DD, HH:MM[:SS] or YYYY-MM-DDTHH:MM[:SS], as has_date and has_time say' })),
  }),
  counter: object('counter', {
    initial: Type.Optional(Type.Integer({ description: 'default 0; reset goes back to it' })),
    step: Type.Optional(Type.Integer({ minimum: 1, description: 'default 1' })),
    min: Type.Optional(Type.Integer()),
    max: Type.Optional(Type.Integer()),
  }),
  timer: object('timer', { duration: Type.Optional(Duration) }),
} satisfies Record<string, TSchema>;

export type HelperType = keyof typeof HELPERS;
export type HelperDefinition = { [K in HelperType]: Static<(typeof HELPERS)[K]> }[HelperType];
export const HELPER_TYPES = Object.keys(HELPERS) as HelperType[];

/** The device a helper is. */
export const helperDevice = (id: string) => `helper_${id}`;
