// Flow control per client. aedes waits for a full socket to drain before it finishes routing a message, and routes
// at most 100 messages at once: a subscriber that reads slowly throttles the publishers (back-pressure, fine), but
// one that stops reading stalls every client for up to aedes' 60 s drain timeout. Here a client whose socket has
// not drained for `stallMs` counts as stuck: aedes is released at once and stops waiting for it, QoS 0 messages to
// it are dropped while more than half the buffer limit waits (as Mosquitto does), and past the limit (QoS 1/2
// messages, which must not be dropped) it is disconnected; its persistent session keeps them. Once its socket
// drains again it is treated as a reader again.
import type { Duplex } from 'node:stream';

export interface FlowControlOptions {
  /** Most bytes waiting to be sent to the client; beyond it the client is disconnected. */
  maxBufferBytes: number;
  /** How long a full socket may keep aedes waiting before the client counts as stuck. */
  stallMs: number;
  onStuck(): void;
  onDrop(): void;
  onCut(): void;
}

interface DeliveringClient {
  deliver0(packet: unknown, cb: () => void): void;
}

export function applyFlowControl(conn: Duplex, client: DeliveringClient, options: FlowControlOptions): void {
  let stuck = false;
  let stall: NodeJS.Timeout | undefined;
  let releasing = false;
  const write = conn.write.bind(conn) as (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;

  conn.on('drain', () => {
    if (releasing) return;
    clearTimeout(stall);
    stall = undefined;
    stuck = false;
  });
  conn.once('close', () => clearTimeout(stall));

  // Everything written to a client in one turn of the event loop leaves in one system call: the socket is corked at
  // its first write and uncorked once the turn's I/O callbacks are done (setImmediate; the loop does not wait for
  // I/O while an immediate is pending, so nothing is held back longer than the turn). mqtt-packet corks only until the
  // next tick, and acknowledgements released by a commit, or deliveries routed one message at a time, each took a
  // writev of their own: under QoS 1 fan-in that was a quarter of the hub's CPU (npm run bench; README Performance).
  // One immediate uncorks every socket corked in the turn (a message to 100 subscribers corks 100 sockets).
  let corked = false;
  const uncork = () => {
    corked = false;
    conn.uncork();
  };

  // On every packet's path: plain arguments, no rest array.
  conn.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    if (!corked && !conn.destroyed) {
      corked = true;
      conn.cork();
      uncorkAfterTurn(uncork);
    }
    const flowing = write(chunk, encoding, cb);
    if (conn.writableLength > options.maxBufferBytes) {
      if (!conn.destroyed) {
        options.onCut();
        conn.destroy();
      }
      return true;
    }
    if (flowing || stuck) return true;
    stall ??= setTimeout(() => {
      stall = undefined;
      if (conn.destroyed || conn.writableLength === 0) return;
      stuck = true;
      options.onStuck();
      // Wake aedes' waiters with a drain that did not happen; later writes do not wait.
      releasing = true;
      conn.emit('drain');
      releasing = false;
    }, options.stallMs);
    return false;
  }) as typeof conn.write;

  const deliver0 = client.deliver0.bind(client);
  client.deliver0 = (packet, cb) => {
    if (stuck && conn.writableLength > options.maxBufferBytes / 2) {
      options.onDrop();
      setImmediate(cb);
      return;
    }
    deliver0(packet, cb);
  };
}

/** Uncorks of the sockets corked in this turn of the event loop, run together by one immediate. */
let uncorks: Array<() => void> = [];

function uncorkAfterTurn(uncork: () => void): void {
  if (uncorks.push(uncork) === 1) setImmediate(uncorkAll);
}

function uncorkAll(): void {
  const due = uncorks;
  uncorks = [];
  for (const uncork of due) uncork();
}
