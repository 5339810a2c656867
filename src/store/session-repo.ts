// Browser sessions and API tokens: random secrets handed out once, stored only as SHA-256 hashes
// (right for high-entropy random values; passwords get scrypt instead).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Role } from './user-repo.js';

const hash = (secret: string) => createHash('sha256').update(secret).digest('base64url');
export const SESSION_MS = 7 * 24 * 3600_000;

export interface SessionInfo {
  user: { name: string; role: Role };
  csrfToken: string;
}

export interface TokenInfo {
  id: string;
  name: string;
  user: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface NewSession {
  /** The value of the session cookie. */
  cookie: string;
  /** A bearer token for the same session, for scripts that log in with a password. */
  token: string;
  csrfToken: string;
}

/** A row of `api_tokens` (002) without its hash. */
interface TokenRow {
  id: string;
  name: string;
  user_name: string;
  created_at: number;
  last_used_at: number | null;
}

export class SessionRepo {
  readonly #db: Database;
  readonly #now: () => number;

  constructor(db: Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  createSession(userName: string): NewSession {
    const cookie = randomBytes(32).toString('base64url');
    const token = `hts_${randomBytes(30).toString('base64url')}`;
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.#now();
    this.#db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now);
    this.#db
      .prepare('INSERT INTO sessions (id_hash, token_hash, user_name, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(hash(cookie), hash(token), userName, csrfToken, now, now + SESSION_MS);
    return { cookie, token, csrfToken };
  }

  session(cookie: string): SessionInfo | undefined {
    const row = this.#db
      .prepare(
        'SELECT s.csrf_token, u.name, u.role FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.id_hash = ? AND s.expires_at > ?',
      )
      .get(hash(cookie), this.#now()) as { csrf_token: string; name: string; role: Role } | undefined;
    return row ? { user: { name: row.name, role: row.role }, csrfToken: row.csrf_token } : undefined;
  }

  /** Ends the session of a cookie or of its login bearer token; both stop working. */
  deleteSession(secret: { cookie?: string; token?: string }): void {
    if (secret.cookie) this.#db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hash(secret.cookie));
    if (secret.token) this.#db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hash(secret.token));
  }

  /** Ends every session of a user (after a password change), except the one identified by `keep`. */
  deleteUserSessions(userName: string, keep: { cookie?: string; token?: string } = {}): number {
    // '-' is never a hash, so an absent secret keeps nothing.
    return this.#db
      .prepare("DELETE FROM sessions WHERE user_name = ? AND id_hash <> ? AND coalesce(token_hash, '') <> ?")
      .run(userName, keep.cookie ? hash(keep.cookie) : '-', keep.token ? hash(keep.token) : '-').changes;
  }

  createToken(userName: string, name: string): { id: string; name: string; token: string } {
    const token = `hth_${randomBytes(30).toString('base64url')}`;
    const id = randomUUID();
    this.#db
      .prepare('INSERT INTO api_tokens (id, name, user_name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, name, userName, hash(token), this.#now());
    return { id, name, token };
  }

  /** The user behind a bearer token: a long-lived API token, or the token of a live login session. */
  tokenUser(token: string): { name: string; role: Role } | undefined {
    const h = hash(token);
    const row = this.#db
      .prepare('SELECT t.id, u.name, u.role FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE t.token_hash = ?')
      .get(h) as { id: string; name: string; role: Role } | undefined;
    if (row) {
      this.#db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(this.#now(), row.id);
      return { name: row.name, role: row.role };
    }
    const session = this.#db
      .prepare('SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.token_hash = ? AND s.expires_at > ?')
      .get(h, this.#now()) as { name: string; role: Role } | undefined;
    return session ? { name: session.name, role: session.role } : undefined;
  }

  listTokens(): TokenInfo[] {
    return (
      this.#db.prepare('SELECT id, name, user_name, created_at, last_used_at FROM api_tokens ORDER BY created_at').all() as TokenRow[]
    ).map((r) => ({
      id: r.id,
      name: r.name,
      user: r.user_name,
      createdAt: new Date(r.created_at).toISOString(),
      lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
    }));
  }

  revokeToken(id: string): boolean {
    return this.#db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes > 0;
  }
}
