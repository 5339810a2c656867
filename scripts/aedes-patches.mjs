// The patches of aedes' own files, one list for the two places aedes is loaded: the bundle (scripts/bundle.mjs) and
// the tests (vitest.config.ts), so that both run the same code. Each patch throws, naming the file, if aedes' code is
// not the one it was written for.
import { AEDES_CLIENT, patchAedesClient } from './aedes-client-patch.mjs';
import { AEDES_CONNECT, patchAedesConnect } from './aedes-connect-patch.mjs';

export const AEDES_PATCHES = [
  { filter: AEDES_CONNECT, patch: patchAedesConnect },
  { filter: AEDES_CLIENT, patch: patchAedesClient },
];

/** `source` of the file at `path` with its patch applied, or undefined when no patch is for that file. */
export function patchAedes(source, path) {
  return AEDES_PATCHES.find(({ filter }) => filter.test(path))?.patch(source, path);
}
