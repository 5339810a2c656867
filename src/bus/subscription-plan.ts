// Which of the hub's filters the broker needs to hold. A filter within a broader one the hub also holds (home/+/+
// within #) is reached through that one: the broker sends each message once instead of once per filter (Mosquitto
// 2 sends MQTT 5 clients a copy per matching subscription), and the hub hands it to both by topic.
import { filterWithin } from '../broker/acl.js';

export interface PlannedFilter {
  filter: string;
  /** Retain As Published: only a broader filter that keeps the publisher's retain flag too can stand in for it. */
  asPublished: boolean;
}

/** True when `broad` can stand in for `narrow`: it matches every topic `narrow` matches, as the broker delivers them. */
export function covers(broad: PlannedFilter, narrow: PlannedFilter): boolean {
  if (broad.filter === narrow.filter) return false;
  // [MQTT-4.7.2-1] a filter starting with a wildcard does not match topics starting with `$`.
  if (narrow.filter.startsWith('$') && /^[+#]/.test(broad.filter)) return false;
  if (narrow.asPublished && !broad.asPublished) return false;
  return filterWithin(narrow.filter, broad.filter);
}

/** For each filter: undefined when the broker must hold it, else the broader filter (held by the broker) that covers it. */
export function planSubscriptions<T extends PlannedFilter>(filters: T[]): Map<T, T | undefined> {
  const roots = filters.filter((g) => !filters.some((f) => covers(f, g)));
  // Covering is transitive, so whatever covers a filter, some root covers it too.
  return new Map(filters.map((g) => [g, roots.includes(g) ? undefined : roots.find((r) => covers(r, g))]));
}
