// The whole aedes-persistence abstract suite against the SQLite persistence (node's test runner, as the suite expects).
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { SqlitePersistence } from '../../dist/src/broker/sqlite-persistence.js';

const require = createRequire(import.meta.url);
const abstractPersistence = require('aedes-persistence/abstract.js');

abstractPersistence({
  test,
  testAsync: true,
  persistence: async () => new SqlitePersistence({ filename: ':memory:' }),
});
