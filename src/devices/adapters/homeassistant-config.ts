// Home Assistant MQTT discovery configs (integrations/mqtt.markdown, "MQTT Discovery"), read as Home Assistant reads
// them: `<prefix>/<component>/[<node_id>/]<object_id>/config`, abbreviated keys expanded, `~` put into topics, and a
// device-based config (`<prefix>/device/<object_id>/config` with `cmps`) split into its components. Pure.

/** The abbreviations of the keys Hearth reads ("Supported abbreviations in MQTT discovery messages"). */
const ABBREVIATIONS: Record<string, string> = {
  avty: 'availability',
  avty_mode: 'availability_mode',
  avty_t: 'availability_topic',
  avty_tpl: 'availability_template',
  bri_cmd_t: 'brightness_command_topic',
  bri_cmd_tpl: 'brightness_command_template',
  bri_scl: 'brightness_scale',
  bri_stat_t: 'brightness_state_topic',
  bri_val_tpl: 'brightness_value_template',
  clr_temp_cmd_t: 'color_temp_command_topic',
  clr_temp_cmd_tpl: 'color_temp_command_template',
  clr_temp_stat_t: 'color_temp_state_topic',
  clr_temp_val_tpl: 'color_temp_value_template',
  cmd_t: 'command_topic',
  cmd_tpl: 'command_template',
  cmps: 'components',
  curr_temp_t: 'current_temperature_topic',
  curr_temp_tpl: 'current_temperature_template',
  dev: 'device',
  dev_cla: 'device_class',
  e: 'encoding',
  ent_cat: 'entity_category',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  max_mirs: 'max_mireds',
  min_mirs: 'min_mireds',
  max_temp: 'max_temp',
  min_temp: 'min_temp',
  mode_cmd_t: 'mode_command_topic',
  mode_cmd_tpl: 'mode_command_template',
  mode_stat_t: 'mode_state_topic',
  mode_stat_tpl: 'mode_state_template',
  o: 'origin',
  obj_id: 'object_id',
  ops: 'options',
  opt: 'optimistic',
  p: 'platform',
  pl_avail: 'payload_available',
  pl_cls: 'payload_close',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  pl_open: 'payload_open',
  pl_stop: 'payload_stop',
  pos_clsd: 'position_closed',
  pos_open: 'position_open',
  pos_t: 'position_topic',
  pos_tpl: 'position_template',
  ret: 'retain',
  set_pos_t: 'set_position_topic',
  set_pos_tpl: 'set_position_template',
  stat_cla: 'state_class',
  stat_closing: 'state_closing',
  stat_clsd: 'state_closed',
  stat_off: 'state_off',
  stat_on: 'state_on',
  stat_open: 'state_open',
  stat_opening: 'state_opening',
  stat_stopped: 'state_stopped',
  stat_t: 'state_topic',
  stat_tpl: 'state_template',
  stat_val_tpl: 'state_value_template',
  sup_clrm: 'supported_color_modes',
  t: 'topic',
  temp_cmd_t: 'temperature_command_topic',
  temp_cmd_tpl: 'temperature_command_template',
  temp_stat_t: 'temperature_state_topic',
  temp_stat_tpl: 'temperature_state_template',
  temp_unit: 'temperature_unit',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
};
/** "Supported abbreviations for device registry configuration". */
const DEVICE_ABBREVIATIONS: Record<string, string> = {
  cu: 'configuration_url',
  cns: 'connections',
  ids: 'identifiers',
  mf: 'manufacturer',
  mdl: 'model',
  mdl_id: 'model_id',
  hw: 'hw_version',
  sw: 'sw_version',
  sa: 'suggested_area',
  sn: 'serial_number',
};

/** The keys a discovery config may have that Hearth uses or knowingly leaves (others are reported once). */
export const KNOWN_KEYS = new Set([
  ...Object.values(ABBREVIATIONS),
  '~',
  'name',
  'schema',
  'brightness',
  'color_mode',
  'color_temp',
  'qos',
  'modes',
  'min',
  'max',
  'step',
  'mode',
  'icon',
  'enabled_by_default',
  'expire_after',
  'force_update',
  'temp_step',
  'precision',
  'device_class',
  'unit_of_measurement',
  'payload_press',
  'value_template',
  'command_template',
  'retain',
  'suggested_display_precision',
  'object_id',
  'unique_id',
  'platform',
  'entity_picture',
  'off_delay',
  'state_class',
  'availability_mode',
  'json_attributes_template',
  'default_entity_id',
  'has_entity_name',
  'migrate_discovery',
  'effect',
  'effect_list',
  'rgb',
  'xy',
  'hs',
  'white_value',
  'flash_time_long',
  'flash_time_short',
  'transition',
]);

export interface DiscoveryTopic {
  component: string;
  nodeId?: string;
  objectId: string;
}

const ID_LEVEL = /^[a-zA-Z0-9_-]+$/;

/** `<prefix>/<component>/[<node_id>/]<object_id>/config` → its parts; undefined for any other topic. */
export function parseDiscoveryTopic(prefix: string, topic: string): DiscoveryTopic | undefined {
  if (!topic.startsWith(`${prefix}/`) || !topic.endsWith('/config')) return undefined;
  const parts = topic.slice(prefix.length + 1, -'/config'.length).split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => ID_LEVEL.test(p))) return undefined;
  return parts.length === 3
    ? { component: parts[0]!, nodeId: parts[1]!, objectId: parts[2]! }
    : { component: parts[0]!, objectId: parts[1]! };
}

type Config = Record<string, unknown>;

function expand(raw: Record<string, unknown>, table: Record<string, string>): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(raw)) out[table[k] ?? k] = v;
  return out;
}

/**
 * Expands abbreviations (of the config, its device block and its availability list) and puts the base topic `~` into
 * topics: "In the value of configuration variables ending with `_topic`, `~` will be replaced with the base topic, if
 * the `~` occurs at the beginning or end of the value."
 */
export function normalizeConfig(raw: Record<string, unknown>, inherited?: Config): Config {
  const config = { ...(inherited ?? {}), ...expand(raw, ABBREVIATIONS) };
  const base = typeof config['~'] === 'string' ? (config['~'] as string) : undefined;
  const tilde = (v: unknown) => (base !== undefined && typeof v === 'string' ? v.replace(/^~/, base).replace(/~$/, base) : v);
  for (const key of Object.keys(config)) if (key.endsWith('_topic')) config[key] = tilde(config[key]);
  if (config.device && typeof config.device === 'object')
    config.device = expand(config.device as Record<string, unknown>, DEVICE_ABBREVIATIONS);
  if (Array.isArray(config.availability)) {
    config.availability = config.availability.map((a) => {
      const entry = a && typeof a === 'object' ? expand(a as Record<string, unknown>, ABBREVIATIONS) : { topic: a };
      return { ...entry, topic: tilde(entry.topic) };
    });
  } else if (config.availability && typeof config.availability === 'object') {
    const entry = expand(config.availability as Record<string, unknown>, ABBREVIATIONS);
    config.availability = [{ ...entry, topic: tilde(entry.topic) }];
  }
  return config;
}

/** One discovered entity: a component config with where it came from. */
export interface DiscoveredEntity {
  /** Home Assistant's discovery id: `<node_id> <object_id>`, or `<object_id> <component key>` for a device config. */
  id: string;
  component: string;
  config: Config;
}

/** Options a device-based config shares with its components ("Supported shared options"). */
const SHARED = [
  'availability',
  'availability_topic',
  'availability_mode',
  'availability_template',
  'payload_available',
  'payload_not_available',
  'origin',
  'device',
  'command_topic',
  'state_topic',
  'qos',
  'encoding',
  '~',
];

/**
 * The entities a discovery message announces, and the ones it removes (an empty payload removes every entity of the
 * topic; in a device config, a component with nothing but its platform removes that component).
 */
export function readDiscovery(
  where: DiscoveryTopic,
  payload: string,
): { entities: DiscoveredEntity[]; removed: string[]; unknownKeys: string[] } | { error: string } {
  const base = where.nodeId ? `${where.nodeId} ${where.objectId}` : where.objectId;
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch (err) {
    return { error: `is not JSON (${(err as Error).message})` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { error: 'is not a JSON object' };
  const unknownKeys = new Set<string>();
  const note = (c: Config) => {
    for (const k of Object.keys(c)) if (!KNOWN_KEYS.has(k)) unknownKeys.add(k);
  };
  if (where.component !== 'device') {
    const config = normalizeConfig(raw as Record<string, unknown>);
    note(config);
    return { entities: [{ id: base, component: where.component, config }], removed: [], unknownKeys: [...unknownKeys] };
  }
  const root = normalizeConfig(raw as Record<string, unknown>);
  const shared: Config = {};
  for (const key of SHARED) if (root[key] !== undefined) shared[key] = root[key];
  const components =
    root.components && typeof root.components === 'object' ? (root.components as Record<string, Record<string, unknown>>) : {};
  const entities: DiscoveredEntity[] = [];
  const removed: string[] = [];
  for (const [key, cmp] of Object.entries(components)) {
    if (!cmp || typeof cmp !== 'object') continue;
    const config = normalizeConfig(cmp, shared);
    const component = String(config.platform ?? '');
    if (Object.keys(cmp).every((k) => k === 'p' || k === 'platform')) removed.push(`${where.objectId} ${key}`);
    else if (component) {
      note(config);
      entities.push({ id: `${where.objectId} ${key}`, component, config });
    }
  }
  return { entities, removed, unknownKeys: [...unknownKeys] };
}

/** The device an entity belongs to: its first identifier (or connection), else the entity stands alone. */
export function deviceOf(entity: DiscoveredEntity): { key: string; name?: string; model?: string; manufacturer?: string } {
  const device = (entity.config.device ?? {}) as Config;
  const ids = Array.isArray(device.identifiers) ? device.identifiers : device.identifiers !== undefined ? [device.identifiers] : [];
  const connection =
    Array.isArray(device.connections) && Array.isArray(device.connections[0]) ? (device.connections[0] as unknown[]).join(':') : undefined;
  const key = ids.length > 0 ? String(ids[0]) : (connection ?? entity.id);
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { key, name: text(device.name), model: text(device.model), manufacturer: text(device.manufacturer) };
}
