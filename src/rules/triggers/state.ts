// `trigger: state`: a topic's value changes (optionally from / to given values), optionally held `for:` a while.
import type { Static } from '@sinclair/typebox';
import type { TRIGGERS } from '../schema.js';
import { sameValue, type CompiledTrigger } from '../types.js';
import type { Path } from '../validate.js';
import { durationAt, matchesAny, show } from './common.js';
import { Hold } from './hold.js';

export function compileState(def: Static<typeof TRIGGERS.state>, id: string, path: Path): CompiledTrigger {
  const forMs = durationAt(def.for, [...path, 'for']);
  return {
    attach(ctx, fire, reject) {
      const hold = forMs !== undefined ? new Hold(ctx.clock, forMs, ctx.durable, `${id}/${def.topic}`) : undefined;
      hold?.resume((event) =>
        fire({ ...event, description: `${event.description}, held for ${hold.description} (resumed after a restart)` }),
      );
      const detach = ctx.onMessage(def.topic, (m) => {
        if (sameValue(m.previous, m.value)) return; // not a change
        const event = {
          id,
          kind: 'state',
          topic: m.topic,
          payload: m.payload,
          value: m.value,
          from: m.previous,
          to: m.value,
          description: `${m.topic}: ${show(m.previous)} → ${show(m.value)}`,
        };
        const interrupted = hold?.cancel();
        if (interrupted) reject(`for: ${hold!.description} interrupted after ${interrupted} by ${show(m.value)}`, event);
        if (def.from !== undefined && !matchesAny(def.from, m.previous))
          return reject(`state: changed from ${show(m.previous)}, wanted from ${show(def.from)}`, event);
        if (def.to !== undefined && !matchesAny(def.to, m.value))
          return reject(`state: changed to ${show(m.value)}, wanted ${show(def.to)}`, event);
        if (hold) hold.start(event, () => fire({ ...event, description: `${event.description}, held for ${hold.description}` }));
        else fire(event);
      });
      return () => {
        hold?.cancel();
        detach();
      };
    },
  };
}
