// Watches the MQTT byte stream of one connection and reports a packet whose declared size is over the limit,
// as soon as its fixed header arrives, so the broker never buffers it.
export class PacketSizeGuard {
  readonly #max: number;
  #state: 'type' | 'length' | 'body' = 'type';
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #remaining = 0;

  constructor(maxPacketSize: number) {
    this.#max = maxPacketSize;
  }

  /** Feeds the next chunk; returns the offending packet size, or 0 when everything seen so far is within the limit. */
  feed(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length) {
      switch (this.#state) {
        case 'type':
          this.#state = 'length';
          this.#length = 0;
          this.#multiplier = 1;
          this.#lengthBytes = 0;
          i++;
          break;
        case 'length': {
          const byte = chunk[i++]!;
          // [MQTT-2.2.3] remaining length: 7 bits per byte, continuation bit 0x80, at most 4 bytes.
          this.#length += (byte & 0x7f) * this.#multiplier;
          this.#multiplier *= 128;
          this.#lengthBytes++;
          if ((byte & 0x80) === 0) {
            const total = 1 + this.#lengthBytes + this.#length;
            if (total > this.#max) return total;
            this.#remaining = this.#length;
            this.#state = this.#remaining > 0 ? 'body' : 'type';
          } else if (this.#lengthBytes >= 4) {
            return Number.MAX_SAFE_INTEGER; // malformed: the parser would reject it too
          }
          break;
        }
        case 'body': {
          const take = Math.min(this.#remaining, chunk.length - i);
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#state = 'type';
          break;
        }
      }
    }
    return 0;
  }
}
