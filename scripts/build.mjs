// `npm run build`: compiles src/ and bench/ into dist/ and builds the dashboard, unless a hub from dist/ is running.
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hubsRunningFrom } from './build-lock.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
if (await hubsRunningFrom(root)) {
  console.error('hearth: a hub started from this dist/ is running; stop it before building (rewriting dist/ under it would break it)');
  process.exit(1);
}
execSync(`"${join(root, 'node_modules/.bin/tsc')}" -p tsconfig.json`, { cwd: root, stdio: 'inherit' });
await import('./build-web.mjs');
await import('./bundle.mjs');
