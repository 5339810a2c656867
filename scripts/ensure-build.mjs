// Builds dist/ when it is missing or older than the sources, so `npm start` always runs current compiled JavaScript.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const entry = join(root, 'dist/src/main.js');

function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    latest = Math.max(latest, st.isDirectory() ? newest(path) : st.mtimeMs);
  }
  return latest;
}

const sources = ['src', 'web'].map((d) => join(root, d)).filter(existsSync);
const stale = !existsSync(entry) || sources.some((dir) => newest(dir) > statSync(entry).mtimeMs);
if (stale) {
  if (!existsSync(join(root, 'node_modules/.bin/tsc'))) {
    console.error('hearth: dist/ is missing or out of date and TypeScript is not installed; run `npm install` (with dev dependencies) then `npm run build`');
    process.exit(1);
  }
  console.error('hearth: building (npm run build)…');
  execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
}
