// Users and per-device MQTT credentials.
import { Type } from '@sinclair/typebox';
import { Password, Role, TopicId, UserName } from './common.js';

export const UserSchema = Type.Object({ name: Type.String(), role: Role, createdAt: Type.String({ format: 'date-time' }) });
export const NewUser = Type.Object({ name: UserName, password: Password, role: Role }, { additionalProperties: false });
export const NewPassword = Type.Object({ password: Password }, { additionalProperties: false });
export const UserParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

const Topics = Type.Object(
  { publish: Type.Array(Type.String()), subscribe: Type.Array(Type.String()) },
  { description: "An adapter's login: the topic filters it may publish and subscribe to (instead of home/<deviceId>/)" },
);
export const CredentialSchema = Type.Object({ username: Type.String(), deviceId: Type.String(), createdAt: Type.String({ format: 'date-time' }), topics: Type.Optional(Topics) });
export const NewCredential = Type.Object(
  {
    deviceId: TopicId('The device these credentials may publish for'),
    adapter: Type.Optional(Type.Union([Type.Literal('zigbee2mqtt'), Type.Literal('homeassistant'), Type.Literal('tasmota'), Type.Literal('shelly')], { description: "A login for a bridge of this adapter, limited to the adapter's topics" })),
  },
  { additionalProperties: false },
);
export const CredentialCreated = Type.Object({ username: Type.String(), password: Type.String({ description: 'Shown once' }), deviceId: Type.String(), topics: Type.Optional(Topics) });
