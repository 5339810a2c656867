// The shapes shared by the notifier, its channels, the `notify` rule action and the API.

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const CHANNEL_TYPES = ['ntfy', 'gotify', 'webhook', 'email', 'dashboard'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export interface Notification {
  /** Shown in bold, as the push title or the mail subject; the channel's default ("Hearth") when absent. */
  title?: string;
  message: string;
  priority: Priority;
  /** A later notification with the same tag replaces the earlier one (in the dashboard, and while still queued). */
  tag?: string;
  /** The rule that sent it: a delivery given up later is traced as an error of this rule. */
  ruleId?: string;
}

/** What became of a notification on one channel, in words for traces, the CLI and the API. */
export type DeliveryStatus = 'delivered' | 'retrying' | 'failed' | 'suppressed' | 'skipped' | 'disabled' | 'unknown';

export interface DeliveryResult {
  channel: string;
  type?: ChannelType;
  status: DeliveryStatus;
  /** What the service answered ("HTTP 200, message id 4kq…"), or why not. */
  detail: string;
}

export interface SendContext {
  /** Stable across retries of one delivery: services that de-duplicate (Matrix transaction ids) use it. */
  deliveryId: string;
  /** When the notification was made (a retry is sent with its original time). */
  createdAt: number;
  signal: AbortSignal;
}

export interface Channel {
  readonly name: string;
  readonly type: ChannelType;
  readonly enabled: boolean;
  /** Notifications below this priority are not sent here (an e-mail channel for urgent ones only). */
  readonly minPriority: Priority;
  readonly maxPerMinute: number;
  /** Sends one notification; resolves with the service's answer in words, or throws (a SendError says if retrying can help). */
  send(notification: Notification, context: SendContext): Promise<string>;
  close?(): Promise<void> | void;
}

/** A failed send. `permanent`: the service refused the message itself (400, 413, a rejected mailbox); retrying cannot help. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}

export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);

export const DEFAULT_TITLE = 'Hearth';
