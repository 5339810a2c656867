import { defineConfig } from 'vitest/config';
import { AEDES_CONNECT, patchAedesConnect } from './scripts/aedes-connect-patch.mjs';
import { AEDES_CLIENT, patchAedesClient } from './scripts/aedes-client-patch.mjs';

export default defineConfig({
  // The bundle's patches of aedes' connect handler and client (scripts/aedes-connect-patch.mjs,
  // scripts/aedes-client-patch.mjs), so that the tests run the code the hub runs: aedes is inlined (transformed like
  // the sources) for them.
  plugins: [
    {
      name: 'aedes-patches',
      transform: (code, id) =>
        AEDES_CONNECT.test(id)
          ? { code: patchAedesConnect(code, id), map: null }
          : AEDES_CLIENT.test(id)
            ? { code: patchAedesClient(code, id), map: null }
            : undefined,
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real brokers, sockets and SQLite files: files run in parallel processes, tests inside a file in order.
    pool: 'forks',
    maxWorkers: 2,
    server: { deps: { inline: ['aedes'] } },
  },
});
