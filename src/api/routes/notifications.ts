// The notification centre (list, unread count, mark read), the channels' state and a test send.
// Reading and marking read are open to viewers: a household member who gets the alerts can clear them.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { NotificationCentre } from '../../notify/notification-centre.js';
import type { Notifier } from '../../notify/notifier.js';
import { HearthError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { ErrorSchema } from '../schemas/common.js';
import {
  ChannelStatusSchema,
  DeliveryResultSchema,
  MarkRead,
  MarkReadResult,
  NotificationList,
  NotificationQuery,
  TestBody,
} from '../schemas/notification.js';
import { typed } from '../type-provider.js';

const denied = { 401: ErrorSchema, 403: ErrorSchema };

export async function notificationRoutes(
  fastify: FastifyInstance,
  opts: { notifier: Notifier; centre: NotificationCentre; logger: Logger },
): Promise<void> {
  const app = typed(fastify);
  const { notifier, centre, logger } = opts;

  app.get('/api/notifications', {
    schema: {
      tags: ['notifications'],
      summary: "The dashboard's notifications, newest first, with the unread count",
      querystring: NotificationQuery,
      response: { 200: NotificationList, 400: ErrorSchema, ...denied },
    },
    handler: async (request) => ({ unread: centre.unread(), items: centre.list(request.query) }),
  });

  app.post('/api/notifications/read', {
    config: { role: 'viewer' },
    schema: {
      tags: ['notifications'],
      summary: 'Mark notifications read: `{ "ids": [3, 4] }` or `{ "all": true }`',
      body: MarkRead,
      response: { 200: MarkReadResult, 400: ErrorSchema, ...denied },
    },
    handler: async (request) => {
      const { ids, all } = request.body;
      if (!ids && !all) throw new HearthError('HEARTH_VALIDATION', { message: 'body.ids or body.all is required' }, { field: 'body.ids' });
      if (ids && all)
        throw new HearthError('HEARTH_VALIDATION', { message: 'body.ids and body.all exclude each other' }, { field: 'body.all' });
      return centre.markRead(all ? 'all' : ids!);
    },
  });

  app.get('/api/notifications/channels', {
    schema: {
      tags: ['notifications'],
      summary: 'The notification channels and how their sends went (a failing channel is also in /healthz)',
      response: { 200: Type.Array(ChannelStatusSchema), ...denied },
    },
    handler: async () => notifier.status(),
  });

  app.post('/api/notifications/test', {
    schema: {
      tags: ['notifications'],
      summary: 'Send a test notification to one channel (even a disabled one) or every enabled one, and answer what each said',
      body: Type.Optional(TestBody),
      response: { 200: Type.Object({ results: Type.Array(DeliveryResultSchema) }), 400: ErrorSchema, 404: ErrorSchema, ...denied },
    },
    handler: async (request) => {
      const channel = request.body?.channel;
      if (channel !== undefined && !notifier.channelNames.includes(channel))
        throw new HearthError('HEARTH_NOT_FOUND', {
          message: `No notification channel named "${channel}" (configured: ${notifier.channelNames.join(', ')})`,
        });
      const results = await notifier.test(channel);
      logger.info(
        `${request.user!.name} sent a test notification: ${results.map((r) => `${r.channel} ${r.status}`).join(', ') || 'no channel is enabled'}`,
      );
      return { results };
    },
  });
}
