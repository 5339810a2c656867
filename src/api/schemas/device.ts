// Device shapes on the wire: one TypeBox definition for validation, serialization and the OpenAPI document.
import { Type, type Static } from '@sinclair/typebox';

export const ErrorSchema = Type.Object({ code: Type.String(), message: Type.String() }, { $id: 'Error', additionalProperties: true });

export const PropertySchema = Type.Object({ value: Type.Unknown(), updatedAt: Type.String({ format: 'date-time' }) });

export const DeviceSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    room: Type.Union([Type.String(), Type.Null()]),
    description: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('unknown')]),
    online: Type.Boolean(),
    lastSeen: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    properties: Type.Record(Type.String(), PropertySchema),
  },
  { $id: 'Device' },
);

export type Device = Static<typeof DeviceSchema>;

export const DeviceIdParams = Type.Object({ id: Type.String({ pattern: '^[a-z0-9_-]{1,64}$' }) });
