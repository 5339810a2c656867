// Triggers fired from outside MQTT and the clock: `hub` (the hub's own start and shutdown) and `webhook` (a call to
// POST /api/webhooks/:id).
import type { Static } from '@sinclair/typebox';
import type { TRIGGERS } from '../schema.js';
import type { CompiledTrigger } from '../types.js';

export function compileHub(def: Static<typeof TRIGGERS.hub>, id: string): CompiledTrigger {
  return {
    attach: (ctx, fire) => ctx.onHub(def.event, () => fire({ id, kind: 'hub', value: def.event, description: `hub ${def.event}` })),
  };
}

export function compileWebhook(def: Static<typeof TRIGGERS.webhook>, id: string): CompiledTrigger {
  return {
    attach: (ctx, fire) =>
      ctx.onWebhook(def.webhook_id, (body) =>
        fire({
          id,
          kind: 'webhook',
          value: body,
          payload: typeof body === 'string' ? body : JSON.stringify(body),
          description: 'webhook called',
        }),
      ),
  };
}
