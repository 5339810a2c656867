// Shapes shared by every resource: the error body, "no content", and the id patterns of topics (DESIGN §2).
import { Type } from '@sinclair/typebox';
import { ID_PATTERN } from '../../devices/device-id.js';

export const ErrorSchema = Type.Object(
  {
    code: Type.String({ description: 'A HEARTH_… code from the catalogue' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'The bad field of a 400' })),
  },
  { $id: 'Error', additionalProperties: true },
);

export const NoContent = Type.Null({ description: 'No content' });

/** `<device>` and `<property>` in `home/<device>/<property>`. */
export { ID_PATTERN };
export const TopicId = (description: string) => Type.String({ pattern: ID_PATTERN, description });

export const UserName = Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,64}$', description: '1-64 letters, digits or _.@-' });
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('viewer')]);
export const Password = Type.String({ minLength: 8, maxLength: 1024 });
