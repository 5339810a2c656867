// What the rules dir's files parsed to, kept between starts in the data dir: parsing YAML with its positions is the
// slowest part of loading rules (the yaml library spends 0.5–1 ms on a 10-line file, most of a start with 100 rule
// files; docs/performance.md), and a file that has not changed parses to the same value. An entry is the value a
// file's text gave (by the text's SHA-1) with the line of each item. Only the parse is cached: a file's checks run at
// every load, as Hearth's may have changed, and its document is parsed again when a problem must be located.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Logger } from '../../shared/logger.js';

/** Bumped when what Hearth asks of the parser changes (its options, the `!input` tag): older caches are dropped. */
const FORMAT = 1;
/** A value larger than this (aliases can multiply a small file) is parsed each time rather than kept. */
const MAX_JSON = 256 * 1024;

export interface CachedParse {
  /** The document's value, as `toJS()` gave it. */
  value: unknown;
  /** The line of each item of the file, in the order the file's items are read. */
  lines: number[];
}

interface Entry {
  json: string;
  lines: number[];
}

interface CacheFile {
  format: number;
  yaml: string;
  entries: Record<string, Entry>;
}

export class ParseCache {
  readonly #file: string;
  readonly #logger: Logger | undefined;
  readonly #entries: Map<string, Entry>;
  #dirty = false;
  #broken = false;

  private constructor(file: string, entries: Map<string, Entry>, logger: Logger | undefined) {
    this.#file = file;
    this.#entries = entries;
    this.#logger = logger;
  }

  /** The cache kept in `file`; a missing, unreadable or outdated file is an empty cache, never an error. */
  static open(file: string, logger?: Logger): ParseCache {
    const entries = new Map<string, Entry>();
    try {
      const kept = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
      if (YAML_VERSION !== undefined && kept.format === FORMAT && kept.yaml === YAML_VERSION)
        for (const [key, e] of Object.entries(kept.entries)) if (typeof e?.json === 'string' && Array.isArray(e.lines)) entries.set(key, e);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger?.warn(`rule parse cache ${file} unreadable, starting afresh: ${err}`);
    }
    const cache = new ParseCache(file, entries, logger);
    // Without the parser's version, a cache could outlive an upgrade that reads a text otherwise: none is kept.
    cache.#broken = YAML_VERSION === undefined;
    return cache;
  }

  /** What `text` parsed to before, a fresh value; undefined when it was not kept. */
  get(text: string): CachedParse | undefined {
    const entry = this.#entries.get(keyOf(text));
    if (!entry) return undefined;
    return { value: JSON.parse(entry.json), lines: entry.lines };
  }

  /** Keeps what `text` parsed to, when JSON gives back exactly that value (no `!input`, no shared nodes of note). */
  put(text: string, parse: CachedParse): void {
    const key = keyOf(text);
    let json: string;
    try {
      if (this.#entries.has(key) || !isPlain(parse.value)) return;
      json = JSON.stringify(parse.value);
    } catch {
      return; // a value too deep to walk is parsed at every start, as it always was
    }
    if (json.length > MAX_JSON) return;
    this.#entries.set(key, { json, lines: parse.lines });
    this.#dirty = true;
  }

  /**
   * Keeps the entries of `texts`, the files the rules dir holds now (others are of files since changed or removed,
   * so the cache never grows past the dir), and writes the cache when that changed anything.
   */
  save(texts: Iterable<string>): void {
    if (this.#broken) return;
    const keep = new Set<string>();
    for (const text of texts) keep.add(keyOf(text));
    for (const key of this.#entries.keys()) {
      if (keep.has(key)) continue;
      this.#entries.delete(key);
      this.#dirty = true;
    }
    if (!this.#dirty) return;
    const file: CacheFile = { format: FORMAT, yaml: YAML_VERSION!, entries: Object.fromEntries(this.#entries) };
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      // Written aside, then renamed: a crash mid-write leaves the previous cache, not half a file.
      writeFileSync(`${this.#file}.tmp`, JSON.stringify(file), { mode: 0o600 });
      renameSync(`${this.#file}.tmp`, this.#file);
      this.#dirty = false;
    } catch (err) {
      // The cache only saves time: without it every start parses every file, as it did before.
      this.#broken = true;
      this.#logger?.warn(`rule parse cache ${this.#file} cannot be written, rules are parsed at every start: ${err}`);
    }
  }
}

/** The yaml library's version: another version may read the same text otherwise. */
const YAML_VERSION = ((): string | undefined => {
  try {
    return String((createRequire(import.meta.url)('yaml/package.json') as { version: string }).version);
  } catch {
    return undefined;
  }
})();

function keyOf(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}

/** Only what JSON gives back unchanged: finite numbers (not -0), strings, booleans, null, arrays and plain objects. */
function isPlain(value: unknown, budget = { nodes: 100_000 }): boolean {
  if (--budget.nodes < 0) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every((v) => isPlain(v, budget));
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || !isPlain((value as Record<string, unknown>)[key], budget)) return false;
  }
  return true;
}
