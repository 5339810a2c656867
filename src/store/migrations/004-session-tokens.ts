// Migration 4: the bearer token handed out at login belongs to its session (dies at logout or expiry), stored hashed.
import type { Migration } from './index.js';

export const sessionTokens: Migration = {
  version: 4,
  name: 'session-tokens',
  up(db) {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN token_hash TEXT;   -- sha256 of the login's bearer token
      CREATE UNIQUE INDEX sessions_by_token ON sessions (token_hash);
      CREATE INDEX sessions_by_user ON sessions (user_name);
      -- Before this version every login minted a permanent API token named "login <ISO time>"; they were never
      -- meant to outlive the session. The exact shape spares tokens a user happened to name "login …".
      DELETE FROM api_tokens
        WHERE name GLOB 'login [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z';
    `);
  },
};
