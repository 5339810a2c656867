// The notification centre and the notification channels, as the API shows them.
import { Type } from '@sinclair/typebox';
import { CHANNEL_NAME_PATTERN } from '../../notify/config-schema.js';
import { CHANNEL_TYPES, PRIORITIES } from '../../notify/types.js';

const Priority = Type.Union(PRIORITIES.map((p) => Type.Literal(p)));
const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const NotificationSchema = Type.Object({
  id: Type.Integer(),
  createdAt: Time,
  title: Nullable(Type.String()),
  message: Type.String(),
  priority: Priority,
  tag: Nullable(Type.String({ description: 'A newer notification with the same tag replaced any earlier one' })),
  ruleId: Nullable(Type.String({ description: 'The rule that sent it' })),
  readAt: Nullable(Time),
});

export const NotificationList = Type.Object({
  unread: Type.Integer({ description: 'Unread notifications in all' }),
  items: Type.Array(NotificationSchema),
});

export const NotificationQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'Only notifications older than this id (paging back)' })),
  unread: Type.Optional(Type.Boolean({ description: 'Only unread ones' })),
});

export const MarkRead = Type.Object(
  {
    ids: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 500, description: 'The notifications to mark read' }),
    ),
    all: Type.Optional(Type.Literal(true, { description: 'Mark every notification read' })),
  },
  { additionalProperties: false },
);

export const MarkReadResult = Type.Object({ changed: Type.Integer(), unread: Type.Integer() });

export const ChannelStatusSchema = Type.Object({
  name: Type.String(),
  type: Type.Union(CHANNEL_TYPES.map((t) => Type.Literal(t))),
  enabled: Type.Boolean(),
  minPriority: Priority,
  maxPerMinute: Type.Integer(),
  state: Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('unused')], {
    description: 'failing: the latest sends failed (also in /healthz)',
  }),
  pending: Type.Integer({ description: 'Notifications waiting to be retried' }),
  sent: Type.Integer(),
  failed: Type.Integer({ description: 'Failed attempts since start' }),
  suppressed: Type.Integer({ description: 'Held back by the rate limit since start' }),
  lastDeliveredAt: Nullable(Time),
  lastError: Nullable(Type.String()),
  lastErrorAt: Nullable(Time),
});

export const TestBody = Type.Object(
  { channel: Type.Optional(Type.String({ pattern: CHANNEL_NAME_PATTERN, description: 'Default: every enabled channel' })) },
  { additionalProperties: false },
);

export const DeliveryResultSchema = Type.Object({
  channel: Type.String(),
  type: Type.Optional(Type.Union(CHANNEL_TYPES.map((t) => Type.Literal(t)))),
  status: Type.Union(['delivered', 'retrying', 'failed', 'suppressed', 'skipped', 'disabled', 'unknown'].map((s) => Type.Literal(s))),
  detail: Type.String({ description: 'What the service answered, or why not' }),
});
