// Notifications in rule tests: `action: notify` is recorded instead of sent, and a case expects it with
// `expect_notification: <message>` (optionally `title`, `priority`, `channels`) or `expect_no_notification: true`.
import type { DeliveryResult, Notification } from '../notify/types.js';

type Recorded = Notification & { channels?: string[]; at: number };
export type NotificationStep =
  | { expect_notification: string; title?: string; priority?: string; channels?: string[] }
  | { expect_no_notification: true };

/** `now` is the case's clock; `elapsed` formats the time since the case started as its other messages do. */
export function recordNotifications(now: () => number, elapsed: (ms: number) => string) {
  const describe = (n: Recorded, start: number) =>
    `${JSON.stringify(n.message)}${n.title ? ` (title ${JSON.stringify(n.title)})` : ''}, ${n.priority}${n.channels ? ` to ${n.channels.join(', ')}` : ''} at +${elapsed(n.at - start)}`;
  const recorded: Recorded[] = [];
  let checkpoint = 0;
  return {
    notify: async (n: Notification, channels?: string[]): Promise<DeliveryResult[]> => {
      recorded.push({ ...n, ...(channels ? { channels } : {}), at: now() });
      return [{ channel: channels?.join(', ') ?? 'every channel', status: 'delivered', detail: 'recorded by the rule test' }];
    },
    /** Checks one step against what was notified since the last matched step; the lines of a failure, else undefined. */
    check(step: NotificationStep, start: number): string[] | undefined {
      const since = recorded.slice(checkpoint);
      const list = since.length ? since.map((n) => describe(n, start)).join('; ') : 'nothing';
      if ('expect_no_notification' in step) {
        if (since.length) return ['expected no notification', `  notified: ${list}`];
        checkpoint = recorded.length;
        return undefined;
      }
      const hit = since.findIndex(
        (n) =>
          n.message === step.expect_notification &&
          (step.title === undefined || n.title === step.title) &&
          (step.priority === undefined || n.priority === step.priority) &&
          (step.channels === undefined || (n.channels ?? []).join(',') === step.channels.join(',')),
      );
      if (hit < 0)
        return [
          `expected a notification ${JSON.stringify(step.expect_notification)}${step.title ? ` titled ${JSON.stringify(step.title)}` : ''}${step.priority ? `, ${step.priority}` : ''} at +${elapsed(now() - start)}`,
          `  notified instead: ${list}`,
        ];
      checkpoint += hit + 1;
      return undefined;
    },
  };
}
