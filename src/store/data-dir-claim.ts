// A running hub claims its data dir with `hearth.pid`, so that `hearth restore` refuses to replace files under it.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes the pid file and clears scratch copies a crash left behind; returns the release for shutdown. */
export function claimDataDir(dataDir: string): () => void {
  for (const name of readdirSync(dataDir)) {
    // A backup being downloaded or written when the hub died: of no use any more.
    if (name.startsWith('.download-') || name.startsWith('.hearth-backup-')) rmSync(join(dataDir, name), { recursive: true, force: true });
  }
  const pidFile = join(dataDir, 'hearth.pid');
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(process.pid)) rmSync(pidFile);
  };
}

/** The pid in `<dataDir>/hearth.pid` if that process is alive. */
export function runningHubPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'hearth.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
