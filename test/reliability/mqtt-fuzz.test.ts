// Protocol fuzzing: thousands of malformed, truncated, out-of-order and mutated MQTT byte sequences on raw sockets,
// while a well-behaved client keeps doing QoS 1 round trips. The hub must not crash, must drop every connection
// MQTT 3.1.1 says it must drop, must keep serving the good client, and must not leak connections or memory.
// Reproduce a failure with HEARTH_FUZZ_SEED=<seed printed in the message>.
import { randomInt } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { retainedHeap } from '../helpers/memory.js';
import { generateCases, hex, type FuzzCase } from '../helpers/mqtt-fuzz.js';

// A fixed seed by default so that CI is repeatable; HEARTH_FUZZ_SEED=random explores new cases on every run.
const SEED = process.env.HEARTH_FUZZ_SEED === 'random' ? randomInt(1, 2 ** 31) : Number(process.env.HEARTH_FUZZ_SEED ?? 12345);
const CASES = 3000;
const WARM_UP = 300;
const CONCURRENCY = 20;
/**
 * How long a socket may stay open before the test closes it. A case the hub MUST drop gets longer: it costs nothing
 * when the hub drops it at once, and a loaded machine can take over half a second to get to the socket.
 */
const IDLE_MS = 300;
const MUST_CLOSE_MS = 2000;
// Fuzz sockets come from another loopback address: a mutated CONNECT that happens to carry a wrong password counts
// as a failed login for its source address, and must not get the well-behaved client's address rate-limited.
const FUZZ_ADDRESS = '127.0.0.2';

interface Outcome {
  c: FuzzCase;
  connected: boolean;
  closedByHub: boolean;
  ms: number;
  received: Buffer;
}

/** The return code of the CONNACK the hub sent first, if any. */
function connackCode(received: Buffer): number | undefined {
  return received.length >= 4 && received[0] === 0x20 && received[1] === 0x02 ? received[3] : undefined;
}

function runCase(port: number, c: FuzzCase): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let connected = false;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const socket = netConnect({ port, host: '127.0.0.1', localAddress: FUZZ_ADDRESS });
    const finish = (closedByHub: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ c, connected, closedByHub, ms: performance.now() - started, received: Buffer.concat(chunks) });
    };
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => finish(true)); // ECONNRESET / EPIPE: the hub dropped us
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      connected = true;
      socket.setNoDelay(true);
      socket.write(c.bytes, () => undefined);
      // A valid exchange gets its idle time, and longer while its CONNACK is still on the way (a loaded machine).
      const idle = () => {
        const waiting =
          c.expect === 'open' && connackCode(Buffer.concat(chunks)) === undefined && performance.now() - started < MUST_CLOSE_MS;
        if (waiting) timer = setTimeout(idle, 50);
        else finish(false);
      };
      timer = setTimeout(c.expect === 'close' ? () => finish(false) : idle, c.expect === 'close' ? MUST_CLOSE_MS : IDLE_MS);
    });
  });
}

async function runAll(port: number, cases: FuzzCase[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < cases.length) out.push(await runCase(port, cases[next++]!));
    }),
  );
  return out.sort((a, b) => a.c.index - b.c.index);
}

/** A well-behaved client doing QoS 1 round trips on home/fuzz/ok, one after the other, until stopped. */
function roundTripper(client: MqttClient) {
  const waiting = new Map<string, () => void>();
  const failures: string[] = [];
  let ok = 0;
  let seq = 0;
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  client.on('message', (topic, payload) => {
    if (topic === 'home/fuzz/ok') waiting.get(payload.toString())?.();
  });
  const once = async () => {
    const payload = `rt-${++seq}`;
    const received = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        waiting.delete(payload);
        reject(new Error(`${payload} not received within 5 s`));
      }, 5000);
      waiting.set(payload, () => {
        clearTimeout(t);
        waiting.delete(payload);
        resolve();
      });
    });
    try {
      await client.publishAsync('home/fuzz/ok', payload, { qos: 1 });
      await received;
      ok++;
    } catch (err) {
      failures.push(`${payload}: ${(err as Error).message}`);
    }
  };
  return {
    start() {
      running = true;
      loop = (async () => {
        while (running) {
          await once();
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
    },
    async stop() {
      running = false;
      await loop;
    },
    once,
    get ok() {
      return ok;
    },
    failures,
  };
}

describe('MQTT protocol fuzzing', () => {
  it(`survives ${CASES} malformed and mutated client byte streams`, { timeout: 120_000 }, async () => {
    const tag = `[fuzz seed ${SEED}; reproduce with HEARTH_FUZZ_SEED=${SEED}]`;
    console.log(`${tag} ${CASES} cases, ${CONCURRENCY} sockets at a time`);
    const started = performance.now();
    let th: TestHub | undefined;
    try {
      th = await startTestHub();
      const hub = th.hub;
      const port = Number(new URL(th.mqttUrl).port);
      const cases = generateCases(SEED, CASES, {
        username: 'admin',
        password: ADMIN_PASSWORD,
        maxPacketSize: hub.config.mqtt.maxPacketSize,
      });

      const good = await th.connect({ clientId: 'well-behaved-fuzz-bystander', clean: true, keepalive: 30 });
      let goodCloses = 0;
      good.on('close', () => goodCloses++);
      await good.subscribeAsync('home/fuzz/ok', { qos: 1 });
      const rt = roundTripper(good);
      for (let i = 0; i < 3; i++) await rt.once();
      expect(rt.failures, tag).toEqual([]);

      const baselineOpen = hub.broker.openConnections;
      const connectedClients = () => (hub.broker.broker as any).connectedClients as number;
      const baselineClients = connectedClients();
      expect(baselineOpen, tag).toBeGreaterThanOrEqual(1);

      rt.start();
      const warm = await runAll(port, cases.slice(0, WARM_UP));
      await waitFor(
        () => hub.broker.openConnections === baselineOpen,
        `open connections back to ${baselineOpen} after warm-up ${tag}`,
        5000,
      );
      const heapAfterWarmUp = retainedHeap();
      const rest = await runAll(port, cases.slice(WARM_UP));
      const outcomes = [...warm, ...rest];
      const fuzzMs = performance.now() - started;

      // (3) Every socket ended closed; the cases MQTT 3.1.1 says must be dropped were dropped by the hub.
      expect(outcomes.length, tag).toBe(CASES);
      const describeOutcome = (o: Outcome) =>
        `#${o.c.index} ${o.c.kind} (${o.c.why}) bytes=[${hex(o.c.bytes)}] -> ${o.closedByHub ? 'closed by hub' : 'left open'} after ${Math.round(o.ms)} ms, hub sent [${hex(o.received, 16)}]`;
      const notConnected = outcomes.filter((o) => !o.connected);
      expect(notConnected.map(describeOutcome), `${tag} sockets the hub refused outright`).toEqual([]);
      // Violations grouped by case kind and reason, each with a count and a reproducible example.
      const violations = new Map<string, Outcome[]>();
      const violation = (what: string, o: Outcome) => {
        const key = `${what}: ${o.c.kind} (${o.c.why})`;
        violations.set(key, [...(violations.get(key) ?? []), o]);
      };
      for (const o of outcomes) {
        if (o.c.expect === 'open' && (o.closedByHub || connackCode(o.received) !== 0))
          violation('valid exchange closed or not accepted', o);
        if (o.c.mustNotAccept && connackCode(o.received) === 0) violation('invalid CONNECT accepted (CONNACK 0)', o);
        if (o.c.expect === 'close' && !o.closedByHub) violation(`invalid input not dropped within ${MUST_CLOSE_MS} ms`, o);
      }
      const report = [...violations].map(([key, list]) => `${key} x${list.length}, e.g. ${describeOutcome(list[0]!)}`).sort();
      const closeMs = outcomes
        .filter((o) => o.c.expect === 'close' && o.closedByHub)
        .map((o) => o.ms)
        .sort((a, b) => a - b);
      const levelReplies = outcomes.filter((o) => o.c.kind === 'bad-protocol-level');
      const levelConnack1 = levelReplies.filter((o) => connackCode(o.received) === 1).length;

      const byKind = new Map<string, { n: number; closed: number; accepted: number }>();
      for (const o of outcomes) {
        const s = byKind.get(o.c.kind) ?? { n: 0, closed: 0, accepted: 0 };
        s.n++;
        if (o.closedByHub) s.closed++;
        if (connackCode(o.received) === 0) s.accepted++;
        byKind.set(o.c.kind, s);
      }
      console.log(
        `${tag} must-close cases closed by the hub in median ${closeMs[closeMs.length >> 1]?.toFixed(1)} ms, max ${closeMs.at(-1)?.toFixed(1)} ms; ` +
          `bad protocol levels answered CONNACK 0x01 before the close: ${levelConnack1} of ${levelReplies.length} ([MQTT-3.1.2-2], informational)`,
      );
      console.log(
        `${tag} ${Math.round(fuzzMs)} ms; per kind (cases / closed by hub / CONNACK 0):\n` +
          [...byKind]
            .map(
              ([k, s]) => `  ${k.padEnd(24)} ${String(s.n).padStart(5)} ${String(s.closed).padStart(5)} ${String(s.accepted).padStart(5)}`,
            )
            .join('\n'),
      );

      // (1) The hub is alive and serving.
      expect(hub.ready, tag).toBe(true);
      const health = await fetch(`${th.httpUrl}/healthz`);
      expect(health.status, tag).toBe(200);

      // (2) The well-behaved client got every round trip during the fuzzing, and more afterwards.
      await rt.stop();
      for (let i = 0; i < 5; i++) await rt.once();
      expect(rt.failures, tag).toEqual([]);
      expect(rt.ok, tag).toBeGreaterThan(8);
      expect(goodCloses, `${tag} the well-behaved client was disconnected`).toBe(0);
      expect(good.connected, tag).toBe(true);

      // Connections and clients return to the baseline: nothing the fuzzer opened is left behind.
      await waitFor(
        () => hub.broker.openConnections === baselineOpen,
        `open connections back to ${baselineOpen} (now ${hub.broker.openConnections}) ${tag}`,
        5000,
      );
      await waitFor(
        () => connectedClients() === baselineClients,
        `connected clients back to ${baselineClients} (now ${connectedClients()}) ${tag}`,
        5000,
      );
      const fresh = await th.connect({ clientId: 'fresh-after-fuzz' });
      await fresh.publishAsync('home/fuzz/fresh', 'hello', { qos: 1 });
      expect(fresh.connected, tag).toBe(true);
      await fresh.endAsync();
      await waitFor(
        () => hub.broker.openConnections === baselineOpen,
        `open connections back to ${baselineOpen} after the fresh client ${tag}`,
        5000,
      );

      // (4) Memory: the heap after the run is not much above the heap after the warm-up.
      const heapAfter = retainedHeap();
      const growthMb = (heapAfter - heapAfterWarmUp) / 2 ** 20;
      console.log(
        `${tag} heap after warm-up ${(heapAfterWarmUp / 2 ** 20).toFixed(1)} MB, after run ${(heapAfter / 2 ** 20).toFixed(1)} MB; ${rt.ok} round trips`,
      );
      expect(growthMb, `${tag} heap grew ${growthMb.toFixed(1)} MB`).toBeLessThan(50);

      // The authenticated cases really reached the parser after CONNECT.
      const authenticated = outcomes.filter((o) => o.c.authenticated);
      const accepted = authenticated.filter((o) => connackCode(o.received) === 0).length;
      expect(accepted, `${tag} only ${accepted} of ${authenticated.length} authenticated cases got CONNACK 0`).toBeGreaterThan(
        authenticated.length * 0.3,
      );

      // The protocol assertions last, so that a failure still shows the hub survived.
      expect(report, `${tag} protocol violations by the hub (${report.length} kinds)`).toEqual([]);
    } finally {
      await th?.stop(true);
    }
  });
});
