// Runs the adapters: subscribes their topics, hands each message to its adapter's decoder, applies what it says to the
// registry, mirrors other adapters' devices onto home/<id>/…, and routes every home/<id>/<property>/set command to
// the device's adapter, which says it in the device's own dialect.
import type { MessageBus, BusMessage } from '../bus/message-bus.js';
import type { Logger } from '../shared/logger.js';
import { problem, type Adapter, type AdapterContext, type AdapterSettings, type Decoded, type Encoded } from './adapters/types.js';
import type { DeviceRegistry } from './device-registry.js';
import { commandTopic, formatPayload, HOME, homeTopic, statusTopic } from './topic.js';

export interface AdapterHostDeps {
  bus: MessageBus;
  registry: DeviceRegistry;
  logger: Logger;
  adapters: Array<{ adapter: Adapter; settings: AdapterSettings }>;
}

interface Running {
  adapter: Adapter;
  settings: AdapterSettings;
  ctx: AdapterContext;
  /** Exact topics the adapter watches (state topics of discovery configs), each with its unsubscribe. */
  watches: Map<string, Promise<() => Promise<void>>>;
}

export class AdapterHost {
  readonly #deps: AdapterHostDeps;
  readonly #running = new Map<string, Running>();
  #unsubscribes: Array<() => Promise<void>> = [];
  #stopped = false;

  constructor(deps: AdapterHostDeps) {
    this.#deps = deps;
  }

  /** Subscribes every adapter's filters (retained messages first, so state published while the hub was down counts). */
  async start(): Promise<void> {
    const { bus, registry } = this.#deps;
    for (const { adapter, settings } of this.#deps.adapters) {
      const run: Running = { adapter, settings, watches: new Map(), ctx: undefined as unknown as AdapterContext };
      run.ctx = {
        watch: (topic) => this.#watch(run, topic),
        unwatch: (topic) => this.#unwatch(run, topic),
        publish: (m) => void this.#publish(m, `${adapter.name} publish`),
      };
      this.#running.set(adapter.name, run);
      adapter.restore?.(registry.knownDevices(adapter.name), run.ctx);
    }
    for (const run of this.#running.values()) {
      for (const filter of run.adapter.filters) {
        this.#unsubscribes.push(
          await bus.subscribe(
            filter,
            (m) => {
              // A watched topic is delivered by its own subscription (with its retained message), not twice.
              if (run.watches.has(m.topic)) return;
              this.#deliver(run, m);
            },
            { retained: true },
          ),
        );
      }
      run.adapter.start?.(run.ctx);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const unsubscribe of this.#unsubscribes.splice(0)) await unsubscribe().catch(() => undefined);
    for (const run of this.#running.values()) {
      for (const pending of run.watches.values()) await (await pending.catch(() => async () => undefined))().catch(() => undefined);
      run.watches.clear();
    }
    this.#running.clear();
  }

  /** The adapter running under a name (its devices' `source`). */
  adapter(name: string): Adapter | undefined {
    return this.#running.get(name)?.adapter;
  }

  #watch(run: Running, topic: string): void {
    if (this.#stopped || run.watches.has(topic)) return;
    run.watches.set(
      topic,
      this.#deps.bus.subscribe(topic, (m) => this.#deliver(run, m), { retained: true }),
    );
  }

  #unwatch(run: Running, topic: string): void {
    const pending = run.watches.get(topic);
    if (!pending) return;
    run.watches.delete(topic);
    void pending.then((unsubscribe) => unsubscribe()).catch(() => undefined);
  }

  #deliver(run: Running, m: BusMessage): void {
    const { adapter } = run;
    const { registry, logger } = this.#deps;
    if (m.payload.length > adapter.maxPayload) {
      registry.problem(
        adapter.name,
        problem(
          `huge ${m.topic}`,
          `${m.topic} sent ${m.payload.length} bytes, more than ${adapter.name} takes (${adapter.maxPayload}); ignored (logged once for this topic)`,
          'too_large',
        ),
      );
      return;
    }
    let decoded: Decoded[];
    try {
      // The bus message is handed over as it is (an AdapterMessage with more fields): no copy for each message.
      decoded = adapter.decode(m, run.ctx);
    } catch (err) {
      registry.problem(
        adapter.name,
        problem(
          `error ${m.topic}`,
          `${adapter.name} could not read ${m.topic}: ${(err as Error).message} (logged once for this topic)`,
          'malformed',
        ),
      );
      return;
    }
    for (const d of decoded) {
      try {
        this.#apply(run, d, m.retain);
      } catch (err) {
        logger.error(`${adapter.name}: applying ${d.kind} from ${m.topic} failed: ${(err as Error).message}`);
      }
    }
  }

  #apply(run: Running, d: Decoded, retain: boolean): void {
    const { registry } = this.#deps;
    const { adapter, settings } = run;
    const name = adapter.name;
    // With the home adapter turned off, home/… still carries commands to other adapters' devices.
    if (!settings.enabled && d.kind !== 'command') return;
    const mirror = name !== HOME && settings.mirror;
    switch (d.kind) {
      case 'device':
        registry.describe(name, d);
        return;
      case 'readings': {
        const taken: Array<[string, unknown]> | undefined = mirror ? [] : undefined;
        const device = registry.record(name, d.key, d.values, { retain, name: d.name || undefined, taken });
        if (device && taken)
          for (const [p, v] of taken)
            void this.#publish({ topic: homeTopic(device.id, p), payload: formatPayload(v), retain: true }, 'mirror');
        return;
      }
      case 'availability': {
        const device = registry.setAvailability(name, d.key, d.online, d.reason, retain);
        if (mirror && device)
          void this.#publish({ topic: statusTopic(device.id), payload: d.online ? 'online' : 'offline', retain: true }, 'mirror', 1);
        return;
      }
      case 'removed':
        void registry.forget(name, d.key, d.reason);
        return;
      case 'problem':
        registry.problem(name, d, d.reason ? 'warn' : 'info');
        return;
      case 'command':
        this.#command(d.key, d.property, d.value);
    }
  }

  /** A command on home/<id>/<property>/set: a home device reads it there itself; another adapter's gets it in its dialect. */
  #command(id: string, property: string, value: unknown): void {
    const { registry } = this.#deps;
    const device = registry.find(HOME, id);
    if (!device || device.source === HOME) return;
    const run = this.#running.get(device.source);
    if (!run?.settings.enabled) {
      registry.problem(
        HOME,
        problem(
          `adapter off ${device.source}`,
          `a command for ${id} was not sent: its adapter ${device.source} is not enabled (adapters.${device.source}.enabled)`,
        ),
      );
      return;
    }
    const encoded = run.adapter.encode(registry.known(device), property, value);
    if (typeof encoded === 'string') {
      registry.problem(
        device.source,
        problem(`command ${id} ${property}`, `${commandTopic(id, property)} was not sent to the device: ${encoded} (logged once)`),
      );
      return;
    }
    for (const e of encoded) void this.#publish(e, `command for ${id}`, 1);
  }

  async #publish(m: Encoded, what: string, qos: 0 | 1 = 0): Promise<void> {
    if (this.#stopped) return;
    await this.#deps.bus.publish(m.topic, m.payload, { qos, retain: m.retain ?? false }).catch((err: Error) => {
      this.#deps.logger.warn(`${what} to ${m.topic} not published: ${err.message}`);
    });
  }
}
