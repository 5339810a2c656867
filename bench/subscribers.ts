// A measuring process: N MQTT clients subscribed to one filter, counting what arrives and, for stamped payloads (the
// send time in ms, see load.ts), the latency. Prints READY once subscribed; on SIGTERM prints the counts as JSON, with
// the latency over the whole load and over its steady part (what was sent from WARM_UP_MS after the first stamp on).
import mqtt, { type MqttClient } from 'mqtt';

const [url, username, password, clientsArg, filter, qosArg] = process.argv.slice(2);
const qos = Number(qosArg ?? '0') as 0 | 1;
const clients: MqttClient[] = [];
let received = 0;
const latencies: number[] = [];
/** When each stamped message was sent (ms), beside its latency. */
const sentAt: number[] = [];
/**
 * A cold broker (and a cold load generator) starts a load slower than it carries it once its code is compiled and its
 * heap sized: in the first ~1.5 s the backlog builds and drains. The steady figure leaves that out.
 */
const WARM_UP_MS = 2000;
for (let i = 0; i < Number(clientsArg); i++) {
  const client = await mqtt.connectAsync(url!, {
    username: username || undefined,
    password: password || undefined,
    clientId: `sub-${i}-${process.pid}`,
    reconnectPeriod: 0,
  });
  client.on('message', (_topic, payload) => {
    received++;
    const sent = Number(payload);
    // Only stamped payloads (a wall-clock time in ms) carry a latency; a reading like 20.53 is not one.
    if (sent > 1e12) {
      latencies.push(performance.timeOrigin + performance.now() - sent);
      sentAt.push(sent);
    }
  });
  await client.subscribeAsync(filter!, { qos });
  clients.push(client);
}
console.log('READY');
// Progress, for a measurer that waits until everything sent has arrived.
setInterval(() => console.log(`RECEIVED ${received}`), 250).unref();

function summary(values: number[]) {
  values.sort((a, b) => a - b);
  const pct = (p: number) =>
    values.length ? Number(values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!.toFixed(2)) : null;
  return { p50: pct(50), p99: pct(99), max: pct(100), samples: values.length };
}

process.once('SIGTERM', () => {
  const warm = sentAt.reduce((a, b) => Math.min(a, b), Infinity) + WARM_UP_MS;
  const steady = latencies.filter((_, i) => sentAt[i]! >= warm);
  console.log(JSON.stringify({ received, latency: summary(latencies), steadyLatency: summary(steady) }));
  for (const c of clients) c.end(true);
  setTimeout(() => process.exit(0), 50);
});
