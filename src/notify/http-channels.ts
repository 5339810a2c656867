// The channels that speak HTTP: ntfy and gotify (self-hosted push apps) and a JSON webhook with Slack, Discord
// and Matrix bodies. Errors name the host only: a webhook URL's path is often its secret (Slack, Discord).
import { DEFAULT_TITLE, SendError, type Channel, type Notification, type Priority, type SendContext } from './types.js';

export type ChannelBase = Pick<Channel, 'name' | 'type' | 'enabled' | 'minPriority' | 'maxPerMinute'>;

const DEFAULT_TIMEOUT_MS = 10_000;
// The request itself was refused (malformed, too large): sending it again cannot succeed.
const PERMANENT = new Set([400, 413, 422]);

interface HttpAnswer {
  status: number;
  text: string;
  /** The answer as JSON, of which only the message id is read (ntfy's and gotify's `id`, Matrix's `event_id`). */
  json: { id?: unknown; event_id?: unknown } | null | undefined;
}

/** One HTTP request with a timeout; throws a SendError in words for a network failure, a timeout or a non-2xx answer. */
export async function sendHttp(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body: unknown },
  timeoutMs: number,
  context: SendContext,
): Promise<HttpAnswer> {
  const host = new URL(url).host;
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Hearth', ...init.headers },
      body: JSON.stringify(init.body),
      signal: AbortSignal.any([context.signal, timeout]),
      // A redirect would carry the Authorization header to wherever it points.
      redirect: 'manual',
    });
  } catch (err) {
    if (timeout.aborted) throw new SendError(`${host} did not answer within ${timeoutMs / 1000} s`);
    if (context.signal.aborted) throw new SendError('interrupted: the hub is stopping');
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new SendError(`cannot reach ${host}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text().catch(() => '');
  if (res.status < 200 || res.status >= 300) {
    const said = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    throw new SendError(`HTTP ${res.status} from ${host}${said ? `: ${said}` : ''}`, PERMANENT.has(res.status));
  }
  let json: HttpAnswer['json'];
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

const NTFY_PRIORITY: Record<Priority, number> = { low: 2, normal: 3, high: 4, urgent: 5 };
const GOTIFY_PRIORITY: Record<Priority, number> = { low: 2, normal: 5, high: 8, urgent: 10 };

export interface NtfyOptions {
  url: string;
  topic: string;
  token?: string;
  username?: string;
  password?: string;
  tags?: string[];
  click?: string;
  timeoutMs?: number;
}

/** ntfy: JSON published to the server's root URL (https://docs.ntfy.sh/publish/#publish-as-json). */
export function ntfyChannel(base: ChannelBase, o: NtfyOptions): Channel {
  const auth = o.token
    ? `Bearer ${o.token}`
    : o.username
      ? `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}`
      : undefined;
  const root = o.url.replace(/\/+$/, '') + '/';
  return {
    ...base,
    async send(n, context) {
      const body = {
        topic: o.topic,
        title: n.title ?? DEFAULT_TITLE,
        message: n.message,
        priority: NTFY_PRIORITY[n.priority],
        ...(o.tags ? { tags: o.tags } : {}),
        ...(o.click ? { click: o.click } : {}),
      };
      const answer = await sendHttp(
        root,
        { headers: auth ? { authorization: auth } : {}, body },
        o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        context,
      );
      return `HTTP ${answer.status}${answer.json?.id ? `, ntfy message id ${answer.json.id}` : ''}`;
    },
  };
}

/** gotify: POST /message with the application's token (https://gotify.net/api-docs). */
export function gotifyChannel(base: ChannelBase, o: { url: string; token: string; timeoutMs?: number }): Channel {
  const endpoint = o.url.replace(/\/+$/, '') + '/message';
  return {
    ...base,
    async send(n, context) {
      const body = { title: n.title ?? DEFAULT_TITLE, message: n.message, priority: GOTIFY_PRIORITY[n.priority] };
      const answer = await sendHttp(endpoint, { headers: { 'x-gotify-key': o.token }, body }, o.timeoutMs ?? DEFAULT_TIMEOUT_MS, context);
      return `HTTP ${answer.status}${answer.json?.id !== undefined ? `, gotify message id ${answer.json.id}` : ''}`;
    },
  };
}

export type WebhookPreset = 'json' | 'slack' | 'discord' | 'matrix';

const escapeSlack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeHtml = (s: string) => escapeSlack(s).replace(/"/g, '&quot;').replace(/\n/g, '<br>');

/** The request a preset makes: the body its service reads, and for Matrix's client API the PUT with a transaction id. */
export function webhookRequest(
  preset: WebhookPreset,
  url: string,
  n: Notification,
  context: SendContext,
): { url: string; method: string; body: unknown } {
  const title = n.title ?? DEFAULT_TITLE;
  switch (preset) {
    case 'slack':
      return { url, method: 'POST', body: { text: `*${escapeSlack(title)}*\n${escapeSlack(n.message)}` } };
    case 'discord':
      // No @everyone or role pings from a templated message.
      return { url, method: 'POST', body: { content: `**${title}**\n${n.message}`.slice(0, 2000), allowed_mentions: { parse: [] } } };
    case 'matrix': {
      const text = `${title}\n${n.message}`;
      const html = `<b>${escapeHtml(title)}</b><br>${escapeHtml(n.message)}`;
      // The client-server API (…/rooms/<room>/send/m.room.message) takes a PUT whose transaction id makes a retry
      // idempotent; anything else is taken for a hookshot-style webhook that reads `text` and `html`.
      if (/\/send\/m\.room\.message\/?$/.test(url)) {
        return {
          url: `${url.replace(/\/$/, '')}/${encodeURIComponent(`hearth-${context.deliveryId}`)}`,
          method: 'PUT',
          body: { msgtype: 'm.text', body: text, format: 'org.matrix.custom.html', formatted_body: html },
        };
      }
      return { url, method: 'POST', body: { text, html } };
    }
    default:
      return {
        url,
        method: 'POST',
        body: {
          title,
          message: n.message,
          priority: n.priority,
          tag: n.tag ?? null,
          ruleId: n.ruleId ?? null,
          at: new Date(context.createdAt).toISOString(),
          source: 'hearth',
        },
      };
  }
}

export function webhookChannel(
  base: ChannelBase,
  o: { url: string; preset: WebhookPreset; headers?: Record<string, string>; token?: string; timeoutMs?: number },
): Channel {
  const headers = { ...o.headers, ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) };
  return {
    ...base,
    async send(n, context) {
      const request = webhookRequest(o.preset, o.url, n, context);
      const answer = await sendHttp(
        request.url,
        { method: request.method, headers, body: request.body },
        o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        context,
      );
      const eventId = answer.json?.event_id ? `, Matrix event ${answer.json.event_id}` : '';
      return `HTTP ${answer.status} from ${new URL(request.url).host}${eventId}`;
    },
  };
}
