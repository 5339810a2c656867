// Who may publish and subscribe where. Identity comes from credentials only; the client id is never trusted.
import type { Identity } from '../store/user-repo.js';

export type MqttIdentity = Identity | { kind: 'anonymous' };

export type AclDecision = { allowed: true } | { allowed: false; reason: string };

const ALLOW: AclDecision = { allowed: true };
const deny = (reason: string): AclDecision => ({ allowed: false, reason });

export function canPublish(identity: MqttIdentity, topic: string): AclDecision {
  // [MQTT-4.7.2-1] `$` topics are the broker's; clients never publish there.
  if (topic.startsWith('$')) return deny('$-topics are reserved to the broker');
  if (topic === 'hearth' || topic.startsWith('hearth/')) return deny('hearth/# is reserved to the hub');
  switch (identity.kind) {
    case 'user':
      return identity.role === 'admin' ? ALLOW : deny('viewers may not publish');
    case 'device':
      return topic.startsWith(`home/${identity.deviceId}/`) ? ALLOW : deny(`device ${identity.deviceId} may publish only under home/${identity.deviceId}/`);
    case 'anonymous':
      return topic.startsWith('home/') ? ALLOW : deny('anonymous clients may publish only under home/');
  }
}

export function canSubscribe(identity: MqttIdentity, filter: string): AclDecision {
  if (identity.kind === 'user') {
    if (identity.role === 'admin') return ALLOW;
    return filter.startsWith('$SYS') ? deny('$SYS is for admins') : ALLOW;
  }
  if (identity.kind === 'anonymous') return filter.startsWith('$') ? deny('$SYS is for admins') : ALLOW;
  const own = [`home/${identity.deviceId}/+/set`, `home/${identity.deviceId}/status`];
  return own.some((pattern) => filterWithin(filter, pattern))
    ? ALLOW
    : deny(`device ${identity.deviceId} may subscribe only to home/${identity.deviceId}/+/set and its status`);
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
