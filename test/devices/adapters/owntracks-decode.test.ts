// The OwnTracks adapter's decode as pure functions, table first: the home verdict of a fix (distance, accuracy,
// hysteresis), region events and inregions, several phones of one person, stale fixes, and what is not presence.
// Payloads are the OwnTracks booklet's (fixtures/owntracks.ts says where each comes from).
import { describe, expect, it } from 'vitest';
import { distanceMetres, judgeFix, type HomeRegion } from '../../../src/devices/adapters/owntracks-home.js';
import { owntracksAdapter } from '../../../src/devices/adapters/owntracks.js';
import type { Decoded } from '../../../src/devices/adapters/types.js';
import { HOME, location, lwt, north, transition } from '../fixtures/owntracks.js';

const REGION: HomeRegion & { latitude: number; longitude: number } = { ...HOME, radius: 100, hysteresis: 50, region: 'home' };
const ctx = { watch() {}, unwatch() {}, publish() {} };
const msg = (topic: string, payload: unknown) => ({
  topic,
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  retain: false,
});
const readings = (out: Decoded[]) =>
  out.filter((d) => d.kind === 'readings').map((d) => (d as Extract<Decoded, { kind: 'readings' }>).values);
const homeOf = (out: Decoded[]) => readings(out).find((v) => 'home' in v)?.home;

describe('distance', () => {
  it('is the great-circle distance (Paris to London about 343.5 km; 0.001° of latitude about 111 m)', () => {
    expect(distanceMetres({ latitude: 48.8566, longitude: 2.3522 }, { latitude: 51.5074, longitude: -0.1278 }) / 1000).toBeCloseTo(
      343.5,
      0,
    );
    expect(distanceMetres(HOME, { latitude: north(111.2), longitude: HOME.longitude })).toBeCloseTo(111.2, 0);
  });
});

describe('a fix against a home of 100 m with 50 m of hysteresis', () => {
  it.each([
    // [metres from home, accuracy, was home before, home now]
    [40, 10, undefined, true],
    [150, 10, undefined, false],
    [150, 80, false, true], // within 100 m give or take its accuracy
    [250, 2000, false, false], // a 2 km circle is no proof of being home: at most one radius of benefit
    [120, 10, true, true], // jitter at the edge: still home
    [160, 20, true, true], // 160 - 20 = 140, not beyond 150
    [170, 10, true, false], // 170 - 10 = 160, beyond 150: gone
    [900, 1000, true, true], // a poor fix never makes anyone leave
  ] as const)('%d m ±%d m, was home %s → home %s', (metres, acc, was, expected) => {
    expect(judgeFix(REGION, { lat: north(metres), lon: HOME.longitude, acc }, was).home).toBe(expected);
  });
});

describe('OwnTracks messages', () => {
  it('a first location makes a person device person_<user>, online, with home, since, battery and distance', () => {
    const a = owntracksAdapter('owntracks', REGION);
    const out = a.decode(msg('owntracks/alice/phone', location({ metres: 500, tst: 1_700_000_000, batt: 64 })), ctx);
    expect(out[0]).toMatchObject({ kind: 'device', key: 'alice', name: 'person_alice', manufacturer: 'OwnTracks' });
    expect(out).toContainEqual({ kind: 'availability', key: 'alice', online: true, reason: 'a person is always there' });
    expect(readings(out)).toEqual([{ battery: 64, distance: 500, home: false, since: '2023-11-14T22:13:20.000Z' }]);
  });

  it('arrives and leaves by distance, with since from the fix that changed it; unchanged fixes repeat no home', () => {
    const a = owntracksAdapter('owntracks', REGION);
    a.decode(msg('owntracks/alice/phone', location({ metres: 800, tst: 1000 })), ctx);
    expect(homeOf(a.decode(msg('owntracks/alice/phone', location({ metres: 400, tst: 1100 })), ctx))).toBeUndefined();
    const arrived = a.decode(msg('owntracks/alice/phone', location({ metres: 30, tst: 1200 })), ctx);
    expect(readings(arrived)).toEqual([{ battery: 87, distance: 30, home: true, since: new Date(1_200_000).toISOString() }]);
    expect(homeOf(a.decode(msg('owntracks/alice/phone', location({ metres: 400, tst: 1300 })), ctx))).toBe(false);
  });

  it('a transition of the home region (any case) decides at once; other regions and other events do not', () => {
    const a = owntracksAdapter('owntracks', REGION);
    a.decode(msg('owntracks/bob/phone', location({ metres: 5000, tst: 1000 })), ctx);
    expect(a.decode(msg('owntracks/bob/phone/event', transition('enter', 1010, 'Office')), ctx)).toEqual([]);
    expect(homeOf(a.decode(msg('owntracks/bob/phone/event', transition('enter', 1020)), ctx))).toBe(true);
    expect(homeOf(a.decode(msg('owntracks/bob/phone/event', transition('leave', 1030)), ctx))).toBe(false);
    const odd = a.decode(msg('owntracks/bob/phone/event', { ...transition('enter', 1040), event: 'dwell' }), ctx);
    expect(odd).toEqual([expect.objectContaining({ kind: 'problem', message: expect.stringContaining('neither enter nor leave') })]);
  });

  it('inregions naming the home region says home, even far from the configured point', () => {
    const a = owntracksAdapter('owntracks', REGION);
    expect(homeOf(a.decode(msg('owntracks/carol/tablet', location({ metres: 3000, tst: 1000, inregions: ['Garage', 'Home'] })), ctx))).toBe(
      true,
    );
  });

  it('a person with two phones is home while either is', () => {
    const a = owntracksAdapter('owntracks', REGION);
    expect(homeOf(a.decode(msg('owntracks/dave/phone', location({ metres: 10, tst: 1000 })), ctx))).toBe(true);
    expect(homeOf(a.decode(msg('owntracks/dave/watch', location({ metres: 9000, tst: 1001 })), ctx))).toBeUndefined();
    expect(homeOf(a.decode(msg('owntracks/dave/phone/event', transition('leave', 1002)), ctx))).toBe(false);
    expect(homeOf(a.decode(msg('owntracks/dave/watch', location({ metres: 20, tst: 1003 })), ctx))).toBe(true);
  });

  it('a fix older than one counted (a queue sent late) changes nothing; lwt, cards and commands are not presence', () => {
    const a = owntracksAdapter('owntracks', REGION);
    a.decode(msg('owntracks/erin/phone', location({ metres: 10, tst: 2000 })), ctx);
    const stale = a.decode(msg('owntracks/erin/phone', location({ metres: 9000, tst: 1500 })), ctx);
    expect(homeOf(stale)).toBeUndefined();
    expect(stale).toContainEqual(
      expect.objectContaining({ kind: 'problem', message: expect.stringContaining('older than one already counted') }),
    );
    expect(a.decode(msg('owntracks/erin/phone', lwt(2100)), ctx)).toEqual([]);
    expect(a.decode(msg('owntracks/erin/phone/cmd', { _type: 'cmd', action: 'reportLocation' }), ctx)).toEqual([]);
  });

  it("says what is wrong: not JSON, encrypted, and no home configured (then only the phone's region counts)", () => {
    const a = owntracksAdapter('owntracks', REGION);
    expect(a.decode(msg('owntracks/f/phone', 'lat=1'), ctx)).toEqual([expect.objectContaining({ kind: 'problem', reason: 'malformed' })]);
    expect(a.decode(msg('owntracks/f/phone', { _type: 'encrypted', data: 'xyz' }), ctx)[0]).toMatchObject({
      message: expect.stringContaining('clear the key in the app'),
    });
    const inert = owntracksAdapter('owntracks', { radius: 100, hysteresis: 50, region: 'home' });
    const out = inert.decode(msg('owntracks/g/phone', location({ tst: 1000 })), ctx);
    expect(homeOf(out)).toBeUndefined();
    expect(out).toContainEqual(
      expect.objectContaining({
        kind: 'problem',
        message: expect.stringContaining('no home location is configured (adapters.owntracks.home.latitude/longitude)'),
      }),
    );
    expect(homeOf(inert.decode(msg('owntracks/g/phone/event', transition('enter', 1001)), ctx))).toBe(true);
  });

  it('restores each phone from what the registry kept, so a retained fix replayed at start-up is not news', () => {
    const a = owntracksAdapter('owntracks', REGION);
    const out = a.decode(msg('owntracks/hal/phone', location({ metres: 10, tst: 1000 })), ctx);
    const native = [...out].reverse().find((d) => d.kind === 'device')!;
    const b = owntracksAdapter('owntracks', REGION);
    b.restore!([{ key: 'hal', id: 'person_hal', name: 'person_hal', native: (native as any).native, capabilities: {} }], ctx);
    expect(homeOf(b.decode(msg('owntracks/hal/phone', location({ metres: 10, tst: 1000 })), ctx))).toBeUndefined();
  });

  it("a phone's login may use its own user's topics only; commands to a person are refused in words", () => {
    const a = owntracksAdapter('owntracks', REGION);
    expect(a.credentialTopics('alice')).toEqual({ publish: ['owntracks/alice/#'], subscribe: ['owntracks/alice/#'] });
    expect(a.encode({ key: 'alice', id: 'person_alice', name: null, native: null, capabilities: {} }, 'home', false)).toMatch(
      /cannot be set/,
    );
  });
});
