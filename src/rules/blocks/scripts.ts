// Scripts: named action sequences with typed fields, compiled to a run the engine treats like a rule without
// triggers — its own mode, trace and durable delays. Field values come with the call (the trigger event's
// `fields`), with defaults filled in and numbers and true/false read from text.
import { compileSequence } from '../actions/index.js';
import { allOf } from '../conditions/index.js';
import { collector, scopeOf, withPath, type CompiledRule } from '../compile-rule.js';
import { compileValue, type Evaluate } from '../template.js';
import type { Path } from '../validate.js';
import { checkField, coerceField } from './fields.js';
import type { FieldDefinition, ScriptDefinition } from './schema.js';

export function compileScript(def: ScriptDefinition, file: string, path: Path): CompiledRule {
  const { attempt, done } = collector(path);
  const actions = attempt(() => compileSequence(def.actions, [...path, 'actions'], scopeOf));
  const fields = Object.entries(def.fields ?? {}).map(([name, field]) => [name, fieldValue(name, field)] as [string, Evaluate]);
  const variables = Object.entries(def.variables ?? {}).map(
    ([k, v]) => [k, attempt(() => withPath(() => compileValue(v), [...path, 'variables', k]))] as [string, Evaluate],
  );
  done();
  return {
    id: `script:${def.id}`,
    file,
    description: def.description ?? def.name ?? '',
    mode: def.mode ?? 'single',
    max: def.max ?? 10,
    onMissed: def.on_missed ?? 'run',
    enabledByDefault: true,
    definition: def,
    triggers: [],
    conditions: allOf([]),
    actions: actions!,
    variables: [...fields, ...variables],
    line: 1,
  };
}

/** A field's value for a run: what the call gave (read as its type), else its default; a missing one is an error. */
function fieldValue(name: string, field: FieldDefinition): Evaluate {
  return (scope) => {
    const given = (scope.trigger as { fields?: Record<string, unknown> } | undefined)?.fields?.[name];
    if (given === undefined) {
      if (field.default === undefined) throw new Error(`field ${name} is required and was not given`);
      return field.default;
    }
    const value = coerceField(field, given);
    const wrong = checkField(field, value);
    if (wrong) throw new Error(`field ${name} ${wrong}`);
    return value;
  };
}
