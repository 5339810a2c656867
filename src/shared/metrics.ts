// Counters and gauges for /metrics. Counting is a Map update on the message path; prom-client renders them, with
// its standard process figures (CPU, memory, heap spaces, event-loop lag, GC pauses, handles), and is loaded at the
// first scrape only: a hub nobody scrapes does not pay its memory or start-up time.
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;
type Sample = { labels: Labels; value: number };

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples(): Sample[];
}

export class Metrics {
  readonly #counters = new Map<string, { help: string; values: Map<string, Sample> }>();
  readonly #gauges = new Map<string, { help: string; read: () => number }>();
  readonly #labelled = new Map<string, { help: string; type: 'counter' | 'gauge'; read: () => Sample[] }>();
  #registry: Promise<Registry> | undefined;
  #registered = new Set<string>();

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const entry = this.#counters.get(name) ?? { help, values: new Map<string, Sample>() };
    this.#counters.set(name, entry);
    return (labels, by = 1) => {
      const key = labels ? labelKey(labels) : '';
      const sample = entry.values.get(key);
      if (sample) sample.value += by;
      else entry.values.set(key, { labels: labels ?? {}, value: by });
    };
  }

  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.set(name, { help, read });
  }

  /** A family with one sample per label set (one per bridge, say) that a part counts itself, read at scrape time. */
  labelled(name: string, help: string, type: 'counter' | 'gauge', read: () => Sample[]): void {
    this.#labelled.set(name, { help, type, read });
  }

  value(name: string, labels?: Labels): number {
    const labelled = this.#labelled.get(name);
    if (labelled) return labelled.read().find((s) => labelKey(s.labels) === labelKey(labels ?? {}))?.value ?? 0;
    return this.#counters.get(name)?.values.get(labels ? labelKey(labels) : '')?.value ?? this.#gauges.get(name)?.read() ?? 0;
  }

  /** The Prometheus text exposition of every counter and gauge, and of the process. */
  async render(): Promise<{ contentType: string; text: string }> {
    this.#registry ??= this.#createRegistry();
    const registry = await this.#registry;
    for (const family of this.#families()) if (!this.#registered.has(family.name)) this.#register(registry, family);
    return { contentType: registry.contentType, text: await registry.metrics() };
  }

  async #createRegistry(): Promise<Registry> {
    const { Registry, collectDefaultMetrics } = await import('./prom-client-lib.js');
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    return registry;
  }

  *#families(): Iterable<Family> {
    for (const [name, { help, values }] of this.#counters) {
      yield { name, help, type: 'counter', samples: () => (values.size === 0 ? [{ labels: {}, value: 0 }] : [...values.values()]) };
    }
    for (const [name, { help, read }] of this.#gauges) yield { name, help, type: 'gauge', samples: () => [{ labels: {}, value: read() }] };
    for (const [name, { help, type, read }] of this.#labelled) yield { name, help, type, samples: read };
  }

  // A collector in prom-client's metric shape (`get()` gives name, help, type and values at scrape time): the values
  // live in the Maps above, so nothing is copied per message.
  #register(registry: Registry, family: Family): void {
    const { name, help, type } = family;
    const aggregator = type === 'counter' ? 'sum' : 'first';
    registry.registerMetric({
      name,
      help,
      type,
      aggregator,
      get: async () => ({ name, help, type, aggregator, values: family.samples().map((s) => ({ labels: s.labels, value: s.value })) }),
      reset: () => undefined,
    } as unknown as Parameters<Registry['registerMetric']>[0]);
    this.#registered.add(name);
  }
}

function labelKey(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join('\0');
}
