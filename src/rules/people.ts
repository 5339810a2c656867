// People as the rules see them: person devices `person_<user>` (from the OwnTracks adapter, or anything that publishes
// home/person_<user>/home), whose `home` is true or false. Who is home is read from the engine's state store.
import { idFromName } from '../devices/device-id.js';
import { byCodeUnit } from '../shared/compare.js';
import type { StateStore } from './types.js';

export const PERSON_PREFIX = 'person_';
const HOME_TOPIC = /^home\/(person_[a-z0-9_-]+)\/home$/;

/** `alice` or `person_alice` → `person_alice` (the id the registry gives OwnTracks user "alice"). */
export function personId(name: string): string {
  return idFromName(name.startsWith(PERSON_PREFIX) ? name : `${PERSON_PREFIX}${name}`);
}

/** `person_alice` → `alice`, for messages. */
export function userOf(id: string): string {
  return id.startsWith(PERSON_PREFIX) ? id.slice(PERSON_PREFIX.length) : id;
}

export function homeTopicOf(id: string): string {
  return `home/${id}/home`;
}

/** A `home` reading as a boolean (true, "true", "on", 1 …), undefined when there is none yet. */
export function isHome(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  return value === true || value === 1 || (typeof value === 'string' && ['true', 'on', 'home', '1'].includes(value.toLowerCase()));
}

/** Every person the engine knows, home or not, sorted by id. */
export function people(states: StateStore): Array<{ id: string; home: boolean }> {
  const out: Array<{ id: string; home: boolean }> = [];
  for (const [topic, value] of states.entries()) {
    const id = HOME_TOPIC.exec(topic)?.[1];
    const home = isHome(value);
    if (id && home !== undefined) out.push({ id, home });
  }
  return out.sort((a, b) => byCodeUnit(a.id, b.id));
}

/** Users at home, in words: "alice and bob", "nobody". */
export function listUsers(ids: string[]): string {
  const names = ids.map(userOf);
  if (names.length === 0) return 'nobody';
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
