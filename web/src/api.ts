// The dashboard's API client: cookie session plus the CSRF token for changes; errors carry the hub's message.
// The device shape is the hub's own schema (a type-only import: nothing of it is bundled).
export type { Capability, Device, DeviceProperty } from '../../src/devices/device-schema.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

let csrf: string | undefined;
export let currentUser: { name: string; role: string } | undefined;

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body !== undefined ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, json?.code ?? 'HEARTH_ERROR', json?.message ?? res.statusText, json);
  return json as T;
}

export async function restoreSession(): Promise<boolean> {
  try {
    const s = await api<{ user: { name: string; role: string }; csrfToken?: string }>('GET', '/api/session');
    currentUser = s.user;
    csrf = s.csrfToken;
    return true;
  } catch {
    return false;
  }
}

export async function login(username: string, password: string): Promise<void> {
  const s = await api<{ user: { name: string; role: string }; csrfToken: string }>('POST', '/api/login', { username, password });
  currentUser = s.user;
  csrf = s.csrfToken;
}

export async function logout(): Promise<void> {
  await api('POST', '/api/logout').catch(() => undefined);
  currentUser = undefined;
  csrf = undefined;
}

export const isAdmin = () => currentUser?.role === 'admin';
