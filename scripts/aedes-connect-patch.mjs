// aedes ends every CONNECT with emptyQueue (node_modules/aedes/lib/handlers/connect.js): it streams the client's
// queued messages out of the persistence through a Transform, in a stream.pipeline (an AbortController, end-of-stream
// listeners on both streams, a DOMException when it ends), and the connection is ready only once that pipeline has
// ended, a few turns later. For a client with nothing queued, which is nearly every connection, that is ~12 KB of
// objects that live across the turns of a reconnect storm: 1,000 devices connecting at once left the hub at 83-85 MB
// two seconds on, against 74-75 MB without them (alternating runs, docs/performance.md). Patched in, a persistence
// that can tell at once that nothing is queued for a client (SqlitePersistence.nothingQueued) lets emptyQueue resume
// the client and finish without the pipeline; any other persistence, or a client with messages queued, goes the way
// it did. Applied where aedes is loaded: the bundle (scripts/bundle.mjs) and the tests (vitest.config.ts).
export const AEDES_CONNECT = /\/node_modules\/aedes\/lib\/handlers\/connect\.js$/;

const FROM = `function emptyQueue (arg, done) {
  const client = this.client
  const persistence = client.broker.persistence
  const outgoing = persistence.outgoingStream(client)
`;
const TO = `function emptyQueue (arg, done) {
  const client = this.client
  const persistence = client.broker.persistence
  if (persistence.nothingQueued?.(client) === true) {
    client.resume()
    return done()
  }
  const outgoing = persistence.outgoingStream(client)
`;

/** Applied by scripts/aedes-patches.mjs, which checks that each `from` occurs exactly once. */
export const CONNECT_PATCHES = [{ what: 'emptyQueue', from: FROM, to: TO }];
