// What install.sh needs to know from hearth.yaml, read exactly as the hub reads it, printed as shell assignments.
// Usage: node packaging/config-facts.mjs /etc/hearth/hearth.yaml [BASE]   (exits 1 listing every problem of an invalid file)
// Relative directories are resolved against BASE, the service's working directory (default /var/lib/hearth).
import { resolve } from 'node:path';

const { loadConfig } = await import(new URL('../dist/src/config/load-config.js', import.meta.url));

const [file, base = '/var/lib/hearth'] = process.argv.slice(2);
let config;
try {
  // Only the file counts: the service gets no HEARTH_* variables, whatever the installing shell has.
  config = loadConfig({ file, env: {} });
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
const tls = Boolean(config.tls.cert && config.tls.key);
const ports = [config.mqtt.port, config.http.port, ...(tls ? [config.mqtt.tlsPort] : [])];
const dataDir = resolve(base, config.dataDir);
const facts = {
  data_dir: dataDir,
  rules_dir: resolve(base, config.rulesDir),
  backup_dir: config.backup?.dir ? resolve(base, config.backup.dir) : `${dataDir}/backups`,
  // Where the installer asks /healthz: the listening address (loopback when it listens on all of them).
  health_url: `${tls ? 'https' : 'http'}://${['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host}:${config.http.port}/healthz`,
  http_port: config.http.port,
  // Ports below 1024 need CAP_NET_BIND_SERVICE; 0 picks a free (high) port.
  low_port: ports.some((p) => p > 0 && p < 1024) ? 'yes' : 'no',
};
const quote = (v) => `'${String(v).replaceAll("'", `'\\''`)}'`;
for (const [key, value] of Object.entries(facts)) process.stdout.write(`${key}=${quote(value)}\n`);
