// Device routes' shapes on the wire: one TypeBox definition for validation, serialization, OpenAPI and the TypeScript type.
import { Type } from '@sinclair/typebox';
import { TopicId } from './common.js';

export { ErrorSchema } from './common.js';

// The device itself is defined once, beside the registry that builds it (src/devices/device-schema.ts).
export { CapabilitySchema, DeviceSchema, ProblemSchema, PropertySchema, type Device } from '../../devices/device-schema.js';

export const DeviceIdParams = Type.Object({ id: TopicId('Device id') });
export const PropertyParams = Type.Object({ id: TopicId('Device id'), property: TopicId('Property name') });

// Null first: with Fastify's type coercion a null tried against the string branch first would become "".
// The price: an empty string also clears the field, which is what a cleared form field means anyway.
const Nullable = (max: number) => Type.Union([Type.Null(), Type.String({ maxLength: max })]);
export const DevicePatch = Type.Object(
  { name: Type.Optional(Nullable(100)), room: Type.Optional(Nullable(100)), description: Type.Optional(Nullable(1000)) },
  { additionalProperties: false, minProperties: 1 },
);

export const CommandBody = Type.Object(
  { value: Type.Unknown({ description: 'Published as is when a string, else as JSON' }) },
  { additionalProperties: false, required: ['value'] },
);
export const CommandResult = Type.Object({ topic: Type.String(), payload: Type.String() });

export const HistoryQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO time or epoch ms; default 24 h before `to`' })),
  to: Type.Optional(Type.String({ description: 'ISO time or epoch ms; default now' })),
  bucket: Type.Optional(Type.String({ description: 'Bucket size in seconds, or "auto" (about 200 points)' })),
});

export const HistorySchema = Type.Object({
  deviceId: Type.String(),
  property: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  bucketSeconds: Type.Integer(),
  points: Type.Array(
    Type.Object({
      ts: Type.Number({ description: 'Start of the bucket, epoch ms' }),
      min: Type.Union([Type.Number(), Type.Null()]),
      max: Type.Union([Type.Number(), Type.Null()]),
      avg: Type.Union([Type.Number(), Type.Null()]),
      count: Type.Integer(),
    }),
  ),
});
