// `trigger: mqtt`: a message on a topic filter, optionally with a given payload or a value inside JSON.
import type { Static } from '@sinclair/typebox';
import type { TRIGGERS } from '../schema.js';
import type { CompiledTrigger } from '../types.js';
import { matchesAny, show, valueAtPath } from './common.js';

export function compileMqtt(def: Static<typeof TRIGGERS.mqtt>, id: string): CompiledTrigger {
  return {
    attach(ctx, fire, reject) {
      return ctx.onRawMessage(def.topic, (m) => {
        const value = def.value ? valueAtPath(m.value, def.value) : m.value;
        const event = { id, kind: 'mqtt', topic: m.topic, payload: m.payload, value, description: `${m.topic} = ${m.payload}` };
        if (def.payload !== undefined && !matchesAny(def.payload, def.value ? value : m.payload)) {
          return reject(
            `mqtt: ${def.value ? `${def.value} is ${show(value)}` : `payload ${show(m.payload)}`}, wanted ${show(def.payload)}`,
            event,
          );
        }
        fire(event);
      });
    },
  };
}
