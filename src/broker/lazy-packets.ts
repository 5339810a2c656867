// mqtt-packet's parser makes the object of a connection's next packet as soon as it has emitted one, and keeps it
// until that packet's first byte arrives, for a sensor half a second or a minute. The parser is old (it lives as long
// as the connection), the new packet young: V8's scavenger treats it as live through the parser, and with it the next
// message's topic and payload once they are set on it, however soon after that the message is done with. Under the
// rule-latency benchmark's background load (1,000 clients, 2,000 msg/s) each of the hub's scavenges promoted ~175 KB
// (~490 bytes a message, for a full collection to free later) and paused 1.1-1.2 ms at the median; with the next
// packet made when its first byte arrives, ~66 KB and 0.7-0.8 ms (docs/performance.md). Between two packets the parser
// holds one packet shared by all connections, never written: its length of -1 tells the parser, as a fresh packet's
// does, that no packet is under way.
interface Packet {
  length: number;
}

interface PacketParser {
  packet: Packet;
  _pos: number;
  _list: { consume(bytes: number): unknown };
  _parseHeader(): boolean;
  _newPacket(): boolean;
  emit(event: 'packet', packet: Packet): boolean;
}

/** mqtt-packet's Packet class and its own header step, found on the first parser given. */
let makePacket: (new () => Packet) | undefined;
let protoParseHeader: PacketParser['_parseHeader'] | undefined;
/** What a parser holds between two packets. */
let between: Packet | undefined;

/** Makes one connection's parser make each packet when its first byte arrives. Shared methods: nothing a connection. */
export function makePacketsLazily(parser: PacketParser): void {
  if (between === undefined) {
    makePacket = parser.packet.constructor as new () => Packet;
    protoParseHeader = Object.getPrototypeOf(parser)._parseHeader as PacketParser['_parseHeader'];
    between = Object.freeze(new makePacket());
  }
  parser._parseHeader = parseHeader;
  parser._newPacket = newPacket;
}

/** The packet's first byte: its own object from here on. */
function parseHeader(this: PacketParser): boolean {
  if (this.packet === between) this.packet = new makePacket!();
  return protoParseHeader!.call(this);
}

/** mqtt-packet's `_newPacket`, with the shared packet in place of a new one. */
function newPacket(this: PacketParser): boolean {
  const packet = this.packet;
  this._list.consume(packet.length);
  this.emit('packet', packet);
  this.packet = between!;
  this._pos = 0;
  return true;
}
