// The OwnTracks adapter (presence), after the OwnTracks booklet (docs/tech/json.md, features/waypoints.md): in MQTT
// mode a phone publishes `<base>/<user>/<device>` with `_type: location` (lat, lon, acc, tst, batt, inregions) and
// its broker-sent will `_type: lwt`, and `<base>/<user>/<device>/event` with `_type: transition` (event enter/leave of
// the region named `desc`). Each user is a person device `person_<user>`: `home` (any of their phones is home),
// `since` (ISO time of the fix that changed it), `battery` and `distance` (metres from home) of the latest fix.
// Coordinates are not kept: only the distance from home.
import { judgeFix, hasPoint, isHomeRegion, type HomeRegion } from './owntracks-home.js';
import type { Capability } from '../device-schema.js';
import { problem, type Adapter, type AdapterMessage, type Decoded, type KnownDevice } from './types.js';

export type { HomeRegion } from './owntracks-home.js';

/** One phone's last verdict and the time (s) of the message it came from; older messages (a queue sent late) lose. */
interface Phone {
  home: boolean | null;
  tst: number;
}

/** What the registry keeps for the adapter, so a restart knows each phone's verdict and when the person last changed. */
export interface OwnTracksNative {
  user: string;
  phones: Record<string, Phone>;
  home: boolean | null;
  since: string | null;
}

export const PERSON_CAPABILITIES: Record<string, Capability> = {
  home: { type: 'boolean', on: true, off: false, settable: false, deviceClass: 'presence', label: 'home' },
  since: { type: 'text', settable: false, deviceClass: 'timestamp', label: 'since' },
  battery: { type: 'number', unit: '%', min: 0, max: 100, settable: false, deviceClass: 'battery' },
  distance: { type: 'number', unit: 'm', min: 0, settable: false, deviceClass: 'distance' },
};

// A location or transition is a few hundred bytes; cards (`…/info`, with a face image) are not read at all.
const MAX_MESSAGE = 16 * 1024;

/** The person device id of an OwnTracks user (as the registry derives it from the device's name). */
export const personName = (user: string) => `person_${user}`;

/** The home verdict of a person: home if any phone says so, away if every phone that said something says away. */
export function personHome(phones: Record<string, Phone>): boolean | null {
  const verdicts = Object.values(phones)
    .map((p) => p.home)
    .filter((h): h is boolean => h !== null);
  return verdicts.length === 0 ? null : verdicts.includes(true);
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;

export function owntracksAdapter(base: string, home: HomeRegion): Adapter {
  const people = new Map<string, OwnTracksNative>();

  const person = (user: string): { p: OwnTracksNative; fresh: boolean } => {
    const known = people.get(user);
    if (known) return { p: known, fresh: false };
    const p: OwnTracksNative = { user, phones: {}, home: null, since: null };
    people.set(user, p);
    return { p, fresh: true };
  };

  const describe = (p: OwnTracksNative): Decoded => ({
    kind: 'device',
    key: p.user,
    name: personName(p.user),
    model: 'Person',
    manufacturer: 'OwnTracks',
    capabilities: PERSON_CAPABILITIES,
    native: structuredClone(p),
  });

  /** A phone's new verdict (from a message of time `tst`, seconds): the person's readings when they change. */
  const verdict = (user: string, device: string, tst: number, isHome: boolean | null, extra: Record<string, unknown>): Decoded[] => {
    const { p, fresh } = person(user);
    const out: Decoded[] = fresh
      ? [describe(p), { kind: 'availability', key: user, online: true, reason: 'a person is always there' }]
      : [];
    const before = p.phones[device];
    if (before && tst < before.tst) {
      // The app sends queued fixes after being offline: an older one must not undo a newer verdict.
      return [
        ...out,
        problem(
          `stale ${user}/${device}`,
          `${base}/${user}/${device} sent a fix older than one already counted; it does not change presence (logged once per phone)`,
        ),
      ];
    }
    const phoneChanged = before?.home !== isHome && isHome !== null;
    p.phones[device] = { home: isHome ?? before?.home ?? null, tst };
    const now = personHome(p.phones);
    const values: Record<string, unknown> = { ...extra };
    if (now !== null && now !== p.home) {
      p.home = now;
      p.since = new Date(tst * 1000).toISOString();
      values.home = now;
      values.since = p.since;
    }
    if (phoneChanged || values.home !== undefined) out.push(describe(p));
    if (Object.keys(values).length) out.push({ kind: 'readings', key: user, values });
    return out;
  };

  const onLocation = (user: string, device: string, m: Record<string, unknown>): Decoded[] => {
    const tst = num(m.tst) ?? Math.floor(Date.now() / 1000);
    const lat = num(m.lat);
    const lon = num(m.lon);
    const extra: Record<string, unknown> = {};
    const batt = num(m.batt);
    if (batt !== undefined) extra.battery = batt;
    const inRegions = Array.isArray(m.inregions) ? m.inregions : undefined;
    // The phone's own geofence says it is in the home region: that decides.
    if (inRegions?.some((r) => isHomeRegion(home, r))) return verdict(user, device, tst, true, extra);
    if (!hasPoint(home)) {
      return [
        ...verdict(user, device, tst, null, extra),
        problem(
          'no home',
          `no home location is configured (adapters.owntracks.home.latitude/longitude): OwnTracks locations do not decide who is home, only the phones' own region named "${home.region}" does (logged once)`,
        ),
      ];
    }
    if (lat === undefined || lon === undefined) {
      return [
        ...verdict(user, device, tst, null, extra),
        problem(
          `no fix ${user}/${device}`,
          `${base}/${user}/${device} sent a location without lat/lon; it does not change presence (logged once per phone)`,
          'malformed',
        ),
      ];
    }
    const was = people.get(user)?.phones[device]?.home;
    const judged = judgeFix(home, { lat, lon, acc: num(m.acc) }, was ?? undefined);
    extra.distance = Math.round(judged.distance / 10) * 10; // 10 m steps: enough for "almost home", not a track
    return verdict(user, device, tst, judged.home, extra);
  };

  const onTransition = (user: string, device: string, m: Record<string, unknown>): Decoded[] => {
    // Other regions (the office, a shop) are the phone's business; only the home region decides presence.
    if (!isHomeRegion(home, m.desc)) return [];
    if (m.event !== 'enter' && m.event !== 'leave') {
      return [
        problem(
          `event ${user}/${device}`,
          `${base}/${user}/${device}/event says event ${JSON.stringify(m.event)}, neither enter nor leave; ignored (logged once per phone)`,
          'malformed',
        ),
      ];
    }
    return verdict(user, device, num(m.tst) ?? Math.floor(Date.now() / 1000), m.event === 'enter', {});
  };

  return {
    name: 'owntracks',
    filters: [`${base}/+/+`, `${base}/+/+/event`],
    maxPayload: Number.POSITIVE_INFINITY, // checked below, per topic
    restore(devices: KnownDevice[]) {
      for (const d of devices) {
        const n = d.native as Partial<OwnTracksNative> | null;
        if (n && typeof n.user === 'string')
          people.set(d.key, { user: n.user, phones: { ...(n.phones ?? {}) }, home: n.home ?? null, since: n.since ?? null });
      }
    },
    decode(message: AdapterMessage): Decoded[] {
      if (message.payload.length === 0) return [];
      const [user, device, sub] = message.topic.slice(base.length + 1).split('/');
      if (!user || !device) return [];
      if (message.payload.length > MAX_MESSAGE) {
        return [
          problem(
            `huge ${user}/${device}`,
            `${message.topic} sent ${message.payload.length} bytes, more than an OwnTracks message (${MAX_MESSAGE}); ignored (logged once)`,
            'too_large',
          ),
        ];
      }
      let m: unknown;
      try {
        m = JSON.parse(message.payload.toString('utf8'));
      } catch {
        return [
          problem(
            `json ${user}/${device}`,
            `${message.topic} is not JSON, which OwnTracks always sends; ignored (logged once per phone)`,
            'malformed',
          ),
        ];
      }
      if (!m || typeof m !== 'object' || Array.isArray(m)) return [];
      const msg = m as Record<string, unknown>;
      if (msg._type === 'encrypted') {
        return [
          problem(
            `encrypted ${user}`,
            `${message.topic} is encrypted (the app's "encryption key" is set): Hearth cannot read it; clear the key in the app (logged once per user)`,
            'malformed',
          ),
        ];
      }
      if (sub === 'event') return msg._type === 'transition' ? onTransition(user, device, msg) : [];
      // `lwt`: the broker saw the phone's connection drop, which phones at home do all the time: not a departure.
      if (msg._type === 'location') return onLocation(user, device, msg);
      return [];
    },
    encode: () => "a person's presence comes from their phones (OwnTracks); it cannot be set",
    credentialTopics: (user) => ({ publish: [`${base}/${user}/#`], subscribe: [`${base}/${user}/#`] }),
  };
}
