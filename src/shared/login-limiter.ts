// Brute-force protection shared by MQTT and HTTP logins: per source address and per user, a growing delay
// after a few failures, then a temporary ban. Credentials that have logged in before are never held back by
// someone else's failures (a typo at the login page must not knock the home's devices off): guessing stays
// expensive, knowing the password does not. State is in memory (a restart forgives, an attacker cannot fill it).
import { createHmac, randomBytes } from 'node:crypto';

export interface LoginLimiterOptions {
  /** Failures allowed before delays start. */
  freeFailures?: number;
  /** Longest delay between attempts once limited. */
  maxDelayMs?: number;
  /** Failures after which the key is banned. */
  banAfter?: number;
  banMs?: number;
  now?: () => number;
}

export type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number }
  | { ok: false; reason: 'bad_credentials'; banned: boolean };

/** How long credentials that logged in once stay exempt from limits caused by others. */
const TRUST_MS = 30 * 24 * 3_600_000;
const MAX_TRUSTED = 10_000;

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

export class LoginLimiter {
  readonly #entries = new Map<string, Entry>();
  readonly #free: number;
  readonly #maxDelay: number;
  readonly #banAfter: number;
  readonly #banMs: number;
  readonly #now: () => number;
  /** Fingerprints (an HMAC with a per-process key, never the password) of credentials that logged in, by last use. */
  readonly #trusted = new Map<string, number>();
  readonly #trustKey = randomBytes(32);

  constructor(options: LoginLimiterOptions = {}) {
    this.#free = options.freeFailures ?? 3;
    this.#maxDelay = options.maxDelayMs ?? 60_000;
    this.#banAfter = options.banAfter ?? 10;
    this.#banMs = options.banMs ?? 15 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * One login: refused while the address or the user is limited, unless these exact credentials logged in before;
   * otherwise `verify` decides, and a failure counts against the address and the user.
   */
  async attempt<T>(
    login: { address: string; username: string; password: string },
    verify: () => Promise<T | undefined>,
  ): Promise<Attempt<T>> {
    const keys = [`ip:${login.address}`, `user:${login.username}`];
    const fingerprint = createHmac('sha256', this.#trustKey).update(login.username).update('\0').update(login.password).digest('base64');
    const trusted = (this.#trusted.get(fingerprint) ?? -Infinity) > this.#now() - TRUST_MS;
    if (!trusted) {
      const wait = this.retryAfter(keys);
      if (wait > 0) return { ok: false, reason: 'rate_limited', retryAfterMs: wait };
    }
    const value = await verify();
    if (value === undefined) {
      this.#trusted.delete(fingerprint);
      return { ok: false, reason: 'bad_credentials', banned: this.fail(keys).banned };
    }
    this.succeed([`user:${login.username}`]);
    this.#trusted.delete(fingerprint);
    this.#trusted.set(fingerprint, this.#now());
    // The least recently used go first (a Map iterates in insertion order).
    if (this.#trusted.size > MAX_TRUSTED) this.#trusted.delete(this.#trusted.keys().next().value!);
    return { ok: true, value };
  }

  /** Milliseconds until any of `keys` may try again; 0 when allowed now. */
  retryAfter(keys: string[]): number {
    const now = this.#now();
    let wait = 0;
    for (const key of keys) {
      const e = this.#entries.get(key);
      if (e && e.blockedUntil > now) wait = Math.max(wait, e.blockedUntil - now);
    }
    return wait;
  }

  /** Records a failed login for each key; returns whether one of them is now banned. */
  fail(keys: string[]): { banned: boolean; retryAfterMs: number } {
    const now = this.#now();
    this.#prune(now);
    let banned = false;
    for (const key of keys) {
      const e = this.#entries.get(key) ?? { failures: 0, blockedUntil: 0, lastFailure: now };
      e.failures++;
      e.lastFailure = now;
      if (e.failures >= this.#banAfter) {
        e.blockedUntil = now + this.#banMs;
        banned = true;
      } else if (e.failures > this.#free) {
        // 1 s, 2 s, 4 s … up to maxDelay: slow for a guesser, a short wait for a homeowner with a typo.
        e.blockedUntil = now + Math.min(this.#maxDelay, 1000 * 2 ** (e.failures - this.#free - 1));
      }
      this.#entries.set(key, e);
    }
    return { banned, retryAfterMs: this.retryAfter(keys) };
  }

  /** A successful login forgives the user's failures (not the address's: one address may guess many users). */
  succeed(keys: string[]): void {
    for (const key of keys) this.#entries.delete(key);
  }

  #prune(now: number): void {
    if (this.#entries.size < 10_000) return;
    for (const [key, e] of this.#entries) if (e.blockedUntil < now && now - e.lastFailure > 3_600_000) this.#entries.delete(key);
    // Still full: forget the oldest half rather than grow without bound.
    if (this.#entries.size >= 10_000) for (const k of [...this.#entries.keys()].slice(0, 5_000)) this.#entries.delete(k);
  }
}
