// `hearth backup <file>`: writes a backup archive (database, broker state, rules) with progress on stderr, while
// the hub runs or not.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HearthConfig } from '../config/schema.js';
import { createBackup } from '../store/backup.js';

export async function runBackup(config: HearthConfig, file: string): Promise<number> {
  if (!existsSync(join(config.dataDir, 'hearth.db'))) {
    process.stderr.write(`hearth backup: no database in ${config.dataDir} (set --data-dir or HEARTH_DATA_DIR)\n`);
    return 1;
  }
  let shown = '';
  let result: Awaited<ReturnType<typeof createBackup>>;
  try {
    result = await createBackup({ dataDir: config.dataDir, rulesDir: config.rulesDir }, file, (step, percent) => {
      const line = `backup: ${step} ${percent} %`;
      if (line !== shown) {
        shown = line;
        process.stderr.write(`\r${line.padEnd(40)}`);
      }
    });
  } catch (err) {
    process.stderr.write(`\nhearth backup: ${(err as Error).message}; no backup was written\n`);
    return 1;
  }
  process.stderr.write('\n');
  process.stdout.write(
    `Backup written to ${file} (${formatBytes(result.bytes)}): ${result.devices} devices, ${result.historyRows} history rows, ${result.users} users, ` +
      `${result.ruleFiles.length} rule files${result.brokerState ? ', broker state (retained messages, sessions)' : ''}\n`,
  );
  return 0;
}

function formatBytes(n: number): string {
  return n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}
