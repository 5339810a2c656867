// What every file of the rules dir defines, by kind and id: where a rule finds the blueprint it uses and the scenes
// and scripts it calls, whichever file holds them. The first file (by name) to define an id holds it.
import type { Path } from '../validate.js';
import type { BlockKind, ParsedFile } from './parse-file.js';

export interface CatalogEntry {
  kind: BlockKind;
  id: string;
  /** The file's name in the rules dir, and as the hub names it in messages. */
  fileName: string;
  file: string;
  /** The item as written (checked only when `valid`). */
  def: unknown;
  path: Path;
  line: number;
  /** The item passed its own checks (its file may still have other problems). */
  valid: boolean;
}

export class Catalog {
  readonly #entries = new Map<string, CatalogEntry>();

  /** From parsed files in the order they are given (first wins). */
  static of(files: Iterable<[string, ParsedFile]>): Catalog {
    const catalog = new Catalog();
    for (const [fileName, parsed] of files) {
      for (const item of parsed.items) {
        if (item.id === undefined) continue;
        const key = `${item.kind}:${item.id}`;
        if (!catalog.#entries.has(key))
          catalog.#entries.set(key, {
            kind: item.kind,
            id: item.id,
            fileName,
            file: parsed.file,
            def: item.def,
            path: item.path,
            line: item.line,
            valid: item.valid,
          });
      }
    }
    return catalog;
  }

  get(kind: BlockKind, id: string): CatalogEntry | undefined {
    return this.#entries.get(`${kind}:${id}`);
  }

  ids(kind: BlockKind): string[] {
    return [...this.#entries.values()]
      .filter((e) => e.kind === kind)
      .map((e) => e.id)
      .sort();
  }
}

/** Every `action: scene` and `action: script` in a definition, with its path (inside if, choose, repeat…). */
export function findCalls(
  value: unknown,
  path: Path,
): Array<{ kind: 'scene' | 'script'; id: string; fields?: Record<string, unknown>; wait?: boolean; path: Path }> {
  const out: ReturnType<typeof findCalls> = [];
  const walk = (v: unknown, p: Path) => {
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) walk(item, [...p, i]);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if ((o.action === 'scene' || o.action === 'script') && typeof o[o.action] === 'string') {
      out.push({
        kind: o.action,
        id: o[o.action] as string,
        path: p,
        ...(o.fields && typeof o.fields === 'object' ? { fields: o.fields as Record<string, unknown> } : {}),
        ...(typeof o.wait === 'boolean' ? { wait: o.wait } : {}),
      });
    }
    for (const [k, item] of Object.entries(o)) walk(item, [...p, k]);
  };
  walk(value, path);
  return out;
}

/** Literal `publish` topics and payloads in a definition (templated ones cannot be known at load). */
export function findPublishes(value: unknown): Array<{ topic: string; payload: string | undefined }> {
  const out: Array<{ topic: string; payload: string | undefined }> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.action === 'publish' && typeof o.topic === 'string' && !o.topic.includes('{{')) {
      const payload =
        o.payload === undefined
          ? ''
          : typeof o.payload === 'string'
            ? o.payload.includes('{{')
              ? undefined
              : o.payload
            : JSON.stringify(o.payload);
      out.push({ topic: o.topic, payload });
    }
    Object.values(o).forEach(walk);
  };
  walk(value);
  return out;
}
