// Browser sessions and API tokens: random secrets handed out once, stored only as SHA-256 hashes
// (right for high-entropy random values; passwords get scrypt instead).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Role } from './user-repo.js';

const hash = (secret: string) => createHash('sha256').update(secret).digest('base64url');
const SESSION_MS = 7 * 24 * 3600_000;

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

export class SessionRepo {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  createSession(userName: string): { cookie: string; csrfToken: string } {
    const cookie = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = Date.now();
    this.#db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now);
    this.#db.prepare('INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(hash(cookie), userName, csrfToken, now, now + SESSION_MS);
    return { cookie, csrfToken };
  }

  session(cookie: string): SessionInfo | undefined {
    const row = this.#db
      .prepare('SELECT s.csrf_token, u.name, u.role FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.id_hash = ? AND s.expires_at > ?')
      .get(hash(cookie), Date.now()) as { csrf_token: string; name: string; role: Role } | undefined;
    return row ? { user: { name: row.name, role: row.role }, csrfToken: row.csrf_token } : undefined;
  }

  deleteSession(cookie: string): void {
    this.#db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hash(cookie));
  }

  createToken(userName: string, name: string): { id: string; name: string; token: string } {
    const token = `hth_${randomBytes(30).toString('base64url')}`;
    const id = randomUUID();
    this.#db.prepare('INSERT INTO api_tokens (id, name, user_name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(id, name, userName, hash(token), Date.now());
    return { id, name, token };
  }

  tokenUser(token: string): { name: string; role: Role } | undefined {
    const row = this.#db
      .prepare('SELECT t.id, u.name, u.role FROM api_tokens t JOIN users u ON u.name = t.user_name WHERE t.token_hash = ?')
      .get(hash(token)) as { id: string; name: string; role: Role } | undefined;
    if (row) this.#db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(Date.now(), row.id);
    return row ? { name: row.name, role: row.role } : undefined;
  }

  listTokens(): TokenInfo[] {
    return (this.#db.prepare('SELECT id, name, user_name, created_at, last_used_at FROM api_tokens ORDER BY created_at').all() as any[]).map((r) => ({
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
