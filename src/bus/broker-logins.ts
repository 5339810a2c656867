// On an external broker the logins and the access rules are the broker's: what `hearth device add` prints there,
// in Mosquitto's words, so that a device gets the same rights it would have on Hearth's own broker.
import { generatePassword } from '../shared/password.js';
import { redactUrl } from './link-errors.js';

const DEVICE_ID = /^[a-z0-9_-]{1,64}$/;

/** The lines that create `deviceId`'s login on Mosquitto (with a fresh password), or undefined for a bad id. */
export function mosquittoDeviceLogin(deviceId: string, brokerUrl: string): string | undefined {
  if (!DEVICE_ID.test(deviceId)) return undefined;
  const broker = redactUrl(brokerUrl);
  const password = generatePassword();
  return [
    `Hearth runs on the broker ${broker} (mqtt.url): device logins and their rights are the broker's, so create ${deviceId}'s there.`,
    "On Mosquitto, on the broker's machine (the password is shown once; to type one instead, leave out -b and the password):",
    '',
    `  sudo mosquitto_passwd -b /etc/mosquitto/passwd ${deviceId} '${password}'`,
    '',
    `and in its ACL file (acl_file, e.g. /etc/mosquitto/acl) the rights Hearth's own broker would give the device:`,
    '',
    `  user ${deviceId}`,
    `  topic write home/${deviceId}/#`,
    `  topic read home/${deviceId}/+/set`,
    `  topic read home/${deviceId}/status`,
    '',
    'then make Mosquitto read both again: sudo systemctl reload mosquitto',
    `The device connects to ${broker} as ${deviceId} with that password.`,
    '',
  ].join('\n');
}
