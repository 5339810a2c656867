// E-mail over SMTP with nodemailer (STARTTLS, implicit TLS or, for a local relay, none; login when given).
// nodemailer is loaded on the first send, so a hub without an e-mail channel never pays for it.
import { readFileSync } from 'node:fs';
import type { ChannelBase } from './http-channels.js';
import { DEFAULT_TITLE, SendError, type Channel, type Priority } from './types.js';

export interface EmailOptions {
  host: string;
  port?: number;
  security: 'starttls' | 'tls' | 'none';
  username?: string;
  password?: string;
  from: string;
  to: string[];
  /** A PEM file of the CA to trust (a relay with a self-signed certificate). */
  ca?: string;
  timeoutMs?: number;
}

const DEFAULT_PORT = { starttls: 587, tls: 465, none: 25 } as const;
const MAIL_PRIORITY: Record<Priority, 'low' | 'normal' | 'high'> = { low: 'low', normal: 'normal', high: 'high', urgent: 'high' };

type Transport = { sendMail(message: object): Promise<{ response?: string; messageId?: string }>; close(): void };

export function emailChannel(base: ChannelBase, o: EmailOptions): Channel {
  const port = o.port ?? DEFAULT_PORT[o.security];
  const timeout = o.timeoutMs ?? 15_000;
  const ca = o.ca ? readFileSync(o.ca) : undefined;
  let transport: Promise<Transport> | undefined;
  const open = async (): Promise<Transport> => {
    const { createTransport } = await import('./nodemailer-lib.js');
    return createTransport({
      host: o.host,
      port,
      secure: o.security === 'tls',
      requireTLS: o.security === 'starttls',
      ignoreTLS: o.security === 'none',
      ...(o.username ? { auth: { user: o.username, pass: o.password ?? '' } } : {}),
      ...(ca ? { tls: { ca } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    }) as unknown as Transport;
  };
  return {
    ...base,
    async send(n, context) {
      transport ??= open();
      try {
        const info = await (await transport).sendMail({
          from: o.from,
          to: o.to,
          subject: n.title ?? DEFAULT_TITLE,
          text: n.message,
          priority: MAIL_PRIORITY[n.priority],
          date: new Date(context.createdAt),
          // The same id on every retry: a mail client shows a duplicate (sent twice after a crash) as one message.
          messageId: `<${context.deliveryId}@hearth>`,
        });
        return `accepted by ${o.host}:${port}: ${(info.response ?? 'OK').slice(0, 200)}`;
      } catch (err) {
        throw describeSmtpError(err as SmtpError, `${o.host}:${port}`);
      }
    },
    close() {
      void transport?.then(
        (t) => t.close(),
        () => undefined,
      );
    },
  };
}

type SmtpError = Error & { code?: string; responseCode?: number; response?: string };

function describeSmtpError(err: SmtpError, server: string): SendError {
  const answer = err.response ? `: ${err.response.slice(0, 200)}` : '';
  if (err.code === 'EAUTH') return new SendError(`${server} refused the login${answer}`);
  if (err.code === 'ETIMEDOUT') return new SendError(`${server} did not answer in time`);
  if (err.code === 'ECONNECTION' || err.code === 'ESOCKET' || err.code === 'EDNS')
    return new SendError(`cannot reach ${server}: ${err.message}`);
  if (err.code === 'ETLS') return new SendError(`TLS with ${server} failed: ${err.message}`);
  // 550-553: the mailbox or address is refused; the same message will be refused again.
  const permanent = err.responseCode !== undefined && err.responseCode >= 550 && err.responseCode <= 553;
  return new SendError(`${server} refused the message${answer || `: ${err.message}`}`, permanent);
}
