// The `notify:` section of the configuration: one schema per channel type, each checked when the hub starts.
import { Type, type Static, type TObject, type TOptional, type TSchema, type TString } from '@sinclair/typebox';
import { CHANNEL_TYPES, PRIORITIES } from './types.js';

export const CHANNEL_NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', 'x-expect': 'the name of an environment variable' });
const FilePath = Type.String({ minLength: 1 });
const Url = Type.String({ pattern: '^https?://[^\\s]+$', 'x-expect': 'an http:// or https:// URL' });
const Timeout = Type.Integer({ minimum: 100, maximum: 120_000, 'x-expect': 'milliseconds between 100 and 120000' });

/** A secret is never written in the config file itself: it comes from the environment or from a file (Docker, systemd credentials). */
const secret = <K extends string>(name: K) =>
  ({ [`${name}Env`]: Type.Optional(EnvName), [`${name}File`]: Type.Optional(FilePath) }) as {
    [P in `${K}Env` | `${K}File`]: TOptional<TString>;
  };

const common = <T extends (typeof CHANNEL_TYPES)[number]>(type: T) => ({
  type: Type.Literal(type),
  enabled: Type.Optional(Type.Boolean()),
  minPriority: Type.Optional(Type.Union(PRIORITIES.map((p) => Type.Literal(p)))),
  maxPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

export const CHANNEL_SCHEMAS = {
  ntfy: Type.Object(
    {
      ...common('ntfy'),
      url: Type.Optional(Url),
      topic: Type.String({ pattern: '^[-_A-Za-z0-9]{1,64}$', 'x-expect': 'an ntfy topic of letters, digits, - or _ (1-64)' }),
      ...secret('token'),
      username: Type.Optional(Type.String({ minLength: 1 })),
      ...secret('password'),
      tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
      click: Type.Optional(Url),
      timeoutMs: Type.Optional(Timeout),
    },
    { additionalProperties: false },
  ),
  gotify: Type.Object(
    { ...common('gotify'), url: Url, ...secret('token'), timeoutMs: Type.Optional(Timeout) },
    { additionalProperties: false },
  ),
  webhook: Type.Object(
    {
      ...common('webhook'),
      url: Type.Optional(Url),
      ...secret('url'),
      preset: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('slack'), Type.Literal('discord'), Type.Literal('matrix')])),
      headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String())),
      ...secret('token'),
      timeoutMs: Type.Optional(Timeout),
    },
    { additionalProperties: false },
  ),
  email: Type.Object(
    {
      ...common('email'),
      host: Type.String({ minLength: 1 }),
      port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
      security: Type.Optional(Type.Union([Type.Literal('starttls'), Type.Literal('tls'), Type.Literal('none')])),
      username: Type.Optional(Type.String({ minLength: 1 })),
      ...secret('password'),
      from: Type.String({ minLength: 3, 'x-expect': 'a sender address' }),
      to: Type.Union([Type.String({ minLength: 3 }), Type.Array(Type.String({ minLength: 3 }), { minItems: 1 })], {
        'x-expect': 'an address or a list of addresses',
      }),
      ca: Type.Optional(FilePath),
      timeoutMs: Type.Optional(Timeout),
    },
    { additionalProperties: false },
  ),
  dashboard: Type.Object({ ...common('dashboard') }, { additionalProperties: false }),
} satisfies Record<(typeof CHANNEL_TYPES)[number], TObject>;

export type ChannelConfig = { [K in keyof typeof CHANNEL_SCHEMAS]: Static<(typeof CHANNEL_SCHEMAS)[K]> }[keyof typeof CHANNEL_SCHEMAS];

/**
 * In the configuration schema a channel is only `{ type, … }`: each type's own schema above checks the rest when the
 * hub starts, so a problem is named for that type ("notify.channels.phone.topic …") rather than for a union of five.
 */
const LooseChannel = Type.Object({ type: Type.Union(CHANNEL_TYPES.map((t) => Type.Literal(t))) }, { additionalProperties: true });

export const NotifyConfigSchema = Type.Object(
  {
    channels: Type.Record(Type.String({ pattern: CHANNEL_NAME_PATTERN }), LooseChannel, {
      default: {},
      additionalProperties: false,
      description:
        'Named notification channels: { phone: { type: ntfy, topic: …, tokenEnv: … } } of types ntfy, gotify, webhook, email, dashboard (see "Getting alerts on your phone"); a channel named dashboard is there unless one of that type is configured',
    }),
    retryForMinutes: Type.Integer({
      minimum: 1,
      maximum: 10080,
      default: 60,
      description: 'How long a failed notification is retried (with backoff, across restarts) before it is given up as an error',
    }),
    maxPerMinute: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 10,
      description:
        'Notifications per channel per minute (a channel may set its own); beyond it they are held back and counted in one summary',
    }),
  },
  { default: {}, additionalProperties: false },
);

export type NotifyConfig = Static<typeof NotifyConfigSchema>;

export const channelSchema = (type: string): TSchema | undefined => (CHANNEL_SCHEMAS as Record<string, TSchema>)[type];
