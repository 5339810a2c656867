// One object per client connection: its count against the limits, the size of its packets, and its flow control.
//
// Flow control. aedes waits for a full socket to drain before it finishes routing a message, and routes at most
// 100 messages at once: a subscriber that reads slowly throttles the publishers (back-pressure, fine), but
// one that stops reading stalls every client for up to aedes' 60 s drain timeout. Here a client whose socket has
// not drained for `stallMs` counts as stuck: aedes is released at once and stops waiting for it, QoS 0 messages to
// it are dropped while more than half the buffer limit waits (as Mosquitto does), and past the limit (QoS 1/2
// messages, which must not be dropped) it is disconnected; its persistent session keeps them. Once its socket
// drains again it is treated as a reader again.
//
// The state is fields of that object: the socket's listeners, its `write` and its parser's `parse` are functions
// shared by all connections, which find their connection on the socket or the parser. The closures, bound functions
// and `once` wrappers per connection they replaced held ~1.6 KB of heap a client (docs/performance.md).
import type { Duplex } from 'node:stream';
import { PacketSizeGuard } from './packet-size-guard.js';

/** What the broker does when a client stops reading, loses a QoS 0 message, is cut off, or its connection closes. */
export interface ConnectionHooks {
  onStuck(connection: ClientConnection): void;
  onDrop(connection: ClientConnection): void;
  onCut(connection: ClientConnection): void;
  onClose(connection: ClientConnection): void;
  /** A packet over the size limit was announced; the connection is closed after this. */
  onOversize(connection: ClientConnection, size: number): void;
}

export interface ConnectionOptions {
  /** Largest packet, checked on its declared size before the parser buffers its body. */
  maxPacketSize: number;
  /** Most bytes waiting to be sent to the client; beyond it the client is disconnected. */
  maxBufferBytes: number;
  /** How long a full socket may keep aedes waiting before the client counts as stuck. */
  stallMs: number;
}

interface DeliveringClient {
  id?: string | null;
  deliver0(packet: unknown, cb: () => void): void;
}

/** What aedes' client reads its packets with (mqtt-packet's parser). */
export interface PacketParser {
  parse(buf: Buffer): unknown;
}

const CONNECTION = Symbol('hearth.connection');
type WatchedSocket = Duplex & { [CONNECTION]: ClientConnection };
type GuardedParser = PacketParser & { [CONNECTION]: ClientConnection };
type Write = (this: Duplex, chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;

/** One client's connection: its address and flow control, for the broker's limits and log lines. */
export class ClientConnection {
  readonly conn: Duplex;
  readonly address: string;
  /** aedes' client, once `watch` was given it. */
  client: DeliveringClient | undefined = undefined;
  /** QoS 0 messages dropped while it did not read. */
  drops = 0;
  stuck = false;
  stall: NodeJS.Timeout | undefined = undefined;
  releasing = false;
  corked = false;
  closed = false;
  readonly options: ConnectionOptions;
  readonly hooks: ConnectionHooks;
  /** The socket's write as `watch` found it (its prototype's), called with the socket as `this`. */
  write: Write | undefined = undefined;
  readonly sizeGuard: PacketSizeGuard;

  /** Counts the connection until it closes (before aedes has seen it, so that its close is always counted). */
  constructor(conn: Duplex, address: string, options: ConnectionOptions, hooks: ConnectionHooks) {
    this.conn = conn;
    this.address = address;
    this.options = options;
    this.hooks = hooks;
    this.sizeGuard = new PacketSizeGuard(options.maxPacketSize);
    (conn as WatchedSocket)[CONNECTION] = this;
    // `on`, not `once`: a socket closes once, and `once` wraps each listener in a bound function of its own.
    conn.on('close', onClose);
    conn.on('error', ignoreError);
  }

  /** Flow control of what aedes' client writes to it, and the size of what its parser reads. */
  watch(client: DeliveringClient, parser: PacketParser): void {
    this.client = client;
    (parser as GuardedParser)[CONNECTION] = this;
    protoParse ??= Object.getPrototypeOf(parser).parse as PacketParser['parse'];
    parser.parse = guardedParse;
    const conn = this.conn;
    conn.on('drain', onDrain);
    this.write = conn.write as Write;
    conn.write = flowWrite as Duplex['write'];
    // aedes hands deliver0 itself to its emitter as a listener, so this one stays a function of its own.
    const deliver0 = client.deliver0;
    const half = this.options.maxBufferBytes / 2;
    client.deliver0 = (packet, cb) => {
      if (this.stuck && conn.writableLength > half) {
        this.hooks.onDrop(this);
        setImmediate(cb);
        return;
      }
      deliver0(packet, cb);
    };
  }

  uncork(): void {
    this.corked = false;
    this.conn.uncork();
  }

  /** The socket has not drained for stallMs: aedes is woken with a drain that did not happen; later writes do not wait. */
  stalled(): void {
    this.stall = undefined;
    const conn = this.conn;
    if (conn.destroyed || conn.writableLength === 0) return;
    this.stuck = true;
    this.hooks.onStuck(this);
    this.releasing = true;
    conn.emit('drain');
    this.releasing = false;
  }
}

/** mqtt-packet's own parse, which guardedParse calls once a chunk passed the size check. */
let protoParse: PacketParser['parse'] | undefined;

// aedes has no packet size limit: each packet's declared size is checked before its parser buffers the body.
function guardedParse(this: GuardedParser, buf: Buffer): unknown {
  const c = this[CONNECTION];
  const size = c.sizeGuard.feed(buf);
  if (size > 0) {
    c.hooks.onOversize(c, size);
    c.conn.destroy();
    return undefined;
  }
  return protoParse!.call(this, buf);
}

function onDrain(this: WatchedSocket): void {
  const c = this[CONNECTION];
  if (c.releasing) return;
  clearTimeout(c.stall);
  c.stall = undefined;
  c.stuck = false;
}

function onClose(this: WatchedSocket): void {
  const c = this[CONNECTION];
  clearTimeout(c.stall);
  if (c.closed) return;
  c.closed = true;
  c.hooks.onClose(c);
}

// An error ends the socket with a close, which is what the broker acts on.
function ignoreError(): void {}

// Everything written to a client in one turn of the event loop leaves in one system call: the socket is corked at
// its first write and uncorked once the turn's I/O callbacks are done (setImmediate; the loop does not wait for
// I/O while an immediate is pending, so nothing is held back longer than the turn). mqtt-packet corks only until the
// next tick, and acknowledgements released by a commit, or deliveries routed one message at a time, each took a
// writev of their own: under QoS 1 fan-in that was a quarter of the hub's CPU (npm run bench; docs/performance.md).
// On every packet's path: plain arguments, no rest array. aedes and mqtt-packet call it as the socket's method.
function flowWrite(this: WatchedSocket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
  const c = this[CONNECTION];
  if (!c.corked && !this.destroyed) {
    c.corked = true;
    this.cork();
    uncorkAfterTurn(c);
  }
  const flowing = c.write!.call(this, chunk, encoding, cb);
  if (this.writableLength > c.options.maxBufferBytes) {
    if (!this.destroyed) {
      c.hooks.onCut(c);
      this.destroy();
    }
    return true;
  }
  if (flowing || c.stuck) return true;
  c.stall ??= setTimeout(stalled, c.options.stallMs, c);
  return false;
}

function stalled(c: ClientConnection): void {
  c.stalled();
}

/** The connections corked in this turn of the event loop, uncorked together by one immediate. */
let corked: ClientConnection[] = [];

function uncorkAfterTurn(c: ClientConnection): void {
  if (corked.push(c) === 1) setImmediate(uncorkAll);
}

/**
 * Sends what this turn wrote so far, now: for work that holds the event loop for a while (a slice of the write
 * queue's commit). Such a slice resumes from an immediate queued in the turn before, which runs ahead of this turn's
 * uncork: a rule's command, or any delivery routed in between, waited ~1 ms behind it (docs/performance.md).
 */
export function flushTurnWrites(): void {
  if (corked.length > 0) uncorkAll();
}

function uncorkAll(): void {
  const due = corked;
  corked = [];
  for (const c of due) c.uncork();
}
