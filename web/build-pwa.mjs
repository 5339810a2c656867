// The installable part of the dashboard build: copies the manifest, icons and offline page (web/public) into
// web/dist/assets and builds the service worker (web/dist/sw.js) with the list of files it keeps for offline use.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `css`: the hashed stylesheet's file name, which the offline page uses too. */
export async function buildPwa({ here, dist, css }) {
  const pub = join(here, 'public');
  const files = readdirSync(pub).sort();
  const hash = createHash('sha256').update(css);
  for (const name of files) {
    let body = readFileSync(join(pub, name));
    if (name === 'offline.html') body = Buffer.from(body.toString('utf8').replace('%CSS%', `/assets/${css}`));
    writeFileSync(join(dist, 'assets', name), body);
    hash.update(name).update(body);
  }
  const shell = [`/assets/${css}`, ...files.filter((f) => f !== 'manifest.webmanifest').map((f) => `/assets/${f}`)];
  const version = hash.digest('hex').slice(0, 10);
  await build({
    entryPoints: [join(here, 'src/sw.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    outfile: join(dist, 'sw.js'),
    define: { SHELL: JSON.stringify(shell), VERSION: JSON.stringify(version) },
    logLevel: 'warning',
  });
  return { version, shell };
}
