// Watches the rules dir and reports each rule file that changed or went away, once its editor has finished writing.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../shared/logger.js';

/** Starts watching; the returned function stops it. `isRuleFile` tells rule files from tests and temporary files. */
export function watchRulesDir(dir: string, isRuleFile: (name: string) => boolean, on: { changed(file: string): void; removed(file: string): void }, logger: Logger): () => void {
  const debounce = new Map<string, NodeJS.Timeout>();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, (_event, name) => {
      if (!name || !/\.ya?ml$/.test(name)) return;
      const file = name.toString();
      clearTimeout(debounce.get(file));
      // Editors write a file in several steps; wait for them to finish.
      debounce.set(file, setTimeout(() => {
        debounce.delete(file);
        if (!isRuleFile(file)) return;
        if (existsSync(join(dir, file))) on.changed(file);
        else on.removed(file);
      }, 200));
    });
    watcher.on('error', (err) => logger.warn(`watching ${dir} failed: ${err.message}`));
  } catch (err) {
    logger.warn(`cannot watch ${dir} for changes (${(err as Error).message}); restart to pick up edits`);
  }
  return () => {
    watcher?.close();
    for (const t of debounce.values()) clearTimeout(t);
  };
}
