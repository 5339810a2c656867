// A hub started from the compiled build marks dist/ as in use (a shared SQLite lock on dist/.in-use, held for the
// process lifetime), so `npm start`, `npm run hearth` and `npm run build` never rewrite dist/ under it
// (scripts/build-lock.mjs checks it).
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3, { type Database } from 'better-sqlite3';

/** Kept open for the life of the process: closing it would release the lock. */
let held: Database | undefined;

/**
 * Holds the lock when this code runs from `<root>/dist/` (the bundle in dist/app/ or the modules in dist/src/); does
 * nothing when it runs from the sources (tests).
 */
export function markBuildInUse(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const at = here.lastIndexOf(`${sep}dist${sep}`);
  if (at < 0) return;
  const dist = here.slice(0, at + `${sep}dist`.length);
  if (held || !existsSync(dist)) return;
  try {
    const db = new BetterSqlite3(join(dist, '.in-use'), { timeout: 0 });
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    held = db;
  } catch {
    // A read-only install (a release under /opt) has nothing to protect from a rebuild.
  }
}
