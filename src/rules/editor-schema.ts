// The JSON Schema for editors' YAML extensions (rules/hearth-rules.schema.json): a rule, a list of rules, or the
// sections rules:, scenes:, scripts:, helpers:, blueprints:; trigger, condition and action kinds as anyOf lists.
import { HELPERS } from '../helpers/helper-schema.js';
import { BlueprintSchema, SceneSchema, ScriptSchema, UseBlueprintRuleSchema } from './blocks/schema.js';
import { ACTIONS, CONDITIONS, RuleSchema, TRIGGERS } from './schema.js';

export function editorSchema(): object {
  const replace = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(replace);
    if (node && typeof node === 'object') {
      const ref = (node as { 'x-ref'?: string })['x-ref'];
      if (ref) return { $ref: `#/definitions/${ref}` };
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) if (k !== 'x-expect') out[k] = replace(v);
      return out;
    }
    return node;
  };
  const list = (ref: string) => ({ type: 'array', items: { $ref: `#/definitions/${ref}` } });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://hearth.local/hearth-rules.schema.json',
    title: 'Hearth rules',
    description: 'One rule, a list of rules, or sections of rules, scenes, scripts, helpers and blueprints, for the Hearth smart-home hub',
    definitions: {
      rule: { anyOf: [replace(RuleSchema), replace(UseBlueprintRuleSchema)] },
      scene: replace(SceneSchema),
      script: replace(ScriptSchema),
      helper: { anyOf: Object.values(HELPERS).map(replace) },
      // A blueprint's triggers, conditions and actions hold !input tags, which a JSON Schema cannot type.
      blueprint: replace(BlueprintSchema),
      trigger: { anyOf: Object.values(TRIGGERS).map(replace) },
      condition: { anyOf: Object.values(CONDITIONS).map(replace) },
      action: { anyOf: Object.values(ACTIONS).map(replace) },
    },
    anyOf: [
      { $ref: '#/definitions/rule' },
      list('rule'),
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          rules: list('rule'),
          scenes: list('scene'),
          scripts: list('script'),
          helpers: list('helper'),
          blueprints: list('blueprint'),
        },
      },
    ],
  };
}
