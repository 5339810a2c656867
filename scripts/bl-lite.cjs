// The `bl` package as bundled into dist/app (scripts/bundle.mjs aliases it here). mqtt-packet's parser is its only
// user in the bundle, and it calls `bl()` once per connection for a list of the bytes received so far, using only
// what BufferList has (append, consume, length, slice, toString, readUInt8/16BE/32BE). `bl()` itself makes a
// BufferListStream: a readable-stream Duplex with its own readable and writable state, for every client, and
// readable-stream (with its process, string_decoder and abort-controller stand-ins) loaded at start for it. Here
// `bl()` makes the plain BufferList; the package's other exports are as before.
'use strict';
const BufferList = require('../node_modules/bl/BufferList.js');

function bl(buf) {
  return new BufferList(buf);
}
bl.BufferList = BufferList;
bl.isBufferList = BufferList.isBufferList;
module.exports = bl;
