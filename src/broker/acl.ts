// Who may publish and subscribe where. Identity comes from credentials only; the client id is never trusted.
import { commandTopic, devicePrefix, statusTopic } from '../devices/topic.js';
import type { Identity, TopicGrant } from '../store/user-repo.js';
import { topicMatches } from '../bus/message-bus.js';

/**
 * `devices`: one login for a set of devices (demo mode's simulated home), with the rights each device has, and the
 * topics of the adapters it speaks for.
 */
export type MqttIdentity =
  | Identity
  | { kind: 'anonymous' }
  | { kind: 'devices'; name: string; deviceIds: ReadonlySet<string>; topics?: TopicGrant };

export type AclDecision = { allowed: true } | { allowed: false; reason: string };

const ALLOW: AclDecision = { allowed: true };
const deny = (reason: string): AclDecision => ({ allowed: false, reason });

export function canPublish(identity: MqttIdentity, topic: string): AclDecision {
  // $SYS is the broker's own; other `$` topics only stay out of `#`/`+` matches [MQTT-4.7.2-1], so admins may use them.
  if (topic === '$SYS' || topic.startsWith('$SYS/')) return deny('$SYS is reserved to the broker');
  if (topic === 'hearth' || topic.startsWith('hearth/')) return deny('hearth/# is reserved to the hub');
  switch (identity.kind) {
    case 'user':
      return identity.role === 'admin' ? ALLOW : deny('viewers may not publish');
    case 'device':
      if (topic.startsWith('$')) return deny('$-topics are for admins');
      // An adapter's login (a Zigbee2MQTT bridge) publishes in its ecosystem's topics, not under home/.
      if (identity.topics)
        return identity.topics.publish.some((f) => topicMatches(f, topic))
          ? ALLOW
          : deny(`${identity.username} may publish only to ${identity.topics.publish.join(', ')}`);
      return topic.startsWith(devicePrefix(identity.deviceId))
        ? ALLOW
        : deny(`device ${identity.deviceId} may publish only under ${devicePrefix(identity.deviceId)}`);
    case 'anonymous':
      return topic.startsWith('home/') ? ALLOW : deny('anonymous clients may publish only under home/');
    case 'devices': {
      const [root, deviceId] = topic.split('/', 2);
      if (identity.topics?.publish.some((f) => topicMatches(f, topic))) return ALLOW;
      return root === 'home' && identity.deviceIds.has(deviceId!)
        ? ALLOW
        : deny(`${identity.name} may publish only under home/<one of its devices>/`);
    }
  }
}

export function canSubscribe(identity: MqttIdentity, filter: string): AclDecision {
  if (identity.kind === 'user') {
    if (identity.role === 'admin') return ALLOW;
    return filter.startsWith('$SYS') ? deny('$SYS is for admins') : ALLOW;
  }
  if (identity.kind === 'anonymous') return filter.startsWith('$') ? deny('$SYS is for admins') : ALLOW;
  if (identity.topics?.subscribe.some((pattern) => filterWithin(filter, pattern))) return ALLOW;
  if (identity.kind === 'device' && identity.topics)
    return deny(`${identity.username} may subscribe only to ${identity.topics.subscribe.join(', ')}`);
  const ids = identity.kind === 'device' ? [identity.deviceId] : [...identity.deviceIds];
  const own = ids.flatMap((id) => [commandTopic(id, '+'), statusTopic(id)]);
  if (own.some((pattern) => filterWithin(filter, pattern))) return ALLOW;
  return identity.kind === 'device'
    ? deny(`device ${identity.deviceId} may subscribe only to home/${identity.deviceId}/+/set and its status`)
    : deny(`${identity.name} may subscribe only to its devices' home/<id>/+/set and status`);
}

/** True when every topic `filter` can match is also matched by `pattern` (so a device cannot widen its reach with wildcards). */
export function filterWithin(filter: string, pattern: string): boolean {
  const f = filter.split('/');
  const p = pattern.split('/');
  for (let i = 0; i < f.length; i++) {
    const pp = p[i];
    if (pp === undefined) return false;
    if (pp === '#') return true;
    if (f[i] === '#') return false;
    if (pp === '+') continue;
    if (f[i] === '+' || f[i] !== pp) return false;
  }
  return f.length === p.length;
}
