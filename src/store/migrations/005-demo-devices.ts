// Migration 5: devices that demo mode simulated are marked, so a start without --demo can remove them; and the
// admin user "demo" that earlier versions' demo mode created (documented as the demo's own) is removed.
import type { Migration } from './index.js';

export const demoDevices: Migration = {
  version: 5,
  name: 'demo-devices',
  up(db) {
    db.exec(`
      ALTER TABLE devices ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
      DELETE FROM sessions WHERE user_name = 'demo';
      DELETE FROM api_tokens WHERE user_name = 'demo';
      DELETE FROM users WHERE name = 'demo';
    `);
  },
};
