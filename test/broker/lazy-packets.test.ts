// mqtt-packet's parser as the broker sets it up for each connection (src/broker/lazy-packets.ts): each packet made
// when its first byte arrives, one shared packet held between two. The same packets from the same bytes however TCP
// cuts them, errors and the packets after them included; and nothing of a connection's last message kept by its
// parser. (Every broker test reads its clients through such parsers.)
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { makePacketsLazily } from '../../src/broker/lazy-packets.js';
import { hardenParser } from '../../src/broker/strict-parser.js';
import { packetSamples, random } from '../helpers/mqtt-packets.js';

type Parser = ReturnType<typeof mqttPacket.parser> & { packet: unknown };

function reader(protocolVersion: 4 | 5, lazy: boolean) {
  const parser = mqttPacket.parser({ protocolVersion }) as Parser;
  // As the broker has it: the strict checks too (src/broker/broker.ts).
  hardenParser(parser as never);
  if (lazy) makePacketsLazily(parser as never);
  const got: Array<{ packet: object; copy: object }> = [];
  const errors: string[] = [];
  parser.on('packet', (p) => got.push({ packet: p, copy: snapshot(p) }));
  parser.on('error', (err) => errors.push(`${got.length}: ${err.message}`));
  return { parser, got, errors, left: [] as number[] };
}

/** A packet's fields as they are now, Buffers as their bytes. */
const snapshot = (p: object) => JSON.parse(JSON.stringify(p)) as object;

describe('packets made when their first byte arrives', () => {
  it('gives the same packets as the parser on its own, MQTT 3.1.1 and 5, a byte at a time or many at once', () => {
    const next = random(5);
    const { v4, v5 } = packetSamples();
    for (const [packets, protocolVersion] of [
      [v4, 4],
      [v5, 5],
    ] as const) {
      const bytes = Buffer.concat(packets.map((p) => mqttPacket.generate(p, { protocolVersion })));
      for (const size of [() => 1, () => 1 + next(40), () => 1 + next(5000), () => bytes.length]) {
        const lazy = reader(protocolVersion, true);
        const plain = reader(protocolVersion, false);
        for (let at = 0; at < bytes.length; ) {
          const piece = bytes.subarray(at, at + size());
          at += piece.length;
          lazy.left.push(lazy.parser.parse(piece));
          plain.left.push(plain.parser.parse(piece));
        }
        expect(lazy.got.map((g) => g.copy)).toEqual(plain.got.map((g) => g.copy));
        expect(lazy.got).toHaveLength(packets.length);
        expect(lazy.left).toEqual(plain.left);
        // Each packet its own object, not changed by what the parser read after it.
        expect(new Set(lazy.got.map((g) => g.packet)).size).toBe(packets.length);
        for (const g of lazy.got) expect(snapshot(g.packet)).toEqual(g.copy);
      }
    }
  });

  it('keeps nothing of the last packet between two, and the same for every connection', () => {
    const a = reader(4, true);
    const b = reader(4, true);
    const publish = (payload: string) =>
      mqttPacket.generate({
        cmd: 'publish',
        topic: 'home/kitchen/temperature',
        payload: Buffer.from(payload),
        qos: 0,
        dup: false,
        retain: false,
      });
    a.parser.parse(publish('21.5'));
    b.parser.parse(publish('19.0'));
    expect(a.got.map((g) => String((g.packet as { payload: Buffer }).payload))).toEqual(['21.5']);
    expect(a.parser.packet).toBe(b.parser.packet);
    expect(a.parser.packet).not.toBe(a.got[0]!.packet);
    expect(Object.isFrozen(a.parser.packet)).toBe(true);
    expect((a.parser.packet as Packet).length).toBe(-1);
    // Half a packet: that one is the parser's own until it is whole.
    const next = publish('22.0');
    a.parser.parse(next.subarray(0, 5));
    expect(a.parser.packet).not.toBe(b.parser.packet);
    a.parser.parse(next.subarray(5));
    expect(a.got.map((g) => String((g.packet as { payload: Buffer }).payload))).toEqual(['21.5', '22.0']);
    expect(a.parser.packet).toBe(b.parser.packet);
  });

  it('reports a malformed packet as before and reads the next ones after it', () => {
    const { v4 } = packetSamples();
    const good = Buffer.concat(v4.slice(2, 4).map((p) => mqttPacket.generate(p)));
    // A PUBLISH with QoS 3 ([MQTT-3.3.1-4]) and a PINGREQ with flags set ([MQTT-2.2.2-2]): the parser's own errors.
    const bad = [Buffer.from([0x36, 0x00]), Buffer.from([0xc1, 0x00])];
    for (const wrong of bad) {
      const lazy = reader(4, true);
      const plain = reader(4, false);
      for (const r of [lazy, plain]) for (const chunk of [good, wrong, good]) r.parser.parse(chunk);
      expect(lazy.errors).toEqual(plain.errors);
      expect(lazy.errors).toHaveLength(1);
      expect(lazy.got.map((g) => g.copy)).toEqual(plain.got.map((g) => g.copy));
      expect(lazy.got).toHaveLength(4);
    }
  });
});
