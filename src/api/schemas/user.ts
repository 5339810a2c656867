// Users and per-device MQTT credentials.
import { Type } from '@sinclair/typebox';
import { ADAPTER_NAMES } from '../../devices/adapters/index.js';
import { Password, Role, TopicId, UserName } from './common.js';

/** Every adapter but home (a home device's login is its own home/<id>/…). */
const BRIDGE_ADAPTERS = ADAPTER_NAMES.filter((name) => name !== 'home');

export const UserSchema = Type.Object({ name: Type.String(), role: Role, createdAt: Type.String({ format: 'date-time' }) });
export const NewUser = Type.Object({ name: UserName, password: Password, role: Role }, { additionalProperties: false });
export const NewPassword = Type.Object({ password: Password }, { additionalProperties: false });
export const UserParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

const Topics = Type.Object(
  { publish: Type.Array(Type.String()), subscribe: Type.Array(Type.String()) },
  { description: "An adapter's login: the topic filters it may publish and subscribe to (instead of home/<deviceId>/)" },
);
export const CredentialSchema = Type.Object({
  username: Type.String(),
  deviceId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  topics: Type.Optional(Topics),
});
export const NewCredential = Type.Object(
  {
    deviceId: TopicId('The device these credentials may publish for'),
    adapter: Type.Optional(
      Type.Union(
        BRIDGE_ADAPTERS.map((name) => Type.Literal(name)),
        { description: "A login for a bridge of this adapter, limited to the adapter's topics" },
      ),
    ),
  },
  { additionalProperties: false },
);
export const CredentialCreated = Type.Object({
  username: Type.String(),
  password: Type.String({ description: 'Shown once' }),
  deviceId: Type.String(),
  topics: Type.Optional(Topics),
});
