// Device and property ids (`home/<device>/<property>`, DESIGN §2), and ids made from an ecosystem's own names.
// No imports: the dashboard bundles this file for its form patterns.

/** What `<device>` and `<property>` may hold, without anchors (an HTML `pattern` attribute adds its own). */
export const ID_CHARS = '[a-z0-9_-]{1,64}';
/** The anchored pattern, for JSON schemas. */
export const ID_PATTERN = `^${ID_CHARS}$`;
export const ID_RE = new RegExp(ID_PATTERN);

const MAX_ID = 64;

/**
 * An id from a native name: lowercased, every run of characters outside `[a-z0-9_-]` becoming `_`, cut to 64
 * (`Living Room/Sensor` → `living_room_sensor`). Leading and trailing `_` are trimmed; a name with no usable
 * character at all becomes `device`.
 */
export function idFromName(name: string): string {
  const id = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return id.slice(0, MAX_ID).replace(/_+$/, '') || 'device';
}

/** The first of `base`, `base_2`, `base_3`, … that `taken` does not hold, still at most 64 characters. */
export function uniqueId(base: string, taken: (id: string) => boolean): string {
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const id = `${base.slice(0, MAX_ID - suffix.length)}${suffix}`;
    if (!taken(id)) return id;
  }
}
