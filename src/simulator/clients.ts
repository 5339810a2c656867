// How a simulation's clients end: with a goodbye, each says offline on its status topic (a clean DISCONNECT discards
// the will) and disconnects; abrupt, each socket is destroyed as a crash or a pulled plug would.
import type { MqttClient } from 'mqtt';

export async function closeClients(
  clients: Map<string, MqttClient>,
  { abrupt = false, goodbye = true }: { abrupt?: boolean; goodbye?: boolean },
  offline: (id: string) => { topic: string; retain: boolean },
): Promise<void> {
  await Promise.all(
    [...clients.entries()].map(async ([id, c]) => {
      if (abrupt) return void c.stream?.destroy();
      const { topic, retain } = offline(id);
      if (goodbye) await c.publishAsync(topic, 'offline', { qos: 1, retain }).catch(() => undefined);
      await c.endAsync().catch(() => undefined);
    }),
  );
}
