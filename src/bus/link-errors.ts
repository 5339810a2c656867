// MQTT connection errors in words, and broker addresses without their credentials, for logs and status pages.

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there; is the broker running?',
  ECONNRESET: 'the broker closed the connection',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve yet',
  ETIMEDOUT: 'no answer from the broker',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/** mqtt.js errors in words: connection refused by the network, or by the broker (with its CONNACK code). */
export function describeError(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return NETWORK[code] ? `${NETWORK[code]} (${err.message})` : err.message;
  if (typeof code === 'number') {
    // Mosquitto answers a wrong password with "not authorized" (0x87) over MQTT 5: the advice covers both.
    if ([4, 5, 134, 135].includes(code))
      return `the broker refused the login (${err.message}): check the username and password, and that the broker lets that user connect`;
    if (code === 2 || code === 133) return `the broker refused the client id (${err.message}): choose another client id`;
    return err.message;
  }
  return err.message;
}

/** `mqtts://user:secret@host:8883` → `mqtts://host:8883`: a URL for logs and status pages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
