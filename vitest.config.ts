import { defineConfig } from 'vitest/config';
import { AEDES_CONNECT, patchAedesConnect } from './scripts/aedes-connect-patch.mjs';

export default defineConfig({
  // The bundle's patch of aedes' connect handler (scripts/aedes-connect-patch.mjs), so that the tests run the code
  // the hub runs: aedes is inlined (transformed like the sources) for it.
  plugins: [
    {
      name: 'aedes-connect',
      transform: (code, id) => (AEDES_CONNECT.test(id) ? { code: patchAedesConnect(code, id), map: null } : undefined),
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
