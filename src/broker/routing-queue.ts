// aedes routes at most 100 messages at once (mqemitter's concurrency); the rest wait in mqemitter's queue, two
// arrays it shifts one message at a time. Under a flood that queue holds thousands, and an array that large shifts
// in O(n) (V8 moves every element): 5 % of the hub's CPU under QoS 1 fan-in went there (docs/performance.md).
// The same queue with an O(1) shift, put in place of the arrays right after the broker is made.

/** First in, first out: the `push`, `shift` and `length` of an array, with a shift that does not move the rest. */
export class Fifo<T> {
  #items: Array<T | undefined> = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): number {
    this.#items.push(item);
    return this.length;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    // Amortised O(1): the consumed front is cut off once it is the larger half.
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

interface QueueingEmitter {
  _messageQueue?: unknown;
  _messageCallbacks?: unknown;
}

/** Gives aedes' emitter (`broker.mq`, an mqemitter 7) queues with an O(1) shift; leaves any other emitter alone. */
export function fastRoutingQueue(mq: QueueingEmitter): void {
  if (!Array.isArray(mq._messageQueue) || !Array.isArray(mq._messageCallbacks)) return;
  if (mq._messageQueue.length > 0 || mq._messageCallbacks.length > 0) return;
  mq._messageQueue = new Fifo();
  mq._messageCallbacks = new Fifo();
}
