// scripts/bl-lite.cjs' ByteList, which the bundle gives mqtt-packet's parser in place of bl's BufferList: the same
// answers to every call the parser makes, and the same packets from the same bytes however TCP cuts them. (The
// bundled hub reading real connections through it: test/cli/bundle-stand-ins.test.ts.)
import { createRequire } from 'node:module';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { packetSamples, random } from '../helpers/mqtt-packets.js';

const require = createRequire(import.meta.url);
type List = {
  length: number;
  append(buf: Buffer): unknown;
  consume(bytes: number): unknown;
  readUInt8(offset: number): number;
  readUInt16BE(offset: number): number;
  readUInt32BE(offset: number): number;
  slice(start?: number, end?: number): Buffer;
  toString(encoding?: BufferEncoding, start?: number, end?: number): string;
};
const byteList = require('../../scripts/bl-lite.cjs') as { (): List; BufferList: new () => List };

/** What a call answered, or the kind of error it threw. */
function answer(call: () => unknown): string {
  try {
    const value = call();
    return Buffer.isBuffer(value) ? `bytes ${value.toString('hex')}` : JSON.stringify(value);
  } catch (err) {
    return `threw ${(err as Error).constructor.name}`;
  }
}

describe('ByteList', () => {
  it('answers as bl does, over chunks of any size and after any consume, at the offsets the parser asks', () => {
    const next = random(7);
    let compared = 0;
    for (let round = 0; round < 5000; round++) {
      const lite = byteList();
      const bl = new byteList.BufferList();
      for (let i = 1 + next(4); i > 0; i--) {
        const chunk = Buffer.from(Array.from({ length: next(7) }, () => next(256)));
        lite.append(chunk);
        bl.append(chunk);
      }
      const consumed = next(9) - 1;
      lite.consume(consumed);
      bl.consume(consumed);
      // Offsets from 0 and ranges that do not end before they start: what mqtt-packet's parser asks, up to and past
      // the end of what there is.
      const at = next(12);
      const end = at + next(8);
      const calls: Array<(l: List) => unknown> = [
        (l) => l.length,
        (l) => l.readUInt8(at),
        (l) => l.readUInt16BE(at),
        (l) => l.readUInt32BE(at),
        (l) => l.slice(at, end),
        (l) => l.slice(at),
        (l) => l.slice(),
        (l) => l.toString('hex', at, end),
        (l) => l.toString('utf8', at, end),
        (l) => l.toString('hex'),
      ];
      for (const call of calls) {
        expect(
          answer(() => call(lite)),
          `round ${round}: ${call}`,
        ).toBe(answer(() => call(bl)));
        compared++;
      }
    }
    expect(compared).toBe(50_000);
  });

  it("gives mqtt-packet's parser the same packets as bl, MQTT 3.1.1 and 5, a byte at a time or many at once", () => {
    const { v4, v5 } = packetSamples();
    const next = random(11);
    for (const [packets, protocolVersion] of [
      [v4, 4],
      [v5, 5],
    ] as const) {
      const bytes = Buffer.concat(packets.map((p) => mqttPacket.generate(p as Packet, { protocolVersion })));
      const cuts: Array<[string, () => number]> = [
        ['a byte at a time', () => 1],
        ['1 to 40 bytes', () => 1 + next(40)],
        ['1 to 5,000 bytes', () => 1 + next(5000)],
        ['all at once', () => bytes.length],
      ];
      for (const [how, size] of cuts) {
        const read = (lite: boolean) => {
          const parser = mqttPacket.parser({ protocolVersion });
          if (lite) {
            // As the bundle has it: every list the parser makes (a new one after an error too) is a ByteList.
            const inner = parser as unknown as { _resetState(): void; _list: List };
            const reset = inner._resetState.bind(parser);
            inner._resetState = () => {
              reset();
              inner._list = byteList();
            };
            inner._resetState();
          }
          const got: unknown[] = [];
          parser.on('packet', (p) => got.push({ ...p }));
          parser.on('error', (err) => got.push(`error: ${err.message}`));
          const left: number[] = [];
          return { parser, got, left };
        };
        const lite = read(true);
        const bl = read(false);
        for (let at = 0; at < bytes.length; ) {
          const piece = bytes.subarray(at, at + size());
          at += piece.length;
          lite.left.push(lite.parser.parse(piece));
          bl.left.push(bl.parser.parse(piece));
        }
        expect(lite.got, `MQTT ${protocolVersion}, ${how}`).toEqual(bl.got);
        expect(lite.got).toHaveLength(packets.length);
        expect(lite.left, `MQTT ${protocolVersion}, ${how}: bytes left after each piece`).toEqual(bl.left);
      }
    }
  });
});
