// The device shape, written once: a TypeBox schema gives the API's validation, serialization and OpenAPI docs, and
// its TypeScript type is what the registry builds and the dashboard reads (`import type`, so nothing is bundled).
import { Type, type Static } from '@sinclair/typebox';

const Json = Type.Unknown({ description: 'Any JSON value' });

/** What a user interface needs to show and control one property; from the ecosystem's own description or inferred. */
export const CapabilitySchema = Type.Object({
  type: Type.Union([Type.Literal('number'), Type.Literal('boolean'), Type.Literal('enum'), Type.Literal('text'), Type.Literal('json')], {
    description:
      'number (charted; also for a property whose readings have been numbers when the latest is not), boolean (two values, on and off), enum, text or json',
  }),
  unit: Type.Optional(Type.String({ description: 'Unit of a number, e.g. °C, %, W' })),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  step: Type.Optional(Type.Number()),
  values: Type.Optional(Type.Array(Type.String(), { description: 'The values of an enum' })),
  on: Type.Optional(Json),
  off: Type.Optional(Json),
  settable: Type.Boolean({ description: 'Whether a command on home/<id>/<property>/set reaches the device' }),
  deviceClass: Type.Optional(
    Type.String({
      description: 'What it measures or controls: temperature, humidity, battery, illuminance, power, energy, contact, motion, light, …',
    }),
  ),
  label: Type.Optional(Type.String({ description: 'The name the ecosystem gives the property' })),
  unsupported: Type.Optional(Type.String({ description: 'Why Hearth cannot read or set it (e.g. a template it cannot evaluate, quoted)' })),
});
export type Capability = Static<typeof CapabilitySchema>;
export type PropertyType = Capability['type'];

export const PropertySchema = Type.Object({
  value: Type.Optional(Json),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null while announced but not yet reported' }),
  ...CapabilitySchema.properties,
});
export type DeviceProperty = Static<typeof PropertySchema>;

export const ProblemSchema = Type.Object({
  property: Type.String(),
  message: Type.String({ description: 'What is odd, in words (e.g. a non-number on a numeric property)' }),
  at: Type.String({ format: 'date-time' }),
});

export const DeviceSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.Union([Type.String(), Type.Null()], {
      description: 'Its display name: the one given in Hearth, else its name in its ecosystem',
    }),
    room: Type.Union([Type.String(), Type.Null()]),
    description: Type.Union([Type.String(), Type.Null()]),
    source: Type.String({ description: 'The adapter it comes through: home, zigbee2mqtt, homeassistant' }),
    model: Type.Union([Type.String(), Type.Null()]),
    manufacturer: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('unknown')]),
    online: Type.Boolean(),
    lastSeen: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    properties: Type.Record(Type.String(), PropertySchema),
    problems: Type.Array(ProblemSchema, { description: 'The first odd value of each property since the hub started' }),
  },
  { $id: 'Device' },
);
export type Device = Static<typeof DeviceSchema>;
