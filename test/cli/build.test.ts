// `npm start` and `npm run hearth` build dist/ once: again only when a source is newer than its output, and never
// while a hub started from that dist/ runs. Tested on a copy of the project, with its own dist/.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/hub.js';

const ROOT = join(import.meta.dirname, '../..');

function copyProject(): string {
  const dir = tempDir('hearth-build-');
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'bench', 'scripts', 'bin', 'web']) {
    // Everything a build reads, and none of what it wrote.
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true, filter: (path) => !path.startsWith(join(ROOT, 'web/dist')) });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const ensureBuild = (dir: string) =>
  spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
const mtime = (path: string) => statSync(path).mtimeMs;
/** A source edited now: newer than everything built before. */
const touch = (path: string) => utimesSync(path, new Date(), new Date(Date.now() + 5_000));

describe('building dist/', () => {
  it('builds once, again only after a source changes, and never under a running hub', async () => {
    const dir = copyProject();
    const first = ensureBuild(dir);
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('building dist/');
    expect(existsSync(join(dir, 'dist/src/main.js'))).toBe(true);
    expect(existsSync(join(dir, 'web/dist/index.html'))).toBe(true);
    const built = mtime(join(dir, 'dist/src/main.js'));

    const again = ensureBuild(dir);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe('');
    expect(mtime(join(dir, 'dist/src/main.js'))).toBe(built);

    // A hub started from this dist/ (by its bin/hearth, as npm start does).
    const dataDir = tempDir();
    const { spawn } = await import('node:child_process');
    const hub = spawn(
      join(dir, 'bin/hearth'),
      ['start', '--mqtt-port', '0', '--http-port', '0', '--data-dir', dataDir, '--rules-dir', join(dataDir, 'rules')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    hub.stdout.on('data', (d) => (out += d));
    hub.stderr.on('data', (d) => (out += d));
    const exited = new Promise((r) => hub.once('exit', r));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`hub did not start:\n${out}`)), 20_000);
        hub.stdout.on('data', () => {
          if (!/Hearth is running/.test(out)) return;
          clearTimeout(timer);
          resolve();
        });
      });
      // bin/hearth execs Node with the start flags and malloc settings the README documents (Performance, Memory):
      // without the fixed mmap threshold each login's 16 MiB scrypt block stays resident.
      const cmdline = readFileSync(`/proc/${hub.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toEqual(
        expect.arrayContaining([
          ...'--max-semi-space-size=2 --max-lazy --no-short-builtin-calls --bytecode-old-age=1 --flush-baseline-code'.split(' '),
          expect.stringMatching(/\/dist\/app\/hearth\.js$/),
        ]),
      );
      const environ = readFileSync(`/proc/${hub.pid}/environ`, 'utf8').split('\0');
      expect(environ).toEqual(expect.arrayContaining(['MALLOC_ARENA_MAX=2', 'MALLOC_MMAP_THRESHOLD_=131072']));
      touch(join(dir, 'src/hub.ts'));
      const underHub = ensureBuild(dir);
      expect(underHub.status).toBe(0);
      expect(underHub.stderr).toContain(
        'src/hub.ts changed since the last build, but a hub started from this dist/ is running; not rebuilding under it',
      );
      expect(mtime(join(dir, 'dist/src/main.js'))).toBe(built);
      const forced = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, encoding: 'utf8' });
      expect(forced.status).toBe(1);
      expect(forced.stderr).toContain('a hub started from this dist/ is running; stop it before building');
    } finally {
      hub.kill('SIGTERM');
      await exited;
    }
    // Once the hub is gone, the changed source is built.
    const after = ensureBuild(dir);
    expect(after.stderr).toContain('building dist/ (src/hub.ts is newer than the last build)');
    expect(mtime(join(dir, 'dist/src/hub.js'))).toBeGreaterThan(built);
    execFileSync(join(dir, 'bin/hearth'), ['help'], { encoding: 'utf8' });
    // `npm install` rewrites package-lock.json even when nothing changed: the build says that is why it runs, not
    // that the first source file changed.
    const { staleSource } = await import(join(dir, 'scripts/ensure-build.mjs'));
    const before = new Date(built - 60_000); // src/hub.ts was touched into the future above
    utimesSync(join(dir, 'src/hub.ts'), before, before);
    expect(staleSource(dir)).toBeUndefined();
    touch(join(dir, 'package-lock.json'));
    expect(staleSource(dir)).toBe('package-lock.json');
  }, 180_000);
});
