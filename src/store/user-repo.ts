// Users (admin / viewer) and per-device MQTT credentials, with password verification and a short-lived cache.
import { createHmac, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { ID_CHARS, ID_RE } from '../devices/device-id.js';
import { HearthError } from '../shared/errors.js';
import { generatePassword, hashPassword, verifyPassword } from '../shared/password.js';

export type Role = 'admin' | 'viewer';

/** Topic filters a login may publish and subscribe to, instead of a device's own home/<id>/… (an adapter's bridge). */
export interface TopicGrant {
  publish: string[];
  subscribe: string[];
}

export type Identity =
  | { kind: 'user'; name: string; role: Role }
  | { kind: 'device'; username: string; deviceId: string; topics?: TopicGrant };

export interface UserInfo {
  name: string;
  role: Role;
  createdAt: number;
}

export interface DeviceCredentialInfo {
  username: string;
  deviceId: string;
  createdAt: number;
  topics?: TopicGrant;
}

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** Rows of `users` and `device_credentials` (001, with 008's `topics`: JSON of a TopicGrant). */
interface UserRow {
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
}

interface CredentialRow {
  username: string;
  device_id: string;
  password_hash: string;
  created_at: number;
  topics: string | null;
}

export class UserRepo {
  readonly #db: Database;
  // Successful verifications are remembered for a while (keyed by an HMAC with a per-process key, never the
  // password itself), so a reconnect storm of devices after a Wi-Fi outage does not cost one scrypt each.
  readonly #cache = new Map<string, { identity: Identity; hash: string; until: number }>();
  readonly #cacheKey = randomBytes(32);
  // Verifications in progress, by the same key: a hundred devices reconnecting with one credential share one
  // scrypt (each costs 16 MiB and ~50 ms), instead of a hundred at once.
  readonly #inFlight = new Map<string, Promise<Identity | undefined>>();

  constructor(db: Database) {
    this.#db = db;
  }

  countUsers(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  listUsers(): UserInfo[] {
    return (this.#db.prepare('SELECT name, role, created_at FROM users ORDER BY name').all() as Omit<UserRow, 'password_hash'>[]).map(
      (r) => ({
        name: r.name,
        role: r.role,
        createdAt: r.created_at,
      }),
    );
  }

  getUser(name: string): UserInfo | undefined {
    const r = this.#db.prepare('SELECT name, role, created_at FROM users WHERE name = ?').get(name) as
      | Omit<UserRow, 'password_hash'>
      | undefined;
    return r ? { name: r.name, role: r.role, createdAt: r.created_at } : undefined;
  }

  /** Creates a user, or replaces the password and role of an existing one. */
  async setUser(name: string, password: string, role: Role): Promise<void> {
    if (!NAME.test(name))
      throw new HearthError('HEARTH_VALIDATION', {
        message: `user name must be 1-64 letters, digits or _.@-, got ${JSON.stringify(name)}`,
      });
    if (password.length < 8) throw new HearthError('HEARTH_VALIDATION', { message: 'password must be at least 8 characters' });
    if (role !== 'admin' && role !== 'viewer')
      throw new HearthError('HEARTH_VALIDATION', { message: `role must be "admin" or "viewer", got ${JSON.stringify(role)}` });
    const hash = await hashPassword(password);
    this.#db
      .prepare(
        `INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash`,
      )
      .run(name, role, hash, Date.now());
    this.#cache.clear();
  }

  deleteUser(name: string): boolean {
    this.#cache.clear();
    return this.#db.prepare('DELETE FROM users WHERE name = ?').run(name).changes > 0;
  }

  /**
   * Issues MQTT credentials bound to one device (or, with `topics`, to an adapter's topics: a bridge's login); the
   * password is returned once and stored hashed.
   */
  async addDeviceCredential(deviceId: string, topics?: TopicGrant): Promise<{ username: string; password: string }> {
    if (!ID_RE.test(deviceId))
      throw new HearthError('HEARTH_VALIDATION', { message: `device id must match ${ID_CHARS}, got ${JSON.stringify(deviceId)}` });
    const existing = this.#db.prepare('SELECT count(*) AS n FROM device_credentials WHERE device_id = ?').get(deviceId) as { n: number };
    const username = existing.n === 0 ? deviceId : `${deviceId}-${randomBytes(3).toString('hex')}`;
    if (this.getUser(username)) throw new HearthError('HEARTH_CONFLICT', { message: `a user named ${JSON.stringify(username)} exists` });
    const password = generatePassword();
    this.#db
      .prepare('INSERT INTO device_credentials (username, device_id, password_hash, created_at, topics) VALUES (?, ?, ?, ?, ?)')
      .run(username, deviceId, await hashPassword(password), Date.now(), topics ? JSON.stringify(topics) : null);
    return { username, password };
  }

  listDeviceCredentials(deviceId?: string): DeviceCredentialInfo[] {
    const rows = (
      deviceId
        ? this.#db
            .prepare('SELECT username, device_id, created_at, topics FROM device_credentials WHERE device_id = ? ORDER BY username')
            .all(deviceId)
        : this.#db.prepare('SELECT username, device_id, created_at, topics FROM device_credentials ORDER BY username').all()
    ) as Omit<CredentialRow, 'password_hash'>[];
    return rows.map((r) => ({
      username: r.username,
      deviceId: r.device_id,
      createdAt: r.created_at,
      ...(r.topics ? { topics: JSON.parse(r.topics) as TopicGrant } : {}),
    }));
  }

  revokeDeviceCredential(username: string): boolean {
    this.#cache.clear();
    return this.#db.prepare('DELETE FROM device_credentials WHERE username = ?').run(username).changes > 0;
  }

  /** The identity behind a username and password, or undefined. Users win over device credentials of the same name. */
  async verify(username: string, password: string): Promise<Identity | undefined> {
    const cacheKey = createHmac('sha256', this.#cacheKey).update(username).update('\0').update(password).digest('base64');
    const cached = this.#cache.get(cacheKey);
    // The stored hash is read again (cheap, no scrypt): a password changed by another process (`hearth user add`
    // while the hub runs) ends the cached acceptance of the old one at once.
    if (cached && cached.until > Date.now() && this.#storedHash(username) === cached.hash) return cached.identity;
    const running = this.#inFlight.get(cacheKey);
    if (running !== undefined) return running;
    const verification = this.#verify(username, password, cacheKey).finally(() => this.#inFlight.delete(cacheKey));
    this.#inFlight.set(cacheKey, verification);
    return verification;
  }

  async #verify(username: string, password: string, cacheKey: string): Promise<Identity | undefined> {
    let identity: Identity | undefined;
    let stored: string | undefined;
    const user = this.#db.prepare('SELECT name, role, password_hash FROM users WHERE name = ?').get(username) as
      | Omit<UserRow, 'created_at'>
      | undefined;
    if (user) {
      stored = user.password_hash;
      if (await verifyPassword(password, user.password_hash)) identity = { kind: 'user', name: user.name, role: user.role };
    } else {
      const cred = this.#db
        .prepare('SELECT username, device_id, password_hash, topics FROM device_credentials WHERE username = ?')
        .get(username) as Omit<CredentialRow, 'created_at'> | undefined;
      stored = cred?.password_hash;
      if (cred && (await verifyPassword(password, cred.password_hash))) {
        identity = {
          kind: 'device',
          username: cred.username,
          deviceId: cred.device_id,
          ...(cred.topics ? { topics: JSON.parse(cred.topics) as TopicGrant } : {}),
        };
      }
    }
    if (identity && stored) {
      if (this.#cache.size > 5000) this.#cache.clear();
      this.#cache.set(cacheKey, { identity, hash: stored, until: Date.now() + 10 * 60_000 });
    }
    return identity;
  }

  /** The stored password hash of a user or device credential. */
  #storedHash(username: string): string | undefined {
    const row = (this.#db.prepare('SELECT password_hash FROM users WHERE name = ?').get(username) ??
      this.#db.prepare('SELECT password_hash FROM device_credentials WHERE username = ?').get(username)) as
      | { password_hash: string }
      | undefined;
    return row?.password_hash;
  }
}
