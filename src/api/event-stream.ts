// One Server-Sent Events client with bounded memory: while the socket is backed up, device.state events are
// coalesced (latest value per device property); a client that stays backed up past a hard limit is dropped.
import type { Writable } from 'node:stream';

export interface EventStreamOptions {
  /** Unsent bytes beyond which the client is dropped. */
  maxBuffered?: number;
  /** Distinct device properties held while backed up; beyond it the client is dropped. */
  maxCoalesced?: number;
  onDrop?: (reason: string) => void;
  onCoalesce?: () => void;
}

export type SendResult = 'sent' | 'coalesced' | 'dropped';

export class EventStream {
  readonly #out: Writable;
  readonly #maxBuffered: number;
  readonly #maxCoalesced: number;
  readonly #options: EventStreamOptions;
  // Latest device.state frame per device property, waiting for 'drain'. Insertion order is kept, so a
  // property that changes again keeps its place and no property starves.
  readonly #coalesced = new Map<string, string>();
  #congested = false;
  #closed = false;

  constructor(out: Writable, options: EventStreamOptions = {}) {
    this.#out = out;
    this.#maxBuffered = options.maxBuffered ?? 512 * 1024;
    this.#maxCoalesced = options.maxCoalesced ?? 20_000;
    this.#options = options;
    out.once('close', () => {
      this.#closed = true;
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(type: string, payload: unknown): SendResult {
    if (this.#closed) return 'dropped';
    if (this.#out.writableLength > this.#maxBuffered) return this.#drop(`${this.#out.writableLength} bytes unsent`);
    const frame = `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
    const state = payload as { deviceId?: string; property?: string };
    if (this.#congested && type === 'device.state') {
      this.#coalesced.set(`${state.deviceId}\0${state.property}`, frame);
      this.#options.onCoalesce?.();
      if (this.#coalesced.size > this.#maxCoalesced) return this.#drop(`${this.#coalesced.size} properties waiting`);
      return 'coalesced';
    }
    this.#write(frame);
    return 'sent';
  }

  /** An SSE comment line (`: text`): keeps proxies and the browser from timing the stream out. */
  comment(text: string): void {
    if (this.#closed) return;
    if (this.#out.writableLength > this.#maxBuffered) {
      this.#drop(`${this.#out.writableLength} bytes unsent`);
      return;
    }
    this.#write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#out.end();
  }

  #write(chunk: string): void {
    // write() answering false means the socket is backed up: coalesce until it drains, never queue without bound.
    if (!this.#out.write(chunk) && !this.#congested) {
      this.#congested = true;
      this.#out.once('drain', () => this.#flush());
    }
  }

  #flush(): void {
    this.#congested = false;
    const frames = [...this.#coalesced.values()];
    this.#coalesced.clear();
    if (frames.length > 0 && !this.#closed) this.#write(frames.join(''));
  }

  #drop(reason: string): 'dropped' {
    this.#closed = true;
    this.#coalesced.clear();
    this.#options.onDrop?.(reason);
    this.#out.destroy();
    return 'dropped';
  }
}
