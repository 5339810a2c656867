// Faithful packet (de)serialisation for the SQLite persistence: every own key survives, `undefined` included,
// and the payload travels as a BLOB instead of a JSON array of bytes.
const UNDEFINED = '\u0000undefined';

export interface EncodedPacket {
  meta: string;
  payload: Buffer | null;
}

export function encodePacket(packet: object): EncodedPacket {
  const p = packet as Record<string, unknown>;
  const payload = p.payload;
  const meta: Record<string, unknown> = {};
  for (const key of Object.keys(p)) {
    if (key === 'payload') continue;
    const value = p[key];
    meta[key] = value === undefined ? UNDEFINED : value;
  }
  let buffer: Buffer | null = null;
  if (Buffer.isBuffer(payload)) buffer = payload;
  else if (typeof payload === 'string') {
    buffer = Buffer.from(payload);
    meta.__payloadString = true;
  } else if (payload !== undefined) meta.__payloadMissing = payload === null ? 'null' : 'other';
  return { meta: JSON.stringify(meta), payload: buffer };
}

export function decodePacket(meta: string, payload: Buffer | null): Record<string, any> {
  const parsed = JSON.parse(meta) as Record<string, unknown>;
  const out: Record<string, any> = {};
  const payloadString = parsed.__payloadString === true;
  const missing = parsed.__payloadMissing;
  delete parsed.__payloadString;
  delete parsed.__payloadMissing;
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'payloadIndex') continue;
    out[key] = value === UNDEFINED ? undefined : value;
  }
  // Keep the key order aedes-packet gives (payload after topic) only where it matters: deepEqual ignores order.
  if (payload !== null) out.payload = payloadString ? payload.toString() : Buffer.from(payload);
  else if (missing === 'null') out.payload = null;
  if (out.properties && typeof out.properties === 'object') reviveBuffers(out.properties);
  return out;
}

// MQTT 5 properties may hold Buffers (correlation data); JSON turned them into { type: 'Buffer', data }.
function reviveBuffers(obj: Record<string, any>): void {
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data)) obj[k] = Buffer.from(v.data);
    else if (v && typeof v === 'object') reviveBuffers(v);
  }
}
