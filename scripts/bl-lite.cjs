// The `bl` package as bundled into dist/app (scripts/bundle.mjs aliases it here). mqtt-packet's parser is its only
// user in the bundle, and it calls `bl()` once per connection for a list of the bytes received so far, using only
// append, consume, length, slice, toString and readUInt8/16BE/32BE. `bl()` itself makes a BufferListStream: a
// readable-stream Duplex for every client, with readable-stream loaded at start for it. And bl's BufferList reads a
// byte by slicing a Buffer of one byte off its list (`this.slice(offset, offset + 1).readUInt8(0)`, a Buffer object
// and a two-number array each time) and consumes a packet by slicing its first Buffer again: ~950 of the ~6,100
// bytes the hub allocated for each QoS 1 message it took (`node dist/bench/profile.js alloc 100 20000 1`). Here
// `bl()` makes a ByteList: the same answers from those calls, read in place. A payload within one received chunk is
// a view of it, as with bl, and one across chunks a copy. The package's other exports are as before.
'use strict';
const { Buffer } = require('node:buffer');
const BufferList = require('../node_modules/bl/BufferList.js');

function outOfRange(offset, size, length) {
  const err = new RangeError(`Attempt to access memory outside buffer bounds: ${size} byte(s) at ${offset} of ${length}`);
  err.code = 'ERR_BUFFER_OUT_OF_BOUNDS';
  return err;
}

class ByteList {
  constructor(buf) {
    /** The chunks received and not yet consumed; the first from `head` on. */
    this.bufs = [];
    this.head = 0;
    this.length = 0;
    if (buf != null) this.append(buf);
  }

  append(buf) {
    if (buf == null) return this;
    const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf);
    if (bytes.length > 0) {
      this.bufs.push(bytes);
      this.length += bytes.length;
    }
    return this;
  }

  /** Drops the first `bytes` bytes (all of them when there are fewer), as bl does. */
  consume(bytes) {
    bytes = Math.trunc(bytes);
    if (Number.isNaN(bytes) || bytes <= 0) return this;
    if (bytes >= this.length) {
      this.bufs.length = 0;
      this.head = 0;
      this.length = 0;
      return this;
    }
    this.length -= bytes;
    let head = this.head + bytes;
    while (head >= this.bufs[0].length) head -= this.bufs.shift().length;
    this.head = head;
    return this;
  }

  /** The byte at `offset`, which is in range. */
  byteAt(offset) {
    let at = this.head + offset;
    for (const b of this.bufs) {
      if (at < b.length) return b[at];
      at -= b.length;
    }
    return undefined;
  }

  readUInt8(offset = 0) {
    if (!(offset >= 0 && offset + 1 <= this.length)) throw outOfRange(offset, 1, this.length);
    const first = this.bufs[0];
    const at = this.head + offset;
    return at < first.length ? first[at] : this.byteAt(offset);
  }

  readUInt16BE(offset = 0) {
    if (!(offset >= 0 && offset + 2 <= this.length)) throw outOfRange(offset, 2, this.length);
    const first = this.bufs[0];
    const at = this.head + offset;
    if (at + 2 <= first.length) return (first[at] << 8) | first[at + 1];
    return (this.byteAt(offset) << 8) | this.byteAt(offset + 1);
  }

  readUInt32BE(offset = 0) {
    if (!(offset >= 0 && offset + 4 <= this.length)) throw outOfRange(offset, 4, this.length);
    const first = this.bufs[0];
    const at = this.head + offset;
    if (at + 4 <= first.length) return first[at] * 0x1000000 + ((first[at + 1] << 16) | (first[at + 2] << 8) | first[at + 3]);
    const b = (i) => this.byteAt(offset + i);
    return b(0) * 0x1000000 + ((b(1) << 16) | (b(2) << 8) | b(3));
  }

  /** Bytes `start` to `end` (bl's defaults and negative offsets): a view within one chunk, else a copy. */
  slice(start, end) {
    if (!(start >= 0 && end > start && end <= this.length)) {
      const range = this.range(start, end);
      return range === undefined ? Buffer.alloc(0) : this.slice(range[0], range[1]);
    }
    const first = this.bufs[0];
    const from = this.head + start;
    const to = this.head + end;
    if (to <= first.length) return first.subarray(from, to);
    const out = Buffer.allocUnsafe(end - start);
    let written = 0;
    let skip = from;
    for (const b of this.bufs) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      written += b.copy(out, written, skip, Math.min(b.length, skip + out.length - written));
      skip = 0;
      if (written === out.length) break;
    }
    return out;
  }

  toString(encoding, start, end) {
    if (!(start >= 0 && end > start && end <= this.length)) {
      const range = this.range(start, end);
      return range === undefined ? '' : this.toString(encoding, range[0], range[1]);
    }
    const to = this.head + end;
    if (to <= this.bufs[0].length) return this.bufs[0].toString(encoding, this.head + start, to);
    return this.slice(start, end).toString(encoding);
  }

  /** [start, end) as bl's slice reads its arguments (defaults, negative offsets), or undefined for no byte. */
  range(start, end) {
    if (typeof start === 'number' && start < 0) start += this.length;
    if (typeof end === 'number' && end < 0) end += this.length;
    if (typeof start !== 'number' || start < 0) start = 0;
    if (typeof end !== 'number' || end > this.length) end = this.length;
    return start >= this.length || end <= start ? undefined : [start, end];
  }
}

function bl(buf) {
  return new ByteList(buf);
}
bl.BufferList = BufferList;
bl.isBufferList = BufferList.isBufferList;
module.exports = bl;
