// MQTT protocol fuzzing: raw byte sequences a bad client sends on a fresh TCP socket, from a seeded PRNG so any
// failing case can be reproduced from its seed and index. Each case says what the broker must do with it:
//   'close'  the hub MUST drop the connection (MQTT 3.1.1 calls it a protocol violation or malformed packet,
//            section 4.8: "if the Server encounters a protocol violation, it MUST close the Network Connection",
//            or it is over the hub's own documented limit, mqtt.maxPacketSize);
//   'open'   a well-formed, authorised exchange: the hub accepts it and keeps the connection open;
//   'any'    the outcome is legitimately either (a truncated packet makes a conforming server wait for the rest;
//            a mutated packet may still be valid): only "no crash, no leak" is required.
import mqttPacket from 'mqtt-packet';

export type FuzzExpect = 'close' | 'open' | 'any';

export interface FuzzCase {
  /** Index in the generated sequence: `generateCases(seed, n)[index]` reproduces it. */
  index: number;
  kind: string;
  bytes: Buffer;
  expect: FuzzExpect;
  /** Why the expectation holds (the spec rule for 'close' cases). */
  why: string;
  /** Starts with a valid authenticated CONNECT, so the bytes after it reach the post-CONNECT parser. */
  authenticated: boolean;
  /** The hub must never answer CONNACK 0 (accepted) to this sequence. */
  mustNotAccept: boolean;
}

export interface FuzzOptions {
  username: string;
  password: string;
  /** The hub's mqtt.maxPacketSize; a declared size over it MUST be dropped. */
  maxPacketSize?: number;
}

/** mulberry32: small, fast, and the same sequence on every platform for a given 32-bit seed. */
export function createRng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1)); // inclusive
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  return { next, int, pick, bytes, chance: (p: number) => next() < p };
}
export type Rng = ReturnType<typeof createRng>;

/** Hex of the first `max` bytes, for assertion messages. */
export function hex(bytes: Buffer, max = 96): string {
  const shown = bytes.subarray(0, max).toString('hex').replace(/(..)/g, '$1 ').trim();
  return bytes.length > max ? `${shown} … (${bytes.length} bytes)` : shown;
}

const gen = (packet: Record<string, unknown>): Buffer => mqttPacket.generate(packet as any);

// Ill-formed UTF-8 [MQTT-1.5.3-1] and U+0000 [MQTT-1.5.3-2]: the receiver MUST close the connection.
export const BAD_UTF8: ReadonlyArray<{ name: string; bytes: number[] }> = [
  { name: 'byte 0xFF', bytes: [0xff] },
  { name: 'lone continuation byte', bytes: [0x80] },
  { name: 'truncated 2-byte sequence', bytes: [0xc3, 0x28] },
  { name: 'overlong NUL', bytes: [0xc0, 0x80] },
  { name: 'UTF-16 surrogate U+D800', bytes: [0xed, 0xa0, 0x80] },
  { name: '5-byte sequence', bytes: [0xf8, 0x88, 0x80, 0x80, 0x80] },
  { name: 'U+0000', bytes: [0x00] },
];

/** Replaces the (unique) ASCII `marker` in `packet` by `bytes` of the same length. */
function patch(packet: Buffer, marker: string, bytes: number[]): Buffer {
  const at = packet.indexOf(Buffer.from(marker, 'latin1'));
  if (at < 0 || marker.length !== bytes.length) throw new Error(`marker ${marker} not found`);
  const out = Buffer.from(packet);
  Buffer.from(bytes).copy(out, at);
  return out;
}

/** Splits `bytes` into MQTT frames by their fixed headers, as the hub's size guard and parser see them. */
export function frames(
  bytes: Buffer,
): Array<{ type: number; flags: number; declared: number; complete: boolean; malformedLength: boolean }> {
  const out: Array<{ type: number; flags: number; declared: number; complete: boolean; malformedLength: boolean }> = [];
  let i = 0;
  while (i < bytes.length) {
    const type = bytes[i]! >> 4;
    const flags = bytes[i]! & 0x0f;
    let j = i + 1;
    let length = 0;
    let multiplier = 1;
    let n = 0;
    let ended = false;
    while (j < bytes.length && n < 4) {
      const b = bytes[j++]!;
      length += (b & 0x7f) * multiplier;
      multiplier *= 128;
      n++;
      if ((b & 0x80) === 0) {
        ended = true;
        break;
      }
    }
    if (!ended) {
      out.push({ type, flags, declared: length, complete: false, malformedLength: n >= 4 });
      return out;
    }
    const complete = j + length <= bytes.length;
    out.push({ type, flags, declared: 1 + n + length, complete, malformedLength: false });
    if (!complete) return out;
    i = j + length;
  }
  return out;
}

/**
 * Generates `count` cases from `seed`. Case `i` depends only on the seed and the cases before it, so a failing
 * case is reproduced by `generateCases(seed, i + 1)[i]`.
 */
export function generateCases(seed: number, count: number, options: FuzzOptions): FuzzCase[] {
  const rng = createRng(seed);
  const maxPacketSize = options.maxPacketSize ?? 256 * 1024;
  const cases: FuzzCase[] = [];
  const clientId = (i: number) => `fz${seed.toString(36)}-${i}`;
  const authConnect = (i: number) =>
    gen({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      clientId: clientId(i),
      username: options.username,
      password: Buffer.from(options.password),
    });
  // No credentials: refused by the hub (anonymous access is off) without counting as a failed login, so mutating
  // it cannot get the fuzzer's address rate-limited.
  const anonConnect = (i: number) =>
    gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: clientId(i) });
  // A few fixed topics under one device: the fuzz run must not grow the hub's registry without bound.
  const topic = () => `home/fuzzx/p${rng.int(0, 4)}`;
  const validPacket = (): Buffer => {
    const messageId = rng.int(1, 65535);
    switch (rng.int(0, 8)) {
      case 0:
        return gen({ cmd: 'publish', topic: topic(), payload: rng.bytes(rng.int(0, 40)), qos: 0, retain: false, dup: false });
      case 1:
        return gen({ cmd: 'publish', topic: topic(), payload: String(rng.int(0, 1000)), qos: 1, messageId, retain: false, dup: false });
      case 2:
        return gen({ cmd: 'publish', topic: topic(), payload: 'x', qos: 2, messageId, retain: false, dup: false });
      case 3:
        return gen({
          cmd: 'subscribe',
          messageId,
          subscriptions: [{ topic: rng.pick(['home/fuzzx/#', 'home/+/p1', 'home/fuzzx/p2']), qos: rng.int(0, 2) }],
        });
      case 4:
        return gen({ cmd: 'unsubscribe', messageId, unsubscriptions: ['home/fuzzx/#'] });
      case 5:
        return gen({ cmd: 'pingreq' });
      case 6:
        return gen({ cmd: 'puback', messageId });
      case 7:
        return gen({ cmd: 'pubrel', messageId });
      default:
        return gen({ cmd: 'pubrec', messageId });
    }
  };
  const validTail = () => Buffer.concat(Array.from({ length: rng.int(1, 4) }, validPacket));

  const mutate = (input: Buffer): Buffer => {
    let b = Buffer.from(input);
    const ops = rng.int(1, 4);
    for (let k = 0; k < ops && b.length > 0; k++) {
      const at = rng.int(0, b.length - 1);
      switch (rng.int(0, 6)) {
        case 0:
          b[at] = b[at]! ^ rng.int(1, 255);
          break; // flip bits
        case 1:
          b[at] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0xc0, 0x01]);
          break; // interesting value
        case 2:
          b = b.subarray(0, Math.max(1, at));
          break; // truncate
        case 3: {
          // duplicate a slice in place
          const end = rng.int(at, Math.min(b.length, at + 16));
          b = Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
          break;
        }
        case 4:
          b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.int(1, 8)))]);
          break; // delete
        case 5:
          b = Buffer.concat([b.subarray(0, at), rng.bytes(rng.int(1, 8)), b.subarray(at)]);
          break; // insert noise
        default:
          b = Buffer.concat([b, b.subarray(at)]);
          break; // duplicate a tail (often a whole packet)
      }
    }
    return b.length > 0 ? b : Buffer.from([0]);
  };

  const kinds: Array<[number, (i: number) => Omit<FuzzCase, 'index'>]> = [
    [
      3,
      (i) => {
        // remaining length with 5+ continuation bytes [MQTT-2.2.3]: malformed
        const auth = rng.chance(0.5);
        const type = rng.pick([0x10, 0x30, 0x32, 0x82, 0xc0, 0xe0]);
        const extra = rng.int(5, 9);
        const len = Array.from({ length: extra }, (_, k) => (k < extra - 1 ? rng.int(0x80, 0xff) : rng.int(0, 0x7f)));
        return {
          kind: 'length-continuation',
          bytes: Buffer.concat([auth ? authConnect(i) : Buffer.alloc(0), Buffer.from([type, ...len]), rng.bytes(rng.int(0, 8))]),
          expect: 'close',
          why: 'remaining length over 4 bytes is malformed [MQTT-2.2.3], section 4.8',
          authenticated: auth,
          mustNotAccept: !auth,
        };
      },
    ],
    [
      3,
      (i) => {
        // a huge declared remaining length, then a few bytes
        const auth = rng.chance(0.5);
        const type = rng.pick([0x10, 0x30, 0x82]);
        const len = rng.pick([
          [0xff, 0xff, 0xff, 0x7f],
          [0x80, 0x80, 0x80, 0x01],
          [0x81, 0x80, 0x10],
        ]); // 268435455, 2097152, 262145
        return {
          kind: 'huge-length',
          bytes: Buffer.concat([auth ? authConnect(i) : Buffer.alloc(0), Buffer.from([type, ...len]), rng.bytes(rng.int(0, 16))]),
          expect: 'close',
          why: `declared size over mqtt.maxPacketSize (${maxPacketSize})`,
          authenticated: auth,
          mustNotAccept: !auth,
        };
      },
    ],
    [
      4,
      (i) => {
        // truncated packets: a conforming server waits for the rest
        const auth = rng.chance(0.6);
        const packet = auth ? validPacket() : authConnect(i);
        const cut = packet.subarray(0, rng.int(1, packet.length - 1));
        return {
          kind: 'truncated',
          bytes: Buffer.concat([auth ? authConnect(i) : Buffer.alloc(0), cut]),
          expect: 'any',
          why: 'incomplete packet',
          authenticated: auth,
          mustNotAccept: !auth,
        };
      },
    ],
    [
      5,
      () => {
        // a complete packet other than CONNECT first [MQTT-3.1.0-1]
        const first = rng.pick([
          () => gen({ cmd: 'publish', topic: topic(), payload: 'x', qos: 0, retain: false, dup: false }),
          () => gen({ cmd: 'publish', topic: topic(), payload: 'x', qos: 1, messageId: 1, retain: rng.chance(0.5), dup: false }),
          () => gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 1 }] }),
          () => gen({ cmd: 'unsubscribe', messageId: 1, unsubscriptions: ['#'] }),
          () => gen({ cmd: 'pingreq' }),
          () => gen({ cmd: 'puback', messageId: 7 }),
          () => gen({ cmd: 'disconnect' }),
          () => gen({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
        ])();
        return {
          kind: 'before-connect',
          bytes: Buffer.concat([first, rng.chance(0.3) ? validTail() : Buffer.alloc(0)]),
          expect: 'close',
          why: 'first packet is not CONNECT [MQTT-3.1.0-1]',
          authenticated: false,
          mustNotAccept: true,
        };
      },
    ],
    [
      5,
      (i) => {
        // a second CONNECT [MQTT-3.1.0-2]
        const second = rng.chance(0.5) ? authConnect(i) : anonConnect(i + 1_000_000);
        return {
          kind: 'second-connect',
          bytes: Buffer.concat([authConnect(i), rng.chance(0.5) ? validPacket() : Buffer.alloc(0), second]),
          expect: 'close',
          why: 'second CONNECT is a protocol violation [MQTT-3.1.0-2]',
          authenticated: true,
          mustNotAccept: false,
        };
      },
    ],
    [
      4,
      (i) => {
        // protocol name other than "MQTT" [MQTT-3.1.2-1]
        const name = rng.pick(['MQTX', 'mqtt', 'MQT', 'MQTTT', 'HTTP', 'MQIs']);
        const bytes = patch(
          gen({
            cmd: 'connect',
            protocolId: 'QQQQ'.slice(0, name.length).padEnd(name.length, 'Q'),
            protocolVersion: 4,
            clean: true,
            keepalive: 60,
            clientId: clientId(i),
            username: options.username,
            password: Buffer.from(options.password),
          }),
          'Q'.repeat(name.length),
          [...Buffer.from(name)],
        );
        return {
          kind: 'bad-protocol-name',
          bytes,
          expect: 'close',
          why: `protocol name ${JSON.stringify(name)} is not MQTT [MQTT-3.1.2-1]; the hub speaks no other protocol`,
          authenticated: false,
          mustNotAccept: true,
        };
      },
    ],
    [
      4,
      (i) => {
        // unsupported protocol level [MQTT-3.1.2-2]: CONNACK 0x01, then close
        const level = rng.pick([0, 1, 2, 6, 7, 0x7f, 0xff]);
        const bytes = authConnect(i);
        const at = bytes.indexOf(Buffer.from('MQTT')) + 4;
        bytes[at] = level;
        return {
          kind: 'bad-protocol-level',
          bytes,
          expect: 'close',
          why: `protocol level ${level} is unsupported [MQTT-3.1.2-2]`,
          authenticated: false,
          mustNotAccept: true,
        };
      },
    ],
    [
      5,
      (i) => {
        // ill-formed UTF-8 in the client id [MQTT-1.5.3-1]
        const bad = rng.pick(BAD_UTF8);
        const marker = 'Z'.repeat(bad.bytes.length);
        const bytes = patch(
          gen({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 4,
            clean: true,
            keepalive: 60,
            clientId: `${clientId(i)}-${marker}`,
            username: options.username,
            password: Buffer.from(options.password),
          }),
          marker,
          bad.bytes,
        );
        return {
          kind: 'bad-utf8-client-id',
          bytes,
          expect: 'close',
          why: `client id has ${bad.name} [MQTT-1.5.3-1/2]`,
          authenticated: false,
          mustNotAccept: true,
        };
      },
    ],
    [
      5,
      (i) => {
        // ill-formed UTF-8 in a topic name or filter, after a valid CONNECT [MQTT-1.5.3-1]
        const bad = rng.pick(BAD_UTF8);
        const marker = 'Z'.repeat(bad.bytes.length);
        const packet = rng.chance(0.6)
          ? gen({
              cmd: 'publish',
              topic: `home/fuzzx/${marker}`,
              payload: 'x',
              qos: rng.int(0, 1),
              messageId: 3,
              retain: false,
              dup: false,
            })
          : gen({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: `home/fuzzx/${marker}`, qos: 0 }] });
        return {
          kind: 'bad-utf8-topic',
          bytes: Buffer.concat([authConnect(i), patch(packet, marker, bad.bytes)]),
          expect: 'close',
          why: `${packet[0]! >> 4 === 3 ? 'PUBLISH topic' : 'SUBSCRIBE filter'} has ${bad.name} [MQTT-1.5.3-1/2]`,
          authenticated: true,
          mustNotAccept: false,
        };
      },
    ],
    [
      4,
      (i) => {
        // wildcards in a PUBLISH topic name [MQTT-3.3.2-2]
        const t = rng.pick(['home/+/x', 'home/fuzzx/#', '#', '+', 'home/a+b/c', 'home/fuzzx/p#']);
        return {
          kind: 'wildcard-publish',
          bytes: Buffer.concat([
            authConnect(i),
            gen({ cmd: 'publish', topic: t, payload: 'x', qos: rng.int(0, 1), messageId: 5, retain: false, dup: false }),
          ]),
          expect: 'close',
          why: `PUBLISH topic ${JSON.stringify(t)} has a wildcard [MQTT-3.3.2-2]`,
          authenticated: true,
          mustNotAccept: false,
        };
      },
    ],
    [
      3,
      (i) => {
        // QoS 3 [MQTT-3.3.1-4]
        const auth = rng.chance(0.8);
        const packet = gen({ cmd: 'publish', topic: topic(), payload: 'x', qos: 1, messageId: 9, retain: rng.chance(0.3), dup: false });
        packet[0] = packet[0]! | 0x06;
        return {
          kind: 'publish-qos3',
          bytes: Buffer.concat([auth ? authConnect(i) : Buffer.alloc(0), packet]),
          expect: 'close',
          why: 'PUBLISH with both QoS bits set [MQTT-3.3.1-4]',
          authenticated: auth,
          mustNotAccept: !auth,
        };
      },
    ],
    [
      3,
      (i) => {
        // reserved packet types 0 and 15 [MQTT-2.2.1]
        const auth = rng.chance(0.7);
        const type = rng.pick([0x00, 0xf0, 0x0f, 0xf2]);
        const body = rng.bytes(rng.int(0, 6));
        return {
          kind: 'reserved-type',
          bytes: Buffer.concat([auth ? authConnect(i) : Buffer.alloc(0), Buffer.from([type, body.length]), body]),
          expect: 'close',
          why: `reserved packet type ${type >> 4} (section 2.2.1, 4.8)`,
          authenticated: auth,
          mustNotAccept: !auth,
        };
      },
    ],
    [
      4,
      (i) => {
        // reserved fixed-header flags [MQTT-2.2.2-2], e.g. SUBSCRIBE must be 0010 [MQTT-3.8.1-1]
        const [packet, flags, rule] = rng.pick([
          [
            gen({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'home/fuzzx/#', qos: 0 }] }),
            rng.pick([0x0, 0x1, 0x3, 0x8, 0xa, 0xf]),
            'MQTT-3.8.1-1',
          ],
          [gen({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['home/fuzzx/#'] }), rng.pick([0x0, 0x3]), 'MQTT-3.10.1-1'],
          [gen({ cmd: 'pubrel', messageId: 2 }), rng.pick([0x0, 0x4]), 'MQTT-3.6.1-1'],
          [gen({ cmd: 'puback', messageId: 2 }), 0x2, 'MQTT-2.2.2-2'],
          [gen({ cmd: 'pingreq' }), 0x1, 'MQTT-2.2.2-2'],
        ] as Array<[Buffer, number, string]>);
        packet[0] = (packet[0]! & 0xf0) | flags;
        return {
          kind: 'bad-header-flags',
          bytes: Buffer.concat([authConnect(i), packet]),
          expect: 'close',
          why: `reserved header flags ${flags.toString(2).padStart(4, '0')} [${rule}]`,
          authenticated: true,
          mustNotAccept: false,
        };
      },
    ],
    [
      3,
      (i) => {
        // SUBSCRIBE / UNSUBSCRIBE without a topic filter [MQTT-3.8.3-3] [MQTT-3.10.3-2]
        const sub = rng.chance(0.7);
        const id = rng.int(1, 65535);
        return {
          kind: 'no-topics',
          bytes: Buffer.concat([authConnect(i), Buffer.from([sub ? 0x82 : 0xa2, 0x02, id >> 8, id & 0xff])]),
          expect: 'close',
          why: `${sub ? 'SUBSCRIBE [MQTT-3.8.3-3]' : 'UNSUBSCRIBE [MQTT-3.10.3-2]'} with no topic filter`,
          authenticated: true,
          mustNotAccept: false,
        };
      },
    ],
    [
      3,
      (i) => {
        // empty topic name or filter [MQTT-4.7.3-1]
        const packet = rng.pick([
          Buffer.from([0x30, 0x04, 0x00, 0x00, 0x68, 0x69]), // PUBLISH QoS 0, topic "", payload "hi"
          Buffer.from([0x32, 0x06, 0x00, 0x00, 0x00, 0x01, 0x68, 0x69]), // PUBLISH QoS 1
          Buffer.from([0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00]), // SUBSCRIBE filter ""
          Buffer.from([0xa2, 0x04, 0x00, 0x01, 0x00, 0x00]), // UNSUBSCRIBE filter ""
        ]);
        return {
          kind: 'empty-topic',
          bytes: Buffer.concat([authConnect(i), packet]),
          expect: 'close',
          why: 'zero-length topic name or filter [MQTT-4.7.3-1]',
          authenticated: true,
          mustNotAccept: false,
        };
      },
    ],
    [
      6,
      () => {
        // random bytes
        const bytes = rng.bytes(rng.int(1, 200));
        const first = frames(bytes)[0]!;
        // The hub can only be required to act on what it can see: a malformed or oversized length, or a complete
        // first packet that is not CONNECT. A CONNECT-typed or incomplete first frame may make it (rightly) wait.
        const must = first.malformedLength || first.declared > maxPacketSize || (first.complete && first.type !== 1);
        return {
          kind: 'random',
          bytes,
          expect: must ? 'close' : 'any',
          why: first.malformedLength
            ? 'malformed remaining length'
            : first.declared > maxPacketSize
              ? 'over mqtt.maxPacketSize'
              : must
                ? 'first packet is not CONNECT [MQTT-3.1.0-1]'
                : 'ambiguous',
          authenticated: false,
          mustNotAccept: true,
        };
      },
    ],
    [
      14,
      (i) => {
        // mutations of a valid exchange after a valid CONNECT (the CONNECT itself is kept intact)
        return {
          kind: 'mutation-after-connect',
          bytes: Buffer.concat([authConnect(i), mutate(validTail())]),
          expect: 'any',
          why: 'mutation',
          authenticated: true,
          mustNotAccept: false,
        };
      },
    ],
    [
      8,
      (i) => {
        // mutations of a whole anonymous exchange, CONNECT included
        return {
          kind: 'mutation',
          bytes: mutate(Buffer.concat([anonConnect(i), validTail()])),
          expect: 'any',
          why: 'mutation',
          authenticated: false,
          mustNotAccept: true,
        };
      },
    ],
    [
      3,
      (i) => {
        // controls: a valid exchange stays open, which shows the runner tells "closed by the hub" apart
        const bytes = Buffer.concat([
          authConnect(i),
          gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'home/fuzzx/#', qos: 1 }] }),
          gen({ cmd: 'publish', topic: topic(), payload: 'ok', qos: 1, messageId: 2, retain: false, dup: false }),
          gen({ cmd: 'pingreq' }),
        ]);
        return {
          kind: 'valid-control',
          bytes,
          expect: 'open',
          why: 'valid authenticated exchange',
          authenticated: true,
          mustNotAccept: false,
        };
      },
    ],
  ];
  const total = kinds.reduce((s, [w]) => s + w, 0);
  for (let index = 0; index < count; index++) {
    let r = rng.next() * total;
    const make =
      kinds.find(([w]) => {
        r -= w;
        return r < 0;
      })?.[1] ?? kinds[kinds.length - 1]![1];
    cases.push({ index, ...make(index) });
  }
  return cases;
}
