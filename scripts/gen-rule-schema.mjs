// Writes rules/hearth-rules.schema.json (for editors' YAML extensions) from the rule schema; run after a build.
import { writeFileSync } from 'node:fs';
const { editorSchema } = await import(new URL('../dist/src/rules/editor-schema.js', import.meta.url));
const target = new URL('../rules/hearth-rules.schema.json', import.meta.url);
writeFileSync(target, JSON.stringify(editorSchema(), null, 2) + '\n');
console.log(`wrote ${target.pathname}`);
