// Backup archives (.tar.gz) through node-tar, the library npm itself unpacks packages with. On top of its own
// protections (no absolute paths, no `..`, no writing through symlinks), a restore reads the whole archive first
// and refuses it outright unless every entry is a regular file with an expected, plain relative name: nothing a
// backup restores can land outside the directory it is restored into, and a bad archive writes nothing at all.
import { chmodSync, mkdirSync } from 'node:fs';
import { create, extract, list, type ReadEntry } from 'tar';

/** Writes `names` (files relative to `dir`) into a gzipped tar at `target`, readable by its owner only. */
export async function writeTarGz(target: string, dir: string, names: string[]): Promise<void> {
  // portable: no owner names or ids, nothing of this machine beyond the files themselves.
  await create({ gzip: true, file: target, cwd: dir, portable: true }, names);
  chmodSync(target, 0o600);
}

/**
 * Extracts `source` into `dir`. Every entry is checked before anything is written: `accept` sees each name and
 * returns false for one the archive must not hold; names that are absolute or climb out with `..`, and entries that
 * are not regular files (links, devices, directories), are always refused.
 */
export async function extractTarGz(source: string, dir: string, accept: (name: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  const problems: string[] = [];
  const check = (entry: ReadEntry) => {
    const name = entry.path;
    if (entry.type !== 'File' && entry.type !== 'OldFile') problems.push(`entry ${JSON.stringify(name)} is not a regular file`);
    else if (!safeName(name) || !accept(name)) problems.push(`unexpected entry ${JSON.stringify(name)}`);
    else names.push(name);
    entry.resume();
  };
  try {
    // preservePaths keeps names as they are in the archive, so that the check sees what the archive really holds.
    await list({ file: source, strict: true, preservePaths: true, onReadEntry: check });
  } catch (err) {
    throw new Error(describeReadError(err));
  }
  if (problems.length > 0) throw new Error(`not a Hearth backup: ${problems[0]}`);
  if (new Set(names).size !== names.length) throw new Error('not a Hearth backup: a name appears twice');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await extract({ file: source, cwd: dir, strict: true, filter: (path) => names.includes(path) });
  return names;
}

function safeName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.startsWith('/') &&
    !name.includes('\\') &&
    name.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

function describeReadError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'TAR_BAD_ARCHIVE')
    return 'not a Hearth backup: it is not a gzipped tar archive';
  if (code === 'TAR_ABORT' || /truncated|unexpected end/i.test((err as Error).message)) return 'the backup is truncated or damaged';
  return (err as Error).message;
}
