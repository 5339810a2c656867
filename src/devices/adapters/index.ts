// Every adapter by name: adding an ecosystem is a file in this folder and a line here (and its defaults in the
// configuration schema, src/config/schema.ts). The registry (src/devices/adapter-host.ts) runs the enabled ones.
import { HearthError } from '../../shared/errors.js';
import type { TopicGrant } from '../../store/user-repo.js';
import { esphomeAdapter } from './esphome.js';
import { homeAdapter } from './home.js';
import { homeAssistantAdapter } from './homeassistant.js';
import { owntracksAdapter, type HomeRegion } from './owntracks.js';
import { shellyAdapter } from './shelly.js';
import { tasmotaAdapter } from './tasmota.js';
import { homieAdapter } from './homie.js';
import type { Adapter, AdapterSettings } from './types.js';
import { zigbee2mqttAdapter } from './zigbee2mqtt.js';

export const ADAPTERS = {
  home: () => homeAdapter(),
  zigbee2mqtt: (s: AdapterSettings) => zigbee2mqttAdapter(s.baseTopic),
  homeassistant: (s: AdapterSettings) => homeAssistantAdapter(s.baseTopic),
  owntracks: (s: AdapterSettings & { home?: Partial<HomeRegion> }) =>
    owntracksAdapter(s.baseTopic, { radius: 100, hysteresis: 50, region: 'home', ...s.home }),
  // Its baseTopic is Tasmota's FullTopic (default %prefix%/%topic%/).
  tasmota: (s: AdapterSettings) => tasmotaAdapter(s.baseTopic),
  // Its baseTopic is the Gen1 prefix (shellies); Gen2+ devices by prefix (see shelly.ts).
  shelly: (s: AdapterSettings & { gen2Prefixes?: string[] }) => shellyAdapter(s.baseTopic, s.gen2Prefixes ?? []),
  esphome: (s: AdapterSettings) => esphomeAdapter(s),
  homie: (s: AdapterSettings) => homieAdapter(s.baseTopic),
} satisfies Record<string, (settings: AdapterSettings) => Adapter>;

export type AdapterName = keyof typeof ADAPTERS;
export const ADAPTER_NAMES = Object.keys(ADAPTERS) as AdapterName[];

/** The adapters a configuration enables, each with its settings (home runs in any case: it carries every command). */
export function createAdapters(config: Record<string, AdapterSettings>): Array<{ adapter: Adapter; settings: AdapterSettings }> {
  return ADAPTER_NAMES.filter((name) => name === 'home' || config[name]?.enabled !== false).map((name) => {
    const settings = config[name] ?? { enabled: true, baseTopic: name, mirror: false };
    return { adapter: ADAPTERS[name](settings), settings };
  });
}

/**
 * The topics a bridge's login may use (`hearth device add <id> --adapter <name>`), from the adapter's configured base
 * topic. `home` is not one: a home device's login is its own home/<id>/….
 */
export function credentialTopics(config: Record<string, Partial<AdapterSettings>>, adapter: string, deviceId: string): TopicGrant {
  const names = ADAPTER_NAMES.filter((n) => n !== 'home');
  if (!(names as string[]).includes(adapter)) {
    throw new HearthError('HEARTH_VALIDATION', { message: `--adapter must be one of ${names.join(', ')}, got ${JSON.stringify(adapter)}` });
  }
  const settings = config[adapter] ?? {};
  const name = adapter as Exclude<AdapterName, 'home'>;
  return ADAPTERS[name]({ enabled: true, mirror: true, baseTopic: settings.baseTopic ?? name, ...settings }).credentialTopics(deviceId);
}
