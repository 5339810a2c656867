// The headers every response carries, including hijacked ones (the live event stream writes its own head).
import type { FastifyInstance } from 'fastify';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Only the hub's own scripts; inline styles for uPlot and Swagger UI; ws:/wss: for MQTT over WebSocket; no framing.
  // base-uri and form-action are not covered by default-src, so an injected <base> or <form> could otherwise point away.
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export function registerSecurityHeaders(app: FastifyInstance, https: boolean): void {
  const headers = https ? { ...SECURITY_HEADERS, 'strict-transport-security': 'max-age=31536000' } : SECURITY_HEADERS;
  // onRequest rather than onSend: the headers are then set before any route, error handler or hijack runs.
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(headers);
  });
}

/** For responses written with `reply.raw` after `reply.hijack()`, which skip Fastify's header handling. */
export function rawHeaders(reply: { getHeaders(): Record<string, unknown> }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (typeof v === 'string') out[k] = v;
  return out;
}
