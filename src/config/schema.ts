// Long file: one schema for the whole config file (defaults, validation, type and docs table), in the docs' order.
// The configuration schema: one definition gives the defaults, the validation, the TypeScript type and the docs table.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { NotifyConfigSchema } from '../notify/config-schema.js';

const Adapter = (base: string, what: string, baseWhat: string) =>
  Type.Object(
    {
      enabled: Type.Boolean({ default: true, description: `Take devices ${what}` }),
      baseTopic: Type.String({
        default: base,
        minLength: 1,
        pattern: '^[^#+]+$',
        'x-expect': 'a topic without wildcards',
        description: baseWhat,
      }),
      mirror: Type.Boolean({
        default: true,
        description: `Also publish its devices' readings on home/<id>/<property> (retained) and availability on home/<id>/status`,
      }),
    },
    { default: {}, additionalProperties: false },
  );

// Where home is for presence: without latitude/longitude, only the phones' own region events decide (README: Presence).
const OwnTracksHome = Type.Object(
  {
    latitude: Type.Optional(
      Type.Number({ minimum: -90, maximum: 90, description: 'Latitude of home (with longitude): a phone within the radius is home' }),
    ),
    longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180, description: 'Longitude of home' })),
    radius: Type.Number({ minimum: 1, maximum: 100000, default: 100, description: 'Metres around home that count as home' }),
    hysteresis: Type.Number({
      minimum: 0,
      maximum: 100000,
      default: 50,
      description: "Metres beyond the radius (after the fix's accuracy) before someone counts as gone",
    }),
    region: Type.String({
      minLength: 1,
      default: 'home',
      description: 'Name of the home region in the OwnTracks app (its enter/leave events decide at once; compared without case)',
    }),
  },
  { default: {}, additionalProperties: false },
);

const Port = (def: number, description: string, env: string, flag: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description, env, flag });

const BROKER_URL = { pattern: '^(mqtts?|wss?)://[^\\s/]+', 'x-expect': 'a broker URL (mqtt://, mqtts://, ws:// or wss://host[:port])' };
const CLIENT_ID = { pattern: '^[\\x21-\\x7e]{1,128}$', 'x-expect': 'a client id of 1-128 printable characters without spaces' };
// MQTT topic filters ([MQTT-4.7.1]): `#` only last and alone in its level, `+` alone in its level.
const FILTER = {
  minLength: 1,
  pattern: '^(?:(?:[^#+/]*|\\+)/)*(?:[^#+/]*|\\+|#)$',
  'x-expect': 'an MQTT topic filter (+ and # only as whole levels, # last)',
};
const PREFIX = { pattern: '^[^#+]*$', 'x-expect': 'a topic prefix without wildcards' };

const TlsClient = (what: string) =>
  Type.Object(
    {
      ca: Type.Optional(
        Type.String({ minLength: 1, description: `PEM file of the CA that signed ${what}'s certificate (else the system's CAs)` }),
      ),
      cert: Type.Optional(Type.String({ minLength: 1, description: `PEM client certificate, when ${what} asks for one` })),
      key: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of that certificate' })),
    },
    { default: {}, additionalProperties: false },
  );

const Bridge = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9_-]{1,64}$', 'x-expect': 'a name of 1-64 characters a-z, 0-9, _ or -' }),
    url: Type.String(BROKER_URL),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String({ minLength: 1 })),
    /** The password from this environment variable instead, so the config file holds no secret. */
    passwordEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', 'x-expect': 'the name of an environment variable' })),
    clientId: Type.Optional(Type.String(CLIENT_ID)),
    tls: TlsClient('the remote broker'),
    topics: Type.Array(
      Type.Object(
        {
          pattern: Type.String(FILTER),
          direction: Type.Union([Type.Literal('out'), Type.Literal('in'), Type.Literal('both')], { default: 'out' }),
          qos: Type.Union([Type.Literal(0), Type.Literal(1)], { default: 1 }),
          localPrefix: Type.String({ ...PREFIX, default: '' }),
          remotePrefix: Type.String({ ...PREFIX, default: '' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    maxQueued: Type.Integer({ minimum: 1, default: 100000 }),
    maxQueuedBytes: Type.Integer({ minimum: 1024, default: 67108864 }),
    sessionExpirySeconds: Type.Integer({ minimum: 60, maximum: 4294967295, default: 604800 }),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({
      default: './data',
      minLength: 1,
      description: 'Directory of the database and broker state',
      env: 'HEARTH_DATA_DIR',
      flag: '--data-dir',
    }),
    rulesDir: Type.String({
      default: './rules',
      minLength: 1,
      description: 'Directory of the YAML rules',
      env: 'HEARTH_RULES_DIR',
      flag: '--rules-dir',
    }),
    host: Type.String({
      default: '0.0.0.0',
      minLength: 1,
      description: 'Address the MQTT and HTTP listeners bind to',
      env: 'HEARTH_HOST',
      flag: '--host',
    }),
    adminPassword: Type.Optional(
      Type.String({
        minLength: 8,
        description: "The admin user's password on first start (else one is generated and printed once)",
        env: 'HEARTH_ADMIN_PASSWORD',
      }),
    ),
    mqtt: Type.Object(
      {
        port: Port(1883, 'MQTT TCP port (0 picks a free port)', 'HEARTH_MQTT_PORT', '--mqtt-port'),
        allowAnonymous: Type.Boolean({
          default: false,
          description: 'Accept MQTT clients without credentials (for trying things out only)',
          env: 'HEARTH_MQTT_ALLOW_ANONYMOUS',
        }),
        maxPacketSize: Type.Integer({
          minimum: 1024,
          maximum: 268435455,
          default: 262144,
          description: 'Largest MQTT packet accepted, in bytes; a bigger one disconnects its sender',
        }),
        maxConnections: Type.Integer({ minimum: 1, default: 2000, description: 'Most MQTT clients connected at once' }),
        maxTopicLevels: Type.Integer({ minimum: 1, maximum: 100, default: 16, description: 'Most levels in a topic or filter' }),
        connectTimeoutMs: Type.Integer({
          minimum: 100,
          default: 10000,
          description: 'Time a client has to send CONNECT after opening a socket',
        }),
        maxInflight: Type.Integer({ minimum: 1, default: 100, description: 'Most QoS 2 messages in flight from one client' }),
        maxQueuedPerClient: Type.Integer({
          minimum: 1,
          default: 1000,
          description: 'Most messages queued for an offline persistent client; the oldest QoS 1 is dropped beyond it',
        }),
        maxConnectionsPerAddress: Type.Integer({ minimum: 1, default: 100, description: 'Most MQTT connections from one source address' }),
        maxSubscriptionsPerClient: Type.Integer({ minimum: 1, default: 100, description: 'Most subscriptions one client may hold' }),
        maxPublishRatePerClient: Type.Integer({
          minimum: 1,
          default: 1000,
          description:
            'Most PUBLISH packets per second from one client (bursts of twice that are allowed); a faster client is disconnected so it cannot flood the hub',
        }),
        maxClientBufferBytes: Type.Integer({
          minimum: 65536,
          default: 2097152,
          description:
            'Most bytes waiting to be sent to a client that does not read: QoS 0 messages to it are dropped beyond half of it, and it is disconnected beyond it, so it can neither stall the others nor fill memory',
        }),
        maxTopicLength: Type.Integer({ minimum: 16, maximum: 65535, default: 256, description: 'Longest topic or filter, in characters' }),
        onDenied: Type.Union([Type.Literal('drop'), Type.Literal('disconnect')], {
          default: 'drop',
          description:
            'What happens to a publish the ACL refuses: drop (acknowledged and discarded, as Mosquitto and EMQX do) or disconnect the client; logged and counted either way',
        }),
        tlsPort: Type.Integer({
          minimum: 0,
          maximum: 65535,
          default: 8883,
          description: 'MQTT over TLS port, used when tls.cert and tls.key are set (0 picks a free port)',
          env: 'HEARTH_MQTT_TLS_PORT',
        }),
        url: Type.Optional(
          Type.String({
            ...BROKER_URL,
            description:
              'Run on this external broker (Mosquitto, EMQX) instead of the embedded one: no MQTT listener, no /mqtt WebSocket; its users, ACL and TLS are its own',
            env: 'HEARTH_MQTT_URL',
          }),
        ),
        username: Type.Optional(
          Type.String({ minLength: 1, description: "Hearth's login on the external broker (mqtt.url)", env: 'HEARTH_MQTT_USERNAME' }),
        ),
        password: Type.Optional(Type.String({ minLength: 1, description: 'Its password', env: 'HEARTH_MQTT_PASSWORD' })),
        clientId: Type.String({
          ...CLIENT_ID,
          default: 'hearth',
          description:
            "Hearth's client id on the external broker: its persistent session (subscriptions, messages queued while Hearth restarts) is kept under it",
        }),
        sessionExpirySeconds: Type.Integer({
          minimum: 60,
          maximum: 4294967295,
          default: 604800,
          description: "How long the external broker keeps Hearth's session, queueing messages for it, while Hearth is away (MQTT 5)",
        }),
        tls: TlsClient('the external broker'),
      },
      { default: {}, additionalProperties: false },
    ),
    http: Type.Object(
      {
        port: Port(
          8080,
          'HTTP port of the API, dashboard and MQTT over WebSocket (0 picks a free port)',
          'HEARTH_HTTP_PORT',
          '--http-port',
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    tls: Type.Object(
      {
        cert: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'PEM certificate (chain) file: enables MQTT over TLS and HTTPS',
            env: 'HEARTH_TLS_CERT',
          }),
        ),
        key: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key file of the certificate', env: 'HEARTH_TLS_KEY' })),
      },
      { default: {}, additionalProperties: false },
    ),
    location: Type.Object(
      {
        latitude: Type.Number({ minimum: -90, maximum: 90, default: 51.5, description: 'Latitude for sun triggers' }),
        longitude: Type.Number({ minimum: -180, maximum: 180, default: 0, description: 'Longitude for sun triggers' }),
      },
      { default: {}, additionalProperties: false },
    ),
    history: Type.Object(
      {
        flushIntervalMs: Type.Integer({
          minimum: 10,
          maximum: 10000,
          default: 100,
          description: 'Longest time a state or history write waits before its batch is committed',
        }),
        // 5,000, not fewer: with many devices at once every commit rewrites one history index page per device, so under a
        // flood small batches cost ~2x per row; below ~50,000 msg/s the 100 ms decide (docs/performance.md).
        flushBatchSize: Type.Integer({ minimum: 1, maximum: 100000, default: 5000, description: 'Rows that make a batch commit at once' }),
        historyFlushIntervalMs: Type.Integer({
          minimum: 0,
          maximum: 3600000,
          default: 0,
          description:
            'History readings committed on their own at most this often (0: with the states, every flushIntervalMs); longer means fewer SD-card writes, and a crash or power cut then loses up to this much history but never the latest states',
        }),
        minIntervalMs: Type.Integer({
          minimum: 0,
          maximum: 3600000,
          default: 0,
          description:
            "A property's number readings kept in history at most about this often (0: every reading; see History sampling); " +
            'states, rules and subscribers still get every reading',
        }),
        sampling: Type.Array(
          Type.Object(
            { match: Type.String({ minLength: 1 }), minIntervalMs: Type.Integer({ minimum: 0, maximum: 3600000 }) },
            { additionalProperties: false },
          ),
          {
            default: [],
            description:
              'Per-property minIntervalMs, first match wins: [{ match: "meter/power", minIntervalMs: 10000 }] (device/property with MQTT wildcards)',
          },
        ),
        retentionDays: Type.Integer({
          minimum: 1,
          maximum: 36500,
          default: 30,
          description: 'Days raw readings are kept; older ones become hourly rollups (min/max/avg/count)',
        }),
        retention: Type.Array(
          Type.Object(
            { match: Type.String({ minLength: 1 }), days: Type.Integer({ minimum: 1, maximum: 36500 }) },
            { additionalProperties: false },
          ),
          {
            default: [],
            description:
              'Per-property retention, first match wins: [{ match: "+/temperature", days: 365 }] (device/property with MQTT wildcards)',
          },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    backup: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Make a backup (database, broker state, rules) every day',
          env: 'HEARTH_BACKUP_ENABLED',
        }),
        at: Type.String({
          pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
          'x-expect': 'a time of day HH:MM (00:00-23:59)',
          default: '03:30',
          description: 'Local time of the daily backup, HH:MM',
        }),
        dir: Type.String({
          default: '',
          description: 'Directory of the daily backups (empty: <dataDir>/backups); best on another disk or a NAS',
          env: 'HEARTH_BACKUP_DIR',
        }),
        keep: Type.Integer({ minimum: 1, maximum: 366, default: 7, description: 'Daily backups kept; older ones are deleted' }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          [Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')],
          { default: 'info', description: 'Log level', env: 'HEARTH_LOG_LEVEL' },
        ),
        format: Type.Union([Type.Literal('text'), Type.Literal('json')], {
          default: 'text',
          description:
            'Log lines for people and journald (text; under systemd with a priority prefix) or pino JSON for log shippers (json)',
          env: 'HEARTH_LOG_FORMAT',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    adapters: Type.Object(
      {
        home: Type.Object(
          {
            enabled: Type.Boolean({
              default: true,
              description:
                "Take devices that publish home/<device>/<property> themselves (commands to other adapters' devices pass either way)",
            }),
          },
          { default: {}, additionalProperties: false },
        ),
        zigbee2mqtt: Adapter(
          'zigbee2mqtt',
          'from Zigbee2MQTT (its bridge/devices, JSON states, availability)',
          "Zigbee2MQTT's base topic (its mqtt.base_topic)",
        ),
        homeassistant: Adapter(
          'homeassistant',
          'that announce themselves with Home Assistant MQTT discovery (ESPHome, Tasmota, Shelly, …)',
          "The discovery prefix (Home Assistant's default: homeassistant)",
        ),
        owntracks: Type.Object(
          {
            ...Adapter(
              'owntracks',
              'for people from the OwnTracks app: each user becomes person_<user> with home and since (README: Presence)',
              "The OwnTracks apps' base topic (their default: owntracks)",
            ).properties,
            home: OwnTracksHome,
          },
          { default: {}, additionalProperties: false },
        ),
        tasmota: Adapter(
          '%prefix%/%topic%/',
          'running Tasmota (tele/<topic>/LWT, STATE, SENSOR; stat/<topic>/RESULT; commands on cmnd/<topic>/…)',
          "Tasmota's FullTopic, with %prefix% and %topic% (its default: %prefix%/%topic%/)",
        ),
        shelly: Type.Object(
          {
            ...Adapter(
              'shellies',
              'from Shelly firmware (Gen1 shellies/<id>/…, Gen2 and later <prefix>/status/…, /events/rpc, /rpc)',
              'The Gen1 topic prefix (shellies)',
            ).properties,
            gen2Prefixes: Type.Array(Type.String({ minLength: 1, ...PREFIX }), {
              default: [],
              description:
                "Topic prefixes of Gen2+ devices beyond their default (their device id, shelly<model>-<mac>), each as set in the device's MQTT settings",
            }),
          },
          { default: {}, additionalProperties: false },
        ),
        esphome: Type.Object(
          {
            ...Adapter(
              'esphome',
              "from ESPHome's MQTT client (<topic_prefix>/status, <topic_prefix>/<component>/<object_id>/state)",
              "The root of ESPHome's node announcements (<root>/discover/<node>)",
            ).properties,
            nodes: Type.Array(Type.String({ minLength: 1, pattern: '^[^#+]+$' }), {
              default: [],
              description:
                'Topic prefixes of ESPHome nodes to take at once (needed for a prefix of several levels; others are taken once they say online on <prefix>/status)',
            }),
          },
          { default: {}, additionalProperties: false },
        ),
        homie: Adapter(
          'homie',
          'that follow the Homie convention 4 or 5 (homie/<device>/$state, homie/5/<device>/$description)',
          "The Homie root topic (the convention's default: homie)",
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    notify: NotifyConfigSchema,
    demo: Type.Boolean({ default: false, description: 'Start simulated devices in-process', flag: '--demo' }),
    helperThreads: Type.Union([Type.Literal('idle'), Type.Literal('normal')], {
      default: 'idle',
      description:
        "Priority of `hearth start`'s helper threads (V8's garbage-collector and compiler helpers, the WAL checkpoint) on Linux: idle (SCHED_IDLE: they give way at once to the main thread, which handles every message) or normal. libuv's pool (password hashes, file reads) keeps the normal priority either way",
      env: 'HEARTH_HELPER_THREADS',
    }),
    bridges: Type.Array(Bridge, {
      default: [],
      description:
        'Other brokers to forward topics to and from, with store and forward: [{ name, url, username, password, tls, topics: [{ pattern, direction, qos, localPrefix, remotePrefix }] }] (README: Bridges)',
    }),
  },
  { additionalProperties: false },
);

export type HearthConfig = Static<typeof ConfigSchema>;

/** An option's schema with the keys Hearth adds (env variable, flag) and those the docs table reads. */
export type OptionSchema = TSchema & { env?: string; flag?: string; description?: string; default?: unknown; type?: string };

/** Every leaf option with its dotted key, for env/flag mapping and the README table. */
export function describeOptions(): Array<{ key: string; schema: OptionSchema }> {
  const out: Array<{ key: string; schema: OptionSchema }> = [];
  const walk = (schema: TSchema, prefix: string) => {
    for (const [key, child] of Object.entries<OptionSchema>(schema.properties ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (child.type === 'object' && child.properties) walk(child, path);
      else out.push({ key: path, schema: child });
    }
  };
  walk(ConfigSchema, '');
  return out;
}
