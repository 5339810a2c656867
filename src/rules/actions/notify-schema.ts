// The `notify` action's schema, beside the action: `message` (a template) and optional `title`, `priority`, `tag`, `channels`.
import { Type } from '@sinclair/typebox';
import { CHANNEL_NAME_PATTERN } from '../../notify/config-schema.js';

const ChannelName = Type.String({ pattern: CHANNEL_NAME_PATTERN, 'x-expect': 'a channel name of letters, digits, _ or -' });

export const NotifyActionSchema = Type.Object(
  {
    action: Type.Literal('notify'),
    message: Type.String({ minLength: 1, description: 'The text; templates allowed' }),
    title: Type.Optional(Type.String({ minLength: 1, description: 'Push title or mail subject; templates allowed' })),
    priority: Type.Optional(
      Type.Union([Type.Literal('low'), Type.Literal('normal'), Type.Literal('high'), Type.Literal('urgent')], {
        description: 'normal by default',
      }),
    ),
    tag: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'A later notification with the same tag replaces the earlier one; templates allowed',
      }),
    ),
    channels: Type.Optional(
      Type.Union([ChannelName, Type.Array(ChannelName, { minItems: 1 })], {
        'x-expect': 'a channel name or a list of them',
        description: 'Default: every enabled channel',
      }),
    ),
    alias: Type.Optional(Type.String({ description: 'A name for this step in traces' })),
  },
  { additionalProperties: false },
);
