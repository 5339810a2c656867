// A gzipped tar (ustar) writer and reader for backups, streaming so that a large database never sits in memory.
// Only regular files with relative names are written or accepted: nothing a backup restores can land outside the
// directory it is restored into.
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

export interface TarEntry {
  /** Relative name inside the archive, with `/` separators. */
  name: string;
  /** A file to copy, or the content itself. */
  file?: string;
  data?: Buffer;
}

const BLOCK = 512;

export async function writeTarGz(target: string, entries: TarEntry[]): Promise<void> {
  async function* blocks(): AsyncGenerator<Buffer> {
    for (const entry of entries) {
      const size = entry.data ? entry.data.length : statSync(entry.file!).size;
      yield header(entry.name, size);
      if (entry.data) yield entry.data;
      else {
        let copied = 0;
        for await (const chunk of createReadStream(entry.file!)) {
          copied += (chunk as Buffer).length;
          if (copied > size) throw new Error(`${entry.file} grew while it was archived`);
          yield chunk as Buffer;
        }
        if (copied !== size) throw new Error(`${entry.file} shrank while it was archived`);
      }
      if (size % BLOCK) yield Buffer.alloc(BLOCK - (size % BLOCK));
    }
    yield Buffer.alloc(2 * BLOCK); // end of archive
  }
  await pipeline(Readable.from(blocks()), createGzip(), createWriteStream(target, { mode: 0o600 }));
}

/**
 * Extracts `source` into `dir`. `accept` sees every entry's name first and returns false to refuse the archive
 * (an unexpected name); names that are absolute or climb out with `..` are always refused.
 */
export async function extractTarGz(source: string, dir: string, accept: (name: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let current: { fd: number; left: number; pad: number } | undefined;
  let ended = false;
  try {
    for await (const chunk of createReadStream(source).pipe(createGunzip())) {
      pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      while (!ended) {
        if (current) {
          if (current.left > 0) {
            if (pending.length === 0) break;
            const n = Math.min(current.left, pending.length);
            writeSync(current.fd, pending, 0, n);
            current.left -= n;
            pending = pending.subarray(n);
            continue;
          }
          if (pending.length < current.pad) break;
          pending = pending.subarray(current.pad);
          closeSync(current.fd);
          current = undefined;
          continue;
        }
        if (pending.length < BLOCK) break;
        const block = pending.subarray(0, BLOCK);
        pending = pending.subarray(BLOCK);
        if (block.every((b) => b === 0)) {
          ended = true;
          break;
        }
        const { name, size, type } = parseHeader(block);
        if (type !== '0' && type !== '\0') throw new Error(`not a Hearth backup: entry ${JSON.stringify(name)} is not a regular file`);
        if (!safeName(name) || !accept(name)) throw new Error(`not a Hearth backup: unexpected entry ${JSON.stringify(name)}`);
        names.push(name);
        const path = join(dir, ...name.split('/'));
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        current = { fd: openSync(path, 'w', 0o600), left: size, pad: size % BLOCK ? BLOCK - (size % BLOCK) : 0 };
      }
    }
  } finally {
    if (current) closeSync(current.fd);
  }
  if (!ended || current) throw new Error('the backup is truncated (it ends in the middle of a file)');
  return names;
}

function safeName(name: string): boolean {
  return name.length > 0 && !name.startsWith('/') && !name.includes('\\') && name.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

function header(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`a name in the backup is longer than 100 bytes: ${name}`);
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  b.write(octal(0o600, 8), 100);
  b.write(octal(0, 8), 108); // uid
  b.write(octal(0, 8), 116); // gid
  b.write(octal(size, 12), 124);
  b.write(octal(Math.floor(Date.now() / 1000), 12), 136);
  b.fill(' ', 148, 156); // the checksum counts its own field as spaces
  b.write('0', 156); // regular file
  b.write('ustar\u000000', 257, 'latin1');
  b.write(octal(checksum(b), 7), 148);
  return b;
}

function parseHeader(b: Buffer): { name: string; size: number; type: string } {
  const stored = parseInt(b.toString('latin1', 148, 156).replace(/\0.*$/, '').trim(), 8);
  if (stored !== checksum(b)) throw new Error('the backup is damaged (a header checksum does not match)');
  const text = (start: number, end: number) => b.toString('utf8', start, end).replace(/\0.*$/s, '');
  const prefix = text(345, 500);
  const name = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
  return { name, size: parseInt(text(124, 136).trim() || '0', 8), type: String.fromCharCode(b[156]!) };
}

function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
  return sum;
}

/** `width` bytes: zero-padded octal digits and a NUL. */
function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}
