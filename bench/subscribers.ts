// A measuring process: N MQTT clients subscribed to one filter, counting what arrives and, for stamped payloads (the
// send time in ms, see load.ts), the latency. Prints READY once subscribed; on SIGTERM prints the counts as JSON.
import mqtt, { type MqttClient } from 'mqtt';

const [url, username, password, clientsArg, filter, qosArg] = process.argv.slice(2);
const qos = Number(qosArg ?? '0') as 0 | 1;
const clients: MqttClient[] = [];
let received = 0;
const latencies: number[] = [];
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
    if (sent > 1e12) latencies.push(performance.timeOrigin + performance.now() - sent);
  });
  await client.subscribeAsync(filter!, { qos });
  clients.push(client);
}
console.log('READY');
// Progress, for a measurer that waits until everything sent has arrived.
setInterval(() => console.log(`RECEIVED ${received}`), 250).unref();

process.once('SIGTERM', () => {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2)) : null;
  console.log(JSON.stringify({ received, latency: { p50: pct(50), p99: pct(99), max: pct(100), samples: latencies.length } }));
  for (const c of clients) c.end(true);
  setTimeout(() => process.exit(0), 50);
});
