// Builds dist/ only when a source is newer than its output, and never while a hub started from dist/ runs
// (rewriting its files under it would break the dashboard it serves and any module it loads later).
// Run by bin/hearth (so by `npm start`, `npm run hearth` and `hearth` itself); `npm run build` builds every time.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hubsRunningFrom } from './build-lock.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Files under `dir` (recursively) whose names pass `keep`. */
function files(dir, keep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return files(path, keep);
    return keep(e.name) ? [path] : [];
  });
}

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : -1);

/**
 * The first source newer than its output (or whose output is missing), or a file every output depends on that is
 * newer than one (`package-lock.json` after an `npm install`, which rewrites it even when nothing changed), or
 * undefined when the build is current.
 */
export function staleSource(base = root) {
  // Every source of src/ is also in the bundle (scripts/bundle.mjs): its output and the bundle must both be newer.
  const bundle = mtime(join(base, 'dist/app/hearth.js'));
  // Read once: every output is compared with them.
  const shared = ['tsconfig.json', 'package-lock.json'].map((name) => ({ name, time: mtime(join(base, name)) }));
  for (const dir of ['src', 'bench']) {
    for (const source of files(join(base, dir), (n) => n.endsWith('.ts') && !n.endsWith('.d.ts'))) {
      const output = join(base, 'dist', relative(base, source)).replace(/\.ts$/, '.js');
      const built = dir === 'src' ? Math.min(mtime(output), bundle) : mtime(output);
      if (built < 0 || mtime(source) > built) return relative(base, source);
      const newer = shared.find((f) => f.time > built);
      if (newer) return newer.name;
    }
  }
  const page = mtime(join(base, 'web/dist/index.html'));
  const webSources = [
    ...files(join(base, 'web/src'), () => true),
    ...files(join(base, 'web/public'), () => true),
    ...files(join(base, 'web'), (n) => n.endsWith('.mjs')),
  ];
  for (const source of webSources) {
    if (page < 0 || mtime(source) > page) return relative(base, source);
  }
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stale = staleSource();
  if (stale) {
    const running = await hubsRunningFrom(root);
    if (running) {
      console.error(
        `hearth: ${stale} changed since the last build, but a hub started from this dist/ is running; not rebuilding under it (stop it, then run: npm run build). Using the existing build.`,
      );
    } else if (!existsSync(join(root, 'node_modules/.bin/tsc'))) {
      console.error(
        'hearth: dist/ is missing or out of date and TypeScript is not installed; run `npm install` (with dev dependencies) then `npm run build`',
      );
      process.exit(1);
    } else {
      console.error(`hearth: building dist/ (${stale} is newer than the last build)…`);
      execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
    }
  }
}
