// Prints the configuration table for the README from the config schema (run after `npm run build`).
const { describeOptions } = await import(new URL('../dist/src/config/schema.js', import.meta.url));
console.log('| key | environment / flag | default | meaning |');
console.log('|---|---|---|---|');
for (const { key, schema } of describeOptions()) {
  const where = [schema.env && `\`${schema.env}\``, schema.flag && `\`${schema.flag}\``].filter(Boolean).join(' / ');
  const def = schema.default === undefined ? '—' : `\`${JSON.stringify(schema.default)}\``;
  console.log(`| \`${key}\` | ${where} | ${def} | ${schema.description} |`);
}
