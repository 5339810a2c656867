// The patches of aedes' own files, one list for the two places aedes is loaded: the bundle (scripts/bundle.mjs) and
// the tests (vitest.config.ts), so that both run the same code. Each is exact text to replace, which must occur
// exactly once: if aedes' code is not the one a patch was written for, patching throws, naming the file and the patch.
import { AEDES_CLIENT, CLIENT_PATCHES } from './aedes-client-patch.mjs';
import { AEDES_CONNECT, CONNECT_PATCHES } from './aedes-connect-patch.mjs';

export const AEDES_PATCHES = [
  { filter: AEDES_CONNECT, file: 'scripts/aedes-connect-patch.mjs', patches: CONNECT_PATCHES },
  { filter: AEDES_CLIENT, file: 'scripts/aedes-client-patch.mjs', patches: CLIENT_PATCHES },
].map(({ filter, file, patches }) => ({ filter, patch: (source, path) => applyPatches(source, path, file, patches) }));

/** `source` of the file at `path` with its patches applied, or undefined when no patch is for that file. */
export function patchAedes(source, path) {
  return AEDES_PATCHES.find(({ filter }) => filter.test(path))?.patch(source, path);
}

function applyPatches(source, path, file, patches) {
  let patched = source;
  for (const { what, from, to } of patches) {
    if (patched.split(from).length !== 2) throw new Error(`${path}: ${what} is not what ${file} was written for (aedes changed?)`);
    patched = patched.replace(from, to);
  }
  return patched;
}
