// `hearth restore <file>`: restores a backup into the data and rules dirs of a stopped hub; what was there is moved
// aside, not deleted.
import type { HearthConfig } from '../config/schema.js';
import { restoreBackup } from '../store/backup.js';

export async function runRestore(config: HearthConfig, file: string): Promise<number> {
  let restored: Awaited<ReturnType<typeof restoreBackup>>;
  try {
    restored = await restoreBackup(file, { dataDir: config.dataDir, rulesDir: config.rulesDir });
  } catch (err) {
    process.stderr.write(`hearth restore: ${(err as Error).message}; nothing was changed\n`);
    return 1;
  }
  const { manifest, movedAside } = restored;
  process.stdout.write(
    `Restored the backup of ${manifest.createdAt} into ${config.dataDir} (rules into ${config.rulesDir}): ${manifest.devices} devices, ` +
      `${manifest.historyRows} history rows, ${manifest.ruleFiles.length} rule files.\n` +
      (movedAside ? `What was there before is kept in ${movedAside} (delete it once the restored hub runs well).\n` : '') +
      'Start the hub with: hearth start\n',
  );
  return 0;
}
