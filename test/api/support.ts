// Helpers for the API tests: logging in, credentials as headers, and `app.inject()` against a running hub.
import type { InjectOptions } from 'fastify';
import { ADMIN_PASSWORD, type TestHub } from '../helpers/hub.js';

export const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

export interface Login {
  status: number;
  json: any;
  /** `hearth_session=…`, ready for a Cookie header. */
  cookie: string;
  setCookie: string;
}

/** POST /api/login over the real port. */
export async function login(th: TestHub, username = 'admin', password = ADMIN_PASSWORD): Promise<Login> {
  const res = await fetch(`${th.httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, json: await res.json(), cookie: setCookie.split(';')[0]!, setCookie };
}

/** `app.inject()` on the hub's own Fastify instance (no socket), answering `{ status, json, headers }`. */
export async function inject(th: TestHub, options: InjectOptions & { auth?: string | null }) {
  const { auth = th.auth, ...rest } = options;
  const res = await th.hub.api.inject({ ...rest, headers: { ...(auth ? { authorization: auth } : {}), ...(rest.headers ?? {}) } });
  let json: any;
  try {
    json = res.json();
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, body: res.body, headers: res.headers };
}
