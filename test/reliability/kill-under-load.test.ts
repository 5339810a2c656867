// kill -9 under load: the hub in a child process, 50 devices publishing QoS 1 as fast as their acknowledgements
// come back and a persistent QoS 1 subscriber, SIGKILL at a random moment, restart. Every message the broker
// acknowledged reaches the subscriber; both databases pass integrity_check; history lost at most the last batch.
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { expect, it } from 'vitest';
import { startCliHub } from '../helpers/cli.js';
import { ADMIN_PASSWORD, connectListening, tempDir, waitFor } from '../helpers/hub.js';

const DEVICES = 50;
const FLUSH_BATCH = 500;
const FLUSH_INTERVAL_MS = 100;

it('every acknowledged QoS 1 message reaches the persistent subscriber after a SIGKILL; the databases are sound', {
  timeout: 120_000,
}, async () => {
  const dataDir = tempDir();
  const configFile = join(dataDir, 'hearth.yaml');
  // The publishers run flat out: lift the per-client rate limit so that none of them is cut off for it.
  writeFileSync(
    configFile,
    `mqtt:\n  maxPublishRatePerClient: 100000\nhistory:\n  flushIntervalMs: ${FLUSH_INTERVAL_MS}\n  flushBatchSize: ${FLUSH_BATCH}\nlog:\n  level: warn\n`,
  );
  const env = { HEARTH_DATA_DIR: dataDir, HEARTH_RULES_DIR: join(dataDir, 'rules'), HEARTH_ADMIN_PASSWORD: ADMIN_PASSWORD };
  const hub = await startCliHub(env, ['--config', configFile]);
  const url = `mqtt://127.0.0.1:${hub.mqttPort}`;
  const options = { username: 'admin', password: ADMIN_PASSWORD, reconnectPeriod: 0, connectTimeout: 10_000 };

  const received = new Set<string>();
  const onMessage = (topic: string, payload: Buffer) => received.add(`${topic.split('/')[1]}:${payload.toString()}`);
  const audit = await connectListening(url, { ...options, clientId: 'audit', clean: false }, onMessage);
  await audit.subscribeAsync('home/+/counter', { qos: 1 });

  // acked[i] holds the sequence numbers the broker acknowledged to device i, with the time of each PUBACK.
  const acked: Array<Map<number, number>> = Array.from({ length: DEVICES }, () => new Map());
  const publishers: MqttClient[] = await Promise.all(
    Array.from({ length: DEVICES }, (_, i) => mqtt.connectAsync(url, { ...options, clientId: `load-${i}` })),
  );
  let running = true;
  const loops = publishers.map(async (client, i) => {
    for (let seq = 1; running && client.connected; seq++) {
      try {
        await client.publishAsync(`home/load-${i}/counter`, String(seq), { qos: 1 });
        acked[i]!.set(seq, Date.now());
      } catch {
        return; // the hub is gone: this message was not acknowledged
      }
    }
  });

  const killAfter = randomInt(1500, 3500);
  await new Promise((r) => setTimeout(r, killAfter));
  hub.child.kill('SIGKILL');
  const killedAt = Date.now();
  await hub.exited;
  running = false;
  // Ending a client fails its publishes still waiting for a PUBACK, which the dead hub will never send.
  for (const c of [...publishers, audit]) c.end(true);
  await Promise.all(loops);
  const total = acked.reduce((n, m) => n + m.size, 0);
  const tag = `[killed after ${killAfter} ms, ${total} acknowledged]`;
  expect(total, tag).toBeGreaterThan(DEVICES * 5);

  const restarted = await startCliHub(env, ['--config', configFile]);
  try {
    const again = await connectListening(
      `mqtt://127.0.0.1:${restarted.mqttPort}`,
      { ...options, clientId: 'audit', clean: false },
      onMessage,
    );
    const missing = () =>
      acked.flatMap((m, i) => [...m.keys()].filter((seq) => !received.has(`load-${i}:${seq}`)).map((seq) => `load-${i}:${seq}`));
    await waitFor(() => missing().length === 0, `every acknowledged message at the subscriber ${tag}`, 30_000).catch((err) => {
      throw new Error(`${(err as Error).message}; still missing ${missing().length}: ${missing().slice(0, 10).join(', ')}`);
    });
    await again.endAsync();
  } finally {
    restarted.child.kill('SIGTERM');
    await restarted.exited;
  }

  for (const file of ['hearth.db', 'broker.db']) {
    const db = new BetterSqlite3(join(dataDir, file), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true }), `${file} ${tag}`).toBe('ok');
    db.close();
  }

  // History: an acknowledged reading may be missing only if it was in the last batch before the kill: acknowledged
  // within the last flush interval (plus scheduling slack on a loaded machine).
  const db = new BetterSqlite3(join(dataDir, 'hearth.db'), { readonly: true });
  const recorded = new Set(
    (
      db
        .prepare(
          "SELECT s.device_id AS d, h.num AS n FROM history h JOIN history_series s ON s.id = h.series_id WHERE s.property = 'counter'",
        )
        .all() as Array<{ d: string; n: number }>
    ).map((r) => `${r.d}:${r.n}`),
  );
  db.close();
  const lost = acked.flatMap((m, i) =>
    [...m.entries()]
      .filter(([seq]) => !recorded.has(`load-${i}:${seq}`))
      .map(([seq, at]) => ({ id: `load-${i}:${seq}`, beforeKill: killedAt - at })),
  );
  // A batch closes at flushBatchSize writes, but commits what arrived until its turn comes: allow twice that.
  expect(lost.length, `${tag} history lost ${lost.length} acknowledged readings`).toBeLessThanOrEqual(2 * FLUSH_BATCH);
  const oldest = Math.max(0, ...lost.map((l) => l.beforeKill));
  console.log(
    `${tag} ${received.size} delivered to the subscriber; history lost ${lost.length} (the oldest acknowledged ${oldest} ms before the kill)`,
  );
  expect(oldest, `${tag} a reading acknowledged ${oldest} ms before the kill is missing from history`).toBeLessThan(
    FLUSH_INTERVAL_MS + 2000,
  );
});
