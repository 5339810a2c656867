// A load generator process: N MQTT clients publishing sensor readings at a fixed total rate (or as fast as the
// broker accepts) for a bounded time, then printing what it sent as JSON. Loopback only.
import mqtt, { type MqttClient } from 'mqtt';

const [url, username, password, clientsArg, rateArg, secondsArg, prefix = 'dev', qosArg = '0', payloadArg = 'reading', topicArg] =
  process.argv.slice(2);
const qos = Number(qosArg) as 0 | 1;
/**
 * A reading of client `i`. `stamp`: the wall-clock time it was sent, in ms with microseconds, for latency
 * measurements; `threshold`: 40 and 60 in turn, across the bench hub's rules' 50 (bench/bench-hub.ts), so that every
 * other message of a sensor with a rule fires it.
 */
const payload: (i: number) => string =
  payloadArg === 'stamp'
    ? () => (performance.timeOrigin + performance.now()).toFixed(3)
    : payloadArg === 'threshold'
      ? crossing
      : () => (20 + Math.random()).toFixed(2);
/** Whether client `i`'s last `threshold` reading was 60. */
const lastAbove: boolean[] = [];
function crossing(i: number): string {
  lastAbove[i] = !lastAbove[i];
  return lastAbove[i] ? '60' : '40';
}
/** Every client publishes to `topicArg` when given (fan-out), else to its own home/<prefix><i>/temperature. */
const topicOf = (i: number) => topicArg || `home/${prefix}${i}/temperature`;
const n = Number(clientsArg);
const rate = rateArg === 'max' ? Infinity : Number(rateArg);
const seconds = Math.min(Number(secondsArg), 60);
const clients: MqttClient[] = [];
for (let i = 0; i < n; i += 100) {
  clients.push(
    ...(await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, (_, j) =>
        mqtt.connectAsync(url!, {
          username: username || undefined,
          password: password || undefined,
          clientId: `${prefix}-${i + j}-${process.pid}`,
          reconnectPeriod: 0,
          keepalive: 60,
        }),
      ),
    )),
  );
}
console.log('CONNECTED');
let sent = 0;
/** QoS 1 messages the broker acknowledged (PUBACK): from then on they are the broker's to deliver. */
let acked = 0;
const start = Date.now();
const deadline = start + seconds * 1000;
if (rate === Infinity) {
  // As fast as the broker takes it: QoS 0 with back-pressure from each client's socket; QoS 1 with up to 50
  // unacknowledged messages per client (the broker's PUBACKs pace it).
  await Promise.all(
    clients.map(async (c, i) => {
      while (Date.now() < deadline) {
        if (qos === 1) {
          await Promise.all(Array.from({ length: 50 }, () => c.publishAsync(topicOf(i), payload(i), { qos: 1 }).then(() => sent++)));
          continue;
        }
        for (let k = 0; k < 50; k++) {
          c.publish(topicOf(i), payload(i));
          sent++;
        }
        await new Promise<void>((r) => (c.stream.writableLength > 65536 ? c.stream.once('drain', r) : setImmediate(r)));
      }
    }),
  );
} else if (rate > 0) {
  const tick = 10;
  let budget = 0;
  let cursor = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      budget += (rate * tick) / 1000;
      while (budget >= 1) {
        const i = cursor++ % clients.length;
        clients[i]!.publish(topicOf(i), payload(i), { qos }, (err) => {
          if (!err) acked++;
        });
        sent++;
        budget--;
      }
      if (Date.now() >= deadline) {
        clearInterval(timer);
        resolve();
      }
    }, tick);
  });
} else {
  await new Promise((r) => setTimeout(r, seconds * 1000));
}
const took = (Date.now() - start) / 1000;
if (qos === 1 && rate !== Infinity) {
  // What is still unacknowledged is waited for (at most 30 s): a forced end would drop it in this client, unsent or
  // unacknowledged, and count it as lost by the broker.
  const until = Date.now() + 30_000;
  while (acked < sent && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}
console.log(JSON.stringify({ sent, ...(qos === 1 && rate !== Infinity ? { acked } : {}), seconds: took }));
await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
process.exit(0);
