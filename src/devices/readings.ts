// Where readings come from for a consumer (the rule engine): the hub's registry, or — where no registry runs (rule
// tests, replay) — home/… messages on a bus, read by the same home adapter the registry uses.
import type { MessageBus } from '../bus/message-bus.js';
import { decodeHome } from './adapters/home.js';
import type { Reading } from './device-registry.js';
import { formatPayload, homeTopic, statusTopic } from './topic.js';

export type { Reading };

export interface ReadingSource {
  onReading(handler: (reading: Reading) => void): () => void;
}

/** Readings from `home/#` on a bus, live messages only (a registry-less engine is seeded with its states instead). */
export async function busReadings(bus: MessageBus, now: () => number = Date.now): Promise<ReadingSource & { close(): Promise<void> }> {
  const handlers = new Set<(reading: Reading) => void>();
  const unsubscribe = await bus.subscribe(
    'home/#',
    (m) => {
      for (const d of decodeHome({ topic: m.topic, payload: m.payload, retain: m.retain })) {
        let reading: Reading;
        if (d.kind === 'readings') {
          const [property, value] = Object.entries(d.values)[0]!;
          reading = {
            topic: homeTopic(d.key, property),
            deviceId: d.key,
            property,
            value,
            payload: formatPayload(value),
            ts: now(),
            retained: m.retain,
          };
        } else if (d.kind === 'availability') {
          const status = d.online ? 'online' : 'offline';
          reading = {
            topic: statusTopic(d.key),
            deviceId: d.key,
            property: 'status',
            value: status,
            payload: status,
            ts: now(),
            retained: m.retain,
          };
        } else continue;
        for (const h of [...handlers]) h(reading);
      }
    },
    { retained: false },
  );
  return {
    onReading(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close: unsubscribe,
  };
}
