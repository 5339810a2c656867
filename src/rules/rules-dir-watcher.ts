// Watches the rules dir and reports each rule file that changed or went away, once its editor has finished writing.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

/** Editors write a file in several steps; a file is reported once it has been quiet this long. */
export const SETTLE_MS = 200;

/** Starts watching; the returned function stops it. `isRuleFile` tells rule files from tests and temporary files. */
export function watchRulesDir(
  dir: string,
  isRuleFile: (name: string) => boolean,
  on: { changed(file: string): void; removed(file: string): void },
  deps: { clock: Clock; logger: Logger },
): () => void {
  const { clock, logger } = deps;
  const settling = new Map<string, TimerHandle>();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, (_event, name) => {
      if (!name || !/\.ya?ml$/.test(name)) return;
      const file = name.toString();
      clock.clearTimeout(settling.get(file));
      settling.set(
        file,
        clock.setTimeout(() => {
          settling.delete(file);
          if (!isRuleFile(file)) return;
          if (existsSync(join(dir, file))) on.changed(file);
          else on.removed(file);
        }, SETTLE_MS),
      );
    });
    watcher.on('error', (err) => logger.warn(`watching ${dir} failed: ${err.message}`));
  } catch (err) {
    logger.warn(`cannot watch ${dir} for changes (${(err as Error).message}); restart to pick up edits`);
  }
  return () => {
    watcher?.close();
    for (const t of settling.values()) clock.clearTimeout(t);
    settling.clear();
  };
}
