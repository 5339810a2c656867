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

/** Makes one connection's parser refuse what the specification forbids; the broker then drops that client. */
export function hardenParser(parser: PacketParser): void {
  const parseString = parser._parseString.bind(parser);
  parser._parseString = (maybeBuffer) => {
    const start = parser._pos;
    const result = parseString(maybeBuffer);
    if (result === null) return null;
    // Invalid UTF-8 always decodes with U+FFFD; only then are the bytes worth checking (U+FFFD itself is valid).
    if (result.includes('\u0000') || (result.includes('\uFFFD') && !isUtf8(parser._list.slice(start + 2, parser._pos)))) {
      parser._emitError(new Error('a string is not valid UTF-8 or holds U+0000 [MQTT-1.5.3-1, MQTT-1.5.3-2]'));
      return null;
    }
    return result;
  };
  const parseUnsubscribe = parser._parseUnsubscribe.bind(parser);
  parser._parseUnsubscribe = () => {
    parseUnsubscribe();
    if (!parser.error && parser.packet.unsubscriptions?.length === 0)
      parser._emitError(new Error('UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]'));
  };
}
