// Long file: aedes' hooks (authenticate, authorize publish and subscribe, limits, the connection handler) share one broker.
// The embedded aedes broker: authentication, ACL, limits and the connection handler shared by TCP and WebSocket.
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client, type Subscription } from 'aedes';
import mqttPacket from 'mqtt-packet';
import type { HearthConfig } from '../config/schema.js';
import { LoginLimiter } from '../shared/login-limiter.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { UserRepo } from '../store/user-repo.js';
import { canPublish, canSubscribe, type MqttIdentity } from './acl.js';
import { makePacketsLazily } from './lazy-packets.js';
import { hardenParser } from './strict-parser.js';
import { ClientConnection, type ConnectionHooks } from './client-connection.js';
import { fastRoutingQueue } from './routing-queue.js';

// mqtt-packet pre-builds a 2-byte Buffer for each of the 65,536 message ids and lengths on its first packet: about
// 6 MB of heap for a cache that saves an allocation of 2 bytes. A Pi has better use for the memory.
(mqttPacket as unknown as { writeToStream: { cacheNumbers: boolean } }).writeToStream.cacheNumbers = false;

/** How long one client's full socket may hold up routing before it counts as not reading. */
const SLOW_CLIENT_STALL_MS = 1000;

/** Marks a packet routed already or dropped by the ACL: aedes' own publish of it is skipped. */
const SKIP_PUBLISH = Symbol('hearth.skipPublish');
type Skippable = { [SKIP_PUBLISH]?: true };

/** A persistence that may hold QoS 1 messages an earlier version journaled and a crash left unrouted. */
interface Journal {
  journalDrain(): Promise<Array<Record<string, any>>>;
}

export interface BrokerDeps {
  config: HearthConfig['mqtt'];
  users: UserRepo;
  logger: Logger;
  metrics: Metrics;
  persistence?: unknown;
  /** Shared with the HTTP login so a guesser cannot switch protocols to reset the count. */
  limiter?: LoginLimiter;
}

export interface EmbeddedBroker {
  broker: Aedes;
  /** Hands a new connection (TCP socket or WebSocket stream) to the broker, enforcing the limits. */
  handle(conn: Duplex, req?: IncomingMessage): void;
  identityOf(client: Client): MqttIdentity | undefined;
  /**
   * A login that lives only in memory until the returned function removes it (demo mode's simulated home): nothing
   * is written to the database, so nothing is left behind.
   */
  addLogin(username: string, password: string, identity: MqttIdentity): () => void;
  readonly openConnections: number;
  close(): Promise<void>;
}

export async function createEmbeddedBroker(deps: BrokerDeps): Promise<EmbeddedBroker> {
  const { config, users, logger, metrics } = deps;
  const identities = new WeakMap<Client, MqttIdentity>();
  const authFailures = metrics.counter('hearth_mqtt_auth_failures_total', 'MQTT connections refused for bad credentials');
  const refused = metrics.counter('hearth_mqtt_acl_denied_total', 'MQTT publishes and subscriptions refused by the ACL');
  const limitHits = metrics.counter('hearth_mqtt_limit_disconnects_total', 'MQTT clients disconnected for exceeding a limit');
  const messagesIn = metrics.counter('hearth_mqtt_messages_in_total', 'MQTT PUBLISH packets received from clients');
  const droppedQos0 = metrics.counter('hearth_mqtt_slow_client_dropped_total', 'QoS 0 messages dropped for clients that do not read them');
  const limiter = deps.limiter ?? new LoginLimiter();
  const ephemeral = new Map<string, { password: Buffer; identity: MqttIdentity }>();
  const verify = async (username: string, password: string): Promise<MqttIdentity | undefined> => {
    const login = ephemeral.get(username);
    if (!login) return users.verify(username, password);
    const given = Buffer.from(password);
    return given.length === login.password.length && timingSafeEqual(given, login.password) ? login.identity : undefined;
  };
  const journal =
    typeof (deps.persistence as Partial<Journal> | undefined)?.journalDrain === 'function' ? (deps.persistence as Journal) : undefined;
  // aedes writes a QoS 1 message's PUBACK before it routes it, so a crash in between would lose an acknowledged
  // message. Hearth routes it first, from authorizePublish, and acknowledges once routing is done, as Mosquitto does:
  // the routing's own writes (retained, offline queues, in-flight) commit before its callback, so the acknowledged
  // message is delivered or on disk. aedes' own publish of it is then skipped. (Earlier versions journaled each
  // QoS 1 message instead; a journal left by them is replayed at start.)
  // Such a packet is marked (SKIP_PUBLISH) rather than kept in a WeakSet: a WeakSet entry per QoS 1 message lives in
  // an ephemeron table until the next full collection, which grew it under a flood and made every GC walk it.
  let routeNow: (packet: object, client: Client, done: (err?: Error) => void) => void = () => undefined;
  // A token bucket per client: aedes reads sockets as fast as they deliver, so without it one misbehaving device
  // could queue millions of messages and keep the hub busy (and growing) for minutes.
  const buckets = new WeakMap<Client, { tokens: number; at: number }>();
  const burst = config.maxPublishRatePerClient * 2;
  let open = 0;
  const perAddress = new Map<string, number>();

  // Publishes the ACL refused with mqtt.onDenied: drop. aedes acknowledges them (PUBACK, PUBREC) as usual, and the
  // broker's publish below skips them (SKIP_PUBLISH), so the client stays connected and nobody receives the message.
  // An MQTT 5 client is refused by aedes (CONNACK 0x01); say why in the log, once per address (bounded).
  const mqtt5Told = new Set<string>();

  const broker = await Aedes.createBroker({
    persistence: deps.persistence as any,
    preConnect(client, packet, callback) {
      const address = remoteAddress(client);
      if (packet.protocolVersion === 5 && !mqtt5Told.has(address)) {
        if (mqtt5Told.size < 1000) mqtt5Told.add(address);
        logger.warn(
          `refused an MQTT 5 client (${JSON.stringify(packet.clientId)} from ${address}): the embedded broker speaks MQTT 3.1.1 and 3.1. ` +
            'Connect it with protocol version 4 (3.1.1), or run Hearth on a broker that speaks MQTT 5 (mqtt.url; README: "Running with Mosquitto")',
        );
      }
      // [MQTT-3.1.3-8] an empty client id with CleanSession 0: CONNACK 0x02 (identifier rejected), then close.
      if (packet.protocolVersion === 4 && !packet.clientId && packet.clean === false) {
        logger.warn(`refused a client from ${address}: an empty client id needs a clean session [MQTT-3.1.3-8]`);
        const connack = mqttPacket.generate({ cmd: 'connack', returnCode: 2, sessionPresent: false });
        (client as unknown as { conn: Duplex }).conn.write(connack, () => callback(new Error('identifier rejected'), false));
        return;
      }
      callback(null, true);
    },
    connectTimeout: config.connectTimeoutMs,
    maxTopicLevels: config.maxTopicLevels,
    maxInflightInbound: config.maxInflight,
    maxClientsIdLength: 128,
    authenticate(client, username, password, callback) {
      const address = remoteAddress(client);
      if (!username) {
        if (config.allowAnonymous) {
          identities.set(client, { kind: 'anonymous' });
          return callback(null, true);
        }
        authFailures({ reason: 'anonymous' });
        logger.warn(`refused anonymous MQTT client ${client.id} from ${address}`);
        // [MQTT-3.2.2-3] return code 5: not authorized.
        return callback(Object.assign(new Error('anonymous access is disabled'), { returnCode: 5 }) as any, false);
      }
      limiter
        .attempt({ address, username, password: password?.toString('utf8') ?? '' }, () =>
          verify(username, password?.toString('utf8') ?? ''),
        )
        .then((attempt) => {
          if (attempt.ok) {
            identities.set(client, attempt.value);
            return callback(null, true);
          }
          if (attempt.reason === 'rate_limited') {
            authFailures({ reason: 'rate_limited' });
            logger.warn(
              `refused MQTT client ${client.id} from ${address} as ${JSON.stringify(username)}: too many failed logins, retry in ${Math.ceil(attempt.retryAfterMs / 1000)} s`,
            );
            return callback(Object.assign(new Error('too many failed logins'), { returnCode: 5 }) as any, false);
          }
          authFailures({ reason: 'bad_credentials' });
          logger.warn(
            `refused MQTT client ${client.id} from ${address}: wrong username or password for ${JSON.stringify(username)}${attempt.banned ? ' (now banned for a while)' : ''}`,
          );
          // return code 4: bad user name or password.
          callback(Object.assign(new Error('bad username or password'), { returnCode: 4 }) as any, false);
        })
        .catch((err: Error) => callback(Object.assign(err, { returnCode: 3 }) as any, false));
    },
    authorizePublish(client, packet, callback) {
      if (!client) return callback(null);
      messagesIn();
      if (packet.topic.length > config.maxTopicLength)
        return limitExceeded(
          client,
          callback,
          `topic of ${packet.topic.length} characters is over mqtt.maxTopicLength (${config.maxTopicLength})`,
        );
      const now = performance.now();
      let bucket = buckets.get(client);
      if (!bucket) {
        bucket = { tokens: burst, at: now };
        buckets.set(client, bucket);
      }
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * config.maxPublishRatePerClient);
      bucket.at = now;
      if (bucket.tokens < 1)
        return limitExceeded(
          client,
          callback,
          `it publishes faster than mqtt.maxPublishRatePerClient (${config.maxPublishRatePerClient}/s)`,
        );
      bucket.tokens -= 1;
      const identity = identities.get(client);
      const decision = identity ? canPublish(identity, packet.topic) : { allowed: false as const, reason: 'not authenticated' };
      if (decision.allowed) {
        if (packet.qos !== 1) return callback(null);
        routeNow(packet, client, (err) => {
          if (err) return callback(err);
          (packet as Skippable)[SKIP_PUBLISH] = true;
          callback(null);
        });
        return;
      }
      refused({ op: 'publish' });
      // MQTT 3.1.1 cannot refuse one PUBLISH: either drop it (acknowledged, as Mosquitto and EMQX do) or, with
      // mqtt.onDenied: disconnect, pass an error, on which aedes disconnects the client.
      if (config.onDenied === 'drop') {
        deniedLog(`dropped a publish by ${describe(client, identity)} to ${packet.topic}: ${decision.reason}`);
        (packet as Skippable)[SKIP_PUBLISH] = true;
        return callback(null);
      }
      logger.warn(
        `refused publish by ${describe(client, identity)} to ${packet.topic}: ${decision.reason}; disconnected (mqtt.onDenied: disconnect)`,
      );
      callback(new Error(decision.reason));
    },
    authorizeSubscribe(client, sub: Subscription, callback) {
      if (sub.topic.length > config.maxTopicLength)
        return limitExceeded(
          client,
          callback,
          `filter of ${sub.topic.length} characters is over mqtt.maxTopicLength (${config.maxTopicLength})`,
        );
      const held = Object.keys((client as any).subscriptions ?? {}).length;
      if (held >= config.maxSubscriptionsPerClient && !(sub.topic in ((client as any).subscriptions ?? {}))) {
        return limitExceeded(
          client,
          callback,
          `it holds ${held} subscriptions, the limit (mqtt.maxSubscriptionsPerClient) is ${config.maxSubscriptionsPerClient}`,
        );
      }
      const identity = identities.get(client);
      const decision = identity ? canSubscribe(identity, sub.topic) : { allowed: false as const, reason: 'not authenticated' };
      if (decision.allowed) return callback(null, sub);
      refused({ op: 'subscribe' });
      logger.warn(`refused subscription by ${describe(client, identity)} to ${sub.topic}: ${decision.reason}`);
      // [MQTT-3.9.3] a null subscription answers 0x80 (failure) in the SUBACK for that filter only.
      callback(null, null);
    },
  });

  // aedes registers a client at the end of its connect flow, after asynchronous persistence steps, without checking
  // whether the connection closed meanwhile; close() then found nothing to unregister, so the closed client stayed in
  // broker.clients and in connectedClients for good (found by the fuzz test on a loaded machine: 7 to 49 of 3,000
  // connections). A client that is already closed is not registered.
  const finishRegister = (broker as any)._finishRegisterClient.bind(broker) as (client: Client) => void;
  (broker as any)._finishRegisterClient = (client: Client & { closed?: boolean }) => {
    if (client.closed) return;
    finishRegister(client);
  };

  fastRoutingQueue((broker as unknown as { mq: Parameters<typeof fastRoutingQueue>[0] }).mq);

  // aedes' own call is publish(packet, client, done); its typings know only publish(packet, done).
  const publish = broker.publish.bind(broker) as unknown as (packet: object, client: unknown, done?: (err?: Error) => void) => void;
  (broker as unknown as { publish: typeof publish }).publish = (packet, client, done) => {
    if ((packet as Skippable)[SKIP_PUBLISH] === true) return (typeof client === 'function' ? (client as () => void) : done)?.();
    return publish(packet, client, done);
  };
  routeNow = (packet, client, done) => publish(packet, client, done);

  // A device that keeps publishing where it may not would fill the log: one line per client and topic a minute.
  const deniedSeen = new Map<string, number>();
  function deniedLog(line: string): void {
    const now = Date.now();
    if ((deniedSeen.get(line) ?? 0) > now - 60_000) return;
    if (deniedSeen.size > 1000) deniedSeen.clear();
    deniedSeen.set(line, now);
    logger.warn(line);
  }

  // An error from an authorize hook makes aedes close that client's connection; the others carry on.
  function limitExceeded(client: Client, callback: (err: Error | null) => void, why: string): void {
    limitHits({ limit: 'client' });
    logger.warn(`disconnected ${describe(client, identities.get(client))}: ${why}`);
    callback(new Error(why));
  }

  if (journal) {
    // Messages an earlier version acknowledged before a crash but did not route: route them now, before any client
    // connects.
    const replay = await journal.journalDrain();
    for (const packet of replay) await new Promise<void>((resolve) => broker.publish(packet as any, () => resolve()));
    if (replay.length > 0) logger.info(`replayed ${replay.length} acknowledged QoS 1 message(s) that a crash interrupted`);
  }

  const routed = metrics.counter('hearth_mqtt_messages_routed_total', 'Messages the broker routed (from clients and from the hub)');
  broker.on('publish', (packet: { topic: string }) => {
    if (!packet.topic.startsWith('$')) routed();
  });
  metrics.gauge(
    'hearth_mqtt_clients_connected',
    'MQTT clients connected',
    () => (broker as unknown as { connectedClients?: number }).connectedClients ?? 0,
  );

  broker.on('clientError', (client: Client, err: Error) => logger.debug(`client ${client.id} error: ${err.message}`));
  broker.on('connectionError', (_client: Client, err: Error) => logger.debug(`connection error: ${err.message}`));

  // What every connection shares (one object a connection, not closures per connection: ~1.6 KB less a client; docs/performance.md).
  const connectionOptions = {
    maxBufferBytes: config.maxClientBufferBytes,
    stallMs: SLOW_CLIENT_STALL_MS,
    maxPacketSize: config.maxPacketSize,
  };
  const who = (c: ClientConnection) => `${c.client?.id ?? 'a client'} from ${c.address}`;
  const connectionHooks: ConnectionHooks = {
    onClose(c) {
      open--;
      const left = (perAddress.get(c.address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(c.address);
      else perAddress.set(c.address, left);
    },
    onStuck(c) {
      logger.warn(
        `${who(c)} does not read its messages: the others no longer wait for it; QoS 0 messages to it are dropped while its buffer is full`,
      );
    },
    onDrop(c) {
      droppedQos0();
      if (c.drops++ % 1000 === 0)
        logger.warn(`dropped QoS 0 messages to ${c.client?.id ?? 'a client'}, which does not read them (${c.drops} so far)`);
    },
    onCut(c) {
      limitHits({ limit: 'max_client_buffer' });
      logger.warn(
        `disconnected ${who(c)}: it does not read its messages (over mqtt.maxClientBufferBytes, ${config.maxClientBufferBytes} bytes, waiting to be sent)`,
      );
    },
    onOversize(c, size) {
      limitHits({ limit: 'max_packet_size' });
      logger.warn(`disconnected ${who(c)}: packet of ${size} bytes is over mqtt.maxPacketSize (${config.maxPacketSize})`);
    },
  };

  function handle(conn: Duplex, req?: IncomingMessage): void {
    const address = req?.socket?.remoteAddress ?? (conn as any).remoteAddress ?? 'unknown';
    if (open >= config.maxConnections) {
      limitHits({ limit: 'max_connections' });
      logger.warn(
        `refused connection from ${address}: ${open} connections open, the limit (mqtt.maxConnections) is ${config.maxConnections}`,
      );
      conn.destroy();
      return;
    }
    const fromAddress = perAddress.get(address) ?? 0;
    if (fromAddress >= config.maxConnectionsPerAddress) {
      limitHits({ limit: 'max_connections_per_address' });
      logger.warn(
        `refused connection from ${address}: it has ${fromAddress} open, the limit (mqtt.maxConnectionsPerAddress) is ${config.maxConnectionsPerAddress}`,
      );
      conn.destroy();
      return;
    }
    open++;
    perAddress.set(address, fromAddress + 1);
    const connection = new ClientConnection(conn, address, connectionOptions, connectionHooks);
    const client = broker.handle(conn as any, req as any) as any;
    connection.watch(client, client._parser);
    hardenParser(client._parser);
    makePacketsLazily(client._parser);
  }

  return {
    broker,
    handle,
    identityOf: (client) => identities.get(client),
    addLogin(username, password, identity) {
      ephemeral.set(username, { password: Buffer.from(password), identity });
      return () => ephemeral.delete(username);
    },
    get openConnections() {
      return open;
    },
    close: () => new Promise<void>((resolve) => broker.close(() => resolve())),
  };
}

function remoteAddress(client: Client): string {
  return (client as any).conn?.remoteAddress ?? (client as any).req?.socket?.remoteAddress ?? 'unknown';
}

function describe(client: Client, identity: MqttIdentity | undefined): string {
  if (!identity) return `client ${client.id}`;
  const who =
    identity.kind === 'user'
      ? `user ${identity.name}`
      : identity.kind === 'device'
        ? `device ${identity.deviceId}`
        : identity.kind === 'devices'
          ? identity.name
          : 'anonymous';
  return `${who} (client ${client.id})`;
}

export type { AedesPublishPacket };
