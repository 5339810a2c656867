// A device as the registry keeps it in memory and the store persists it (the API's view is built from it).
import type { Capability } from './device-schema.js';

export interface PropertyRecord {
  value: unknown;
  ts: number;
  /** Its `home/<device>/<property>`, made at its first reading and handed out with every one after (not stored). */
  topic?: string;
}

export interface DeviceRecord {
  id: string;
  /** The name given in Hearth (the API's PATCH); null falls back to `nativeName`. */
  name: string | null;
  room: string | null;
  description: string | null;
  /** The adapter it comes through: `home` for devices speaking home/<id>/<property> themselves. */
  source: string;
  /** The adapter's own key for it (a Zigbee IEEE address, a discovery device identifier); null for `home`. */
  nativeKey: string | null;
  /** Its name in its ecosystem (a Zigbee2MQTT friendly name, a discovery device name). */
  nativeName: string | null;
  model: string | null;
  manufacturer: string | null;
  /** What the adapter knows about each property (from exposes or discovery); inferred from values where absent. */
  capabilities: Record<string, Capability>;
  /** How the adapter addresses it (topics, templates): JSON, handed back to the adapter after a restart. */
  native: unknown;
  /** null until the device announces a status. */
  online: boolean | null;
  lastSeen: number | null;
  onlineChangedAt: number | null;
  createdAt: number;
  /** Simulated by demo mode: removed when the hub starts without --demo. */
  demo: boolean;
  properties: Map<string, PropertyRecord>;
}
