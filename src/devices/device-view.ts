// A device as the API serves it and the dashboard draws it: its record with, for each property, its value and its
// capabilities (the adapter's description, else inferred from the property's name and values).
import { inferCapability } from './capabilities.js';
import type { DeviceRecord } from './device-record.js';
import type { Capability, Device, DeviceProperty } from './device-schema.js';
import type { OddValues } from './odd-values.js';

export function deviceView(d: DeviceRecord, odd: OddValues): Device {
  const properties: Record<string, DeviceProperty> = {};
  for (const name of new Set([...Object.keys(d.capabilities), ...d.properties.keys()])) {
    const p = d.properties.get(name);
    // A property whose readings have been numbers stays a number when an odd value arrives (its chart keeps them).
    const numeric = odd.isNumeric(d.id, name);
    let capability: Capability = d.capabilities[name] ?? inferCapability(name, p?.value, numeric);
    if (numeric && capability.type !== 'number') capability = { ...capability, type: 'number' };
    properties[name] = { ...(p ? { value: p.value } : {}), updatedAt: p ? new Date(p.ts).toISOString() : null, ...capability };
  }
  return {
    id: d.id,
    name: d.name ?? d.nativeName,
    room: d.room,
    description: d.description,
    source: d.source,
    model: d.model,
    manufacturer: d.manufacturer,
    status: d.online === null ? 'unknown' : d.online ? 'online' : 'offline',
    online: d.online === true,
    lastSeen: d.lastSeen ? new Date(d.lastSeen).toISOString() : null,
    createdAt: new Date(d.createdAt).toISOString(),
    properties,
    problems: odd.problems(d.id).map((p) => ({ property: p.property, message: p.message, at: new Date(p.ts).toISOString() })),
  };
}

/** Why a command to a property cannot reach the device, in words; undefined when it can (or when only the device knows). */
export function commandProblem(d: DeviceRecord, property: string): string | undefined {
  if (d.source === 'home') return undefined; // a home device takes what it takes; Hearth cannot know
  const name = d.name ?? d.nativeName ?? d.id;
  const capability = d.capabilities[property];
  const known = Object.keys(d.capabilities);
  if (!capability) return `${name} (${d.source}) has no property ${property}${known.length ? `; it has ${known.join(', ')}` : ''}`;
  if (capability.unsupported) return `${property} of ${name} cannot be set: ${capability.unsupported}`;
  if (!capability.settable) return `${property} of ${name} is read-only`;
  return undefined;
}
