// MQTT packets of every type, for the tests of what reads them (mqtt-packet's parser with the bundle's ByteList, and
// with the hub's packets made when their first byte arrives), and the seeded cuts of their bytes.
import type { Packet } from 'mqtt-packet';
import { seededRandom } from '../../src/simulator/seeded-random.js';

/** One of each packet type in MQTT 3.1.1 (`v4`), and MQTT 5 ones with properties (`v5`). */
export function packetSamples(): { v4: Packet[]; v5: Packet[] } {
  const payload = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 256));
  // Shapes from mqtt-packet's own README and test fixtures: every packet type, remaining lengths of one to three
  // bytes, a UTF-8 topic, and MQTT 5 properties of each kind of value (byte, two and four bytes, variable byte
  // integer, string, pair, binary).
  const v4: object[] = [
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: false,
      clientId: 'kitchen-sensor',
      keepalive: 60,
      username: 'kitchen',
      password: Buffer.from('s3cret'),
      will: { topic: 'home/kitchen/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    },
    { cmd: 'connack', returnCode: 0, sessionPresent: true },
    { cmd: 'publish', topic: 'home/kitchen/temperature', payload: Buffer.from('21.5'), qos: 0, retain: false },
    { cmd: 'publish', topic: 'home/küche/temperatur', payload: payload(200), qos: 1, messageId: 513, retain: true },
    { cmd: 'publish', topic: 'zigbee2mqtt/hall', payload: payload(20_000), qos: 2, messageId: 65535, dup: true },
    { cmd: 'publish', topic: 'home/empty/value', payload: Buffer.alloc(0), qos: 0 },
    { cmd: 'puback', messageId: 513 },
    { cmd: 'pubrec', messageId: 65535 },
    { cmd: 'pubrel', messageId: 65535 },
    { cmd: 'pubcomp', messageId: 65535 },
    {
      cmd: 'subscribe',
      messageId: 2,
      subscriptions: [
        { topic: 'home/+/+', qos: 1 },
        { topic: 'homie/#', qos: 0 },
      ],
    },
    { cmd: 'suback', messageId: 2, granted: [1, 0] },
    { cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['homie/#'] },
    { cmd: 'unsuback', messageId: 3 },
    { cmd: 'pingreq' },
    { cmd: 'pingresp' },
    { cmd: 'disconnect' },
  ];
  const v5: object[] = [
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      clientId: 'hearth',
      keepalive: 30,
      properties: { sessionExpiryInterval: 604800, receiveMaximum: 100, userProperties: { site: 'home' } },
    },
    {
      cmd: 'publish',
      topic: 'home/ac/power/set',
      payload: Buffer.from('on'),
      qos: 1,
      messageId: 7,
      properties: {
        payloadFormatIndicator: true,
        messageExpiryInterval: 3600,
        topicAlias: 3,
        responseTopic: 'home/ac/power/reply',
        correlationData: Buffer.from([1, 2, 3]),
        userProperties: { rule: 'cool-living-room' },
        subscriptionIdentifier: 300,
        contentType: 'text/plain',
      },
    },
    { cmd: 'puback', messageId: 7, reasonCode: 16, properties: { reasonString: 'no matching subscribers' } },
    { cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } },
  ];
  // As mqtt-packet generates them: its types ask for fields its generator defaults.
  return { v4: v4 as Packet[], v5: v5 as Packet[] };
}

/** Whole numbers below `below` from the simulator's seeded generator, so that a failure comes back the same. */
export function random(seed: number): (below: number) => number {
  const next = seededRandom(seed);
  return (below) => Math.floor(next() * below);
}
