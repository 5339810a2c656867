// The trigger registry: the `trigger:` key of a rule maps to the module that compiles it.
import type { TriggerDefinition } from '../schema.js';
import type { CompiledTrigger } from '../types.js';
import type { Path } from '../validate.js';
import { compileDevice } from './device.js';
import { compileMqtt } from './mqtt.js';
import { compileNumericState } from './numeric-state.js';
import { compilePresence } from './presence.js';
import { compileState } from './state.js';
import { compileHub, compileWebhook } from './external.js';
import { compileCron, compileSun, compileTime, compileTimePattern } from './time.js';

export function compileTrigger(def: TriggerDefinition, index: number, path: Path): CompiledTrigger {
  const id = def.id ?? String(index);
  switch (def.trigger) {
    case 'mqtt':
      return compileMqtt(def, id);
    case 'state':
      return compileState(def, id, path);
    case 'numeric_state':
      return compileNumericState(def, id, path);
    case 'device':
      return compileDevice(def, id, path);
    case 'time':
      return compileTime(def, id);
    case 'time_pattern':
      return compileTimePattern(def, id, path);
    case 'cron':
      return compileCron(def, id, path);
    case 'sun':
      return compileSun(def, id, path);
    case 'hub':
      return compileHub(def, id);
    case 'webhook':
      return compileWebhook(def, id);
    case 'presence':
      return compilePresence(def, id, path);
  }
}
