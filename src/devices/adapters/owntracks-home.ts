// Whether one phone is home: from its own region events (OwnTracks' geofence, decided on the phone), else from the
// distance of its location fix to the configured home, with the fix's accuracy and a hysteresis so that GPS jitter
// at the edge of the radius does not make a person leave and arrive every few minutes.

export interface HomeRegion {
  /** Both or neither: without them, locations decide nothing and only the phone's own region events count. */
  latitude?: number;
  longitude?: number;
  /** Metres around the point that count as home. */
  radius: number;
  /** Metres beyond the radius a fix must be (after its accuracy) before a phone that was home counts as gone. */
  hysteresis: number;
  /** The name of the home region in the OwnTracks app (its `desc`), compared without case. */
  region: string;
}

export interface Fix {
  lat: number;
  lon: number;
  /** Accuracy in metres (OwnTracks leaves it out when 0). */
  acc?: number;
}

const EARTH_RADIUS_M = 6_371_008.8; // the mean radius (IUGG)

/** Great-circle distance in metres (haversine), good to well under a metre at the scale of a home. */
export function distanceMetres(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function hasPoint(home: HomeRegion): home is HomeRegion & { latitude: number; longitude: number } {
  return typeof home.latitude === 'number' && typeof home.longitude === 'number';
}

export function isHomeRegion(home: HomeRegion, name: unknown): boolean {
  return typeof name === 'string' && name.trim().toLowerCase() === home.region.trim().toLowerCase();
}

/**
 * A phone's verdict from a fix, given what it was before (undefined: nothing known yet), with the reason in words.
 * - Arriving: the fix is within the radius, giving it the benefit of its accuracy up to one more radius (a fix with
 *   a 2 km circle 150 m from a 100 m home is not proof of being home).
 * - Leaving: even the near edge of the fix's accuracy circle is beyond radius + hysteresis (a poor fix never makes
 *   anyone leave).
 * - Between the two, the phone keeps what it was; a first fix is home when it lies within the radius.
 */
export function judgeFix(
  home: HomeRegion & { latitude: number; longitude: number },
  fix: Fix,
  was: boolean | undefined,
): { home: boolean; distance: number; why: string } {
  const distance = distanceMetres(home, { latitude: fix.lat, longitude: fix.lon });
  const acc = Math.max(0, fix.acc ?? 0);
  const at = `${Math.round(distance)} m from home (±${Math.round(acc)} m)`;
  const inside = distance - Math.min(acc, home.radius) <= home.radius;
  const outside = distance - acc > home.radius + home.hysteresis;
  if (was === true)
    return { home: !outside, distance, why: outside ? `${at}, beyond ${home.radius} m + ${home.hysteresis} m` : `${at}, not surely gone` };
  if (was === false)
    return { home: inside, distance, why: inside ? `${at}, within ${home.radius} m` : `${at}, not within ${home.radius} m` };
  return { home: distance <= home.radius, distance, why: `${at}, first fix` };
}
