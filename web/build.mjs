// Builds the dashboard into web/dist with esbuild: one hashed JS bundle, one hashed CSS file, index.html.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPwa } from './build-pwa.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(here, 'src/main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  write: false,
  outdir: 'out',
  loader: { '.css': 'css' },
  logLevel: 'warning',
});
const hashed = (name, ext, body) => `${name}.${createHash('sha256').update(body).digest('hex').slice(0, 10)}.${ext}`;
let js = '';
let css = readFileSync(join(here, 'src/style.css'), 'utf8');
for (const file of result.outputFiles) {
  if (file.path.endsWith('.js')) js = file.text;
  if (file.path.endsWith('.css')) css = file.text + '\n' + css;
}
const jsName = hashed('app', 'js', js);
const cssName = hashed('app', 'css', css);
writeFileSync(join(dist, 'assets', jsName), js);
writeFileSync(join(dist, 'assets', cssName), css);
const html = readFileSync(join(here, 'src/index.html'), 'utf8').replace('%CSS%', `/assets/${cssName}`).replace('%JS%', `/assets/${jsName}`);
writeFileSync(join(dist, 'index.html'), html);
await buildPwa({ here, dist, css: cssName });
console.log(`web: built ${jsName} (${(js.length / 1024).toFixed(1)} KiB) and ${cssName} (${(css.length / 1024).toFixed(1)} KiB)`);
