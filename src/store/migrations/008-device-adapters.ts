// Migration 8: devices from adapters (Zigbee2MQTT, Home Assistant discovery): where each comes from, its own key and
// name there, model and maker, its capabilities and how the adapter addresses it; and device credentials limited to
// an adapter's topics (a bridge's login).
import type { Migration } from './index.js';

export const deviceAdapters: Migration = {
  version: 8,
  name: 'device-adapters',
  up(db) {
    db.exec(`
      ALTER TABLE devices ADD COLUMN source TEXT NOT NULL DEFAULT 'home';
      ALTER TABLE devices ADD COLUMN native_key TEXT;      -- the adapter's key (IEEE address, discovery identifier); NULL for home
      ALTER TABLE devices ADD COLUMN native_name TEXT;     -- its name in its ecosystem
      ALTER TABLE devices ADD COLUMN model TEXT;
      ALTER TABLE devices ADD COLUMN manufacturer TEXT;
      ALTER TABLE devices ADD COLUMN capabilities TEXT;    -- JSON: property -> capability
      ALTER TABLE devices ADD COLUMN native TEXT;          -- JSON: how the adapter addresses it
      CREATE UNIQUE INDEX devices_by_native_key ON devices (source, native_key) WHERE native_key IS NOT NULL;
      ALTER TABLE device_credentials ADD COLUMN topics TEXT;  -- JSON { publish: [...], subscribe: [...] } for an adapter's login
    `);
  },
};
