// What mqtt-packet's parser lets through although MQTT 3.1.1 says the server must close the connection: strings
// that are not valid UTF-8 or hold U+0000 (client ids, usernames, topics, filters; [MQTT-1.5.3-1], [MQTT-1.5.3-2])
// and an UNSUBSCRIBE without a filter ([MQTT-3.10.3-2]). Without this, distinct invalid byte strings decode to the
// same topic (with U+FFFD in place of the bad bytes) and reach the ACL and the rules as if they were that topic.
import { isUtf8 } from 'node:buffer';

interface PacketParser {
  _pos: number;
  _list: { slice(start: number, end: number): Buffer };
  packet: { unsubscriptions?: string[] };
  error?: Error;
  _parseString(maybeBuffer?: unknown): string | null;
  _parseUnsubscribe(): void;
  _emitError(err: Error): void;
}

/** mqtt-packet's own methods, which the strict ones call (found on the first parser hardened). */
let proto: Pick<PacketParser, '_parseString' | '_parseUnsubscribe'> | undefined;

/**
 * Makes one connection's parser refuse what the specification forbids; the broker then drops that client. The
 * methods are shared by every parser (mqtt-packet calls them as its own): no closure or bound function a connection.
 */
export function hardenParser(parser: PacketParser): void {
  proto ??= Object.getPrototypeOf(parser) as PacketParser;
  parser._parseString = strictParseString;
  parser._parseUnsubscribe = strictParseUnsubscribe;
}

function strictParseString(this: PacketParser, maybeBuffer?: unknown): string | null {
  const start = this._pos;
  const result = proto!._parseString.call(this, maybeBuffer);
  if (result === null) return null;
  // Invalid UTF-8 always decodes with U+FFFD; only then are the bytes worth checking (U+FFFD itself is valid).
  if (result.includes('\u0000') || (result.includes('\uFFFD') && !isUtf8(this._list.slice(start + 2, this._pos)))) {
    this._emitError(new Error('a string is not valid UTF-8 or holds U+0000 [MQTT-1.5.3-1, MQTT-1.5.3-2]'));
    return null;
  }
  return result;
}

function strictParseUnsubscribe(this: PacketParser): void {
  proto!._parseUnsubscribe.call(this);
  if (!this.error && this.packet.unsubscriptions?.length === 0)
    this._emitError(new Error('UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]'));
}
