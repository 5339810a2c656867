// Two patches of aedes' client (node_modules/aedes/lib/client.js), applied where aedes is loaded: the bundle
// (scripts/bundle.mjs) and the tests (vitest.config.ts), so that both run the same code; the build stops if aedes'
// code is not the one a patch was written for.
//
// Messages lost to deduplication (aedes issues #994 and #955, open). aedes numbers each message as it is published
// (brokerCounter) and drops a delivery whose number is not above the last one the subscriber got, which is meant to
// send a message that matches two of a client's subscriptions (`home/#` and `home/+/set`) once. But messages are not
// routed in the order they are numbered: a retained one waits for its store, a QoS 1 or 2 one for the persistence's
// answer (in Hearth, for a commit when a persistent session subscribes), while a plain QoS 0 message published after
// it is routed at once; the subscriber then got the later message first, and the earlier one was dropped as a
// duplicate. Found by test/broker/delivery-turn.test.ts: a device's QoS 1 messages interleaved with QoS 0 ones on one
// topic reached a subscriber 22 of 60 times; with aedes alone, retained QoS 0 messages among plain ones 20 of 30.
// Patched in, a delivery is dropped only when it is the very message the client got last (the same number: the second
// matching subscription of the same routing). Where another message is routed to the client in between (a rule that
// publishes while the first is being routed), the client may get another copy, which MQTT 3.1.1 allows for
// overlapping subscriptions [MQTT-3.3.5-1]; it never loses one.
//
// Deliveries written as they are routed. aedes writes every delivery from a setImmediate of its own (deliver0 and
// deliverQoS, "to clear stacks" under load), and the hub corks a client's socket until the turn's I/O is done
// (src/broker/client-connection.ts): a delivery written from inside an immediate was then uncorked by an immediate
// of the next turn, after that turn's timers (a commit slice) and its poll phase (the background's messages). In the
// rule-latency benchmark's round trips that took over 1 ms inside the hub, the time from the delivery's immediate to
// the uncork was ~1 ms at the median against 0.06 ms in the others (docs/performance.md). Patched in, the packet is
// written at once and uncorked in the same turn; aedes' callback to its emitter still comes from an immediate
// (write.js), which is what keeps a flood from recursing. QoS 0 and QoS 1/2 both, so that deliveries to one client
// keep the order in which they were routed.
export const AEDES_CLIENT = /\/node_modules\/aedes\/lib\/client\.js$/;

/** Applied by scripts/aedes-patches.mjs, which checks that each `from` occurs exactly once. */
export const CLIENT_PATCHES = [
  {
    what: 'dedupe',
    from: `  const result = (duplicates[id] || 0) < counter
  if (result) {`,
    to: `  const result = duplicates[id] !== counter
  if (result) {`,
  },
  {
    what: 'deliverQoS0',
    from: `      if (toForward) {
        // Give nodejs some time to clear stacks, or we will see
        // "Maximum call stack size exceeded" in a very high load
        setImmediate(() => {
          const packet = new Packet(toForward, broker)
          packet.qos = 0
          write(that, packet, function (err) {
            that._onError(err)
            cb() // don't pass the error here or it will be thrown by mqemitter
          })
        })
      } else {`,
    to: `      if (toForward) {
        const packet = new Packet(toForward, broker)
        packet.qos = 0
        write(that, packet, function (err) {
          that._onError(err)
          cb() // don't pass the error here or it will be thrown by mqemitter
        })
      } else {`,
  },
  {
    what: 'deliverQoS',
    from: `      if (toForward) {
        setImmediate(() => {
          const packet = new QoSPacket(toForward, that)
          // Downgrading to client subscription qos if needed
          const clientSub = that.subscriptions[packet.topic]
          if (clientSub && (clientSub.qos || 0) < packet.qos) {
            packet.qos = clientSub.qos
          }
          packet.writeCallback = cb
          const doWriteQoS = (err = null) => writeQoS(err, that, packet)
          if (that.clean || packet.retain) {
            doWriteQoS()
          } else {
            broker.persistence.outgoingUpdate(that, packet)
              .then(doWriteQoS, doWriteQoS)
          }
        })
      } else if`,
    to: `      if (toForward) {
        const packet = new QoSPacket(toForward, that)
        // Downgrading to client subscription qos if needed
        const clientSub = that.subscriptions[packet.topic]
        if (clientSub && (clientSub.qos || 0) < packet.qos) {
          packet.qos = clientSub.qos
        }
        packet.writeCallback = cb
        const doWriteQoS = (err = null) => writeQoS(err, that, packet)
        if (that.clean || packet.retain) {
          doWriteQoS()
        } else {
          broker.persistence.outgoingUpdate(that, packet)
            .then(doWriteQoS, doWriteQoS)
        }
      } else if`,
  },
];
