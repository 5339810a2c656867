// Whether a hub started from this checkout's dist/ is running: each such hub holds a shared SQLite lock on
// dist/.in-use for its lifetime (src/shared/build-in-use.ts); the kernel drops it however the hub ends.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export async function hubsRunningFrom(root) {
  const file = join(root, 'dist', '.in-use');
  if (!existsSync(file)) return false;
  let Database;
  try {
    Database = (await import('better-sqlite3')).default;
  } catch {
    return false; // not installed yet: nothing can run from dist/ either
  }
  const db = new Database(file, { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
    return false;
  } catch (err) {
    if (err.code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    db.close();
  }
}
