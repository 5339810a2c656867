// `trigger: device`: a device goes online or offline (its `home/<id>/status`), optionally for a while.
import { statusTopic } from '../../devices/topic.js';
import type { Static } from '@sinclair/typebox';
import type { TRIGGERS } from '../schema.js';
import type { CompiledTrigger } from '../types.js';
import type { Path } from '../validate.js';
import { durationAt } from './common.js';
import { Hold } from './hold.js';

export function compileDevice(def: Static<typeof TRIGGERS.device>, id: string, path: Path): CompiledTrigger {
  const forMs = durationAt(def.for, [...path, 'for']);
  const devices = Array.isArray(def.device) ? def.device : [def.device];
  return {
    attach(ctx, fire, reject) {
      const holds = new Map<string, Hold>();
      // Holds pending when the hub stopped, for whichever devices they were.
      for (const key of ctx.durable?.pendingKeys?.(`${id}/`) ?? []) {
        const deviceId = key.slice(id.length + 1);
        const hold = new Hold(ctx.clock, forMs ?? 0, ctx.durable, `${id}/${deviceId}`);
        holds.set(deviceId, hold);
        hold.resume((event) => fire({ ...event, description: `${event.description} for ${hold.description} (resumed after a restart)` }));
      }
      const detaches = devices.map((device) =>
        ctx.onMessage(statusTopic(device), (m) => {
          const deviceId = m.topic.split('/')[1]!;
          const status = String(m.value);
          if (m.previous !== undefined && String(m.previous) === status) return;
          const event = {
            id,
            kind: 'device',
            topic: m.topic,
            payload: m.payload,
            value: status,
            device: deviceId,
            to: status,
            from: m.previous,
            description: `${deviceId} is ${status}`,
          };
          const held = holds.get(deviceId)?.cancel();
          if (held) reject(`for: interrupted after ${held}: ${deviceId} is ${status} again`, event);
          if (def.to && status !== def.to) return reject(`device: ${deviceId} is ${status}, wanted ${def.to}`, event);
          if (forMs === undefined) return fire(event);
          const hold = holds.get(deviceId) ?? new Hold(ctx.clock, forMs, ctx.durable, `${id}/${deviceId}`);
          holds.set(deviceId, hold);
          hold.start(event, () => fire({ ...event, description: `${event.description} for ${hold.description}` }));
        }),
      );
      return () => {
        for (const hold of holds.values()) hold.cancel();
        for (const d of detaches) d();
      };
    },
  };
}
