// Login, session and API-token shapes.
import { Type } from '@sinclair/typebox';
import { Password, Role } from './common.js';

export const SessionUser = Type.Object({ name: Type.String(), role: Role });

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const LoginResult = Type.Object({
  user: SessionUser,
  token: Type.String({ description: 'Bearer token of this session: valid until logout or 7 days' }),
  csrfToken: Type.String({ description: 'Send as x-csrf-token with cookie-authenticated changes' }),
});

export const SessionResult = Type.Object({ user: SessionUser, csrfToken: Type.Optional(Type.String()) });

export const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  user: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const TokenBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
export const TokenCreated = Type.Object({ id: Type.String(), name: Type.String(), token: Type.String({ description: 'Shown once' }) });

export const OwnPasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 1024, description: 'The password in use now' }), password: Password },
  { additionalProperties: false },
);
