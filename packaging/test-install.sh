#!/usr/bin/env bash
# Tests packaging/install.sh as far as a container allows: into a staging root (DESTDIR), without systemd. A real
# older Hearth (git commit OLD, database schema 3) is installed and fed a reading; this version is installed over it
# (backup, switch, migration to the current schema, data and rules kept); then --rollback brings the old one back.
# Usage: bash packaging/test-install.sh   (npm run test:install builds the x64 bundle first)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# The last commit before migration 004: its hub writes schema 3, so installing this version over it must migrate.
OLD=98b8acf
OLD_VERSION=0.0.1-$OLD
OLD_PACKAGING=a663acf
version=$(node -p "require('$root/package.json').version")
new_tarball=$root/release/hearth-$version-linux-x64.tar.gz
[ -f "$new_tarball" ] || { echo "$new_tarball is missing: npm run test:install builds it" >&2; exit 2; }
"$root/packaging/ensure-debs.sh" python3 curl mosquitto-clients passwd systemd

work=$(mktemp -d /tmp/hearth-install-test.XXXXXX)
hub_pid=''
cleanup() { [ -z "$hub_pid" ] || kill -9 "$hub_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
stage=$work/root
data=$stage/var/lib/hearth
began=$SECONDS
steps=0

ok() { steps=$((steps + 1)); printf '  ✓ %s\n' "$*"; }
fail() { printf '  ✗ %s\n' "$*"; [ ! -f "$work/hub.log" ] || { echo "the hub's output, last lines:"; tail -20 "$work/hub.log"; }; exit 1; }
sql() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$@"; }
mode() { stat -c %a "$1"; }

# Runs the installed hub (whatever /opt/hearth is) on the staged data dir, until `stop_hub`.
start_hub() {
  HEARTH_ADMIN_PASSWORD=install-test-password "$stage/opt/hearth/bin/hearth" start --config "$stage/etc/hearth/hearth.yaml" \
    --data-dir "$data" --rules-dir "$data/rules" --host 127.0.0.1 --mqtt-port 0 --http-port 0 >"$work/hub.log" 2>&1 &
  hub_pid=$!
  for _ in $(seq 1 120); do
    if grep -q 'Hearth is running' "$work/hub.log"; then
      mqtt_port=$(sed -n 's/.*Hearth is running: MQTT port \([0-9]*\), HTTP port \([0-9]*\).*/\1/p' "$work/hub.log")
      http_port=$(sed -n 's/.*Hearth is running: MQTT port \([0-9]*\), HTTP port \([0-9]*\).*/\2/p' "$work/hub.log")
      return 0
    fi
    kill -0 "$hub_pid" 2>/dev/null || fail "the hub exited at start"
    sleep 0.5
  done
  fail "the hub did not start within 60 s"
}
stop_hub() {
  kill -TERM "$hub_pid"
  wait "$hub_pid" || fail "the hub exited with $? on SIGTERM"
  hub_pid=''
}
install() { DESTDIR=$stage "$@" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "install.sh $* failed"; }; }

echo "install.sh test: $OLD_VERSION (commit $OLD) → $version (this tree), into a staging root"

# --- the old release, built from its commit with packaging of its time ----------------------------------------------
git -C "$root" cat-file -e "$OLD^{commit}" 2>/dev/null || fail "commit $OLD is not in this clone (a shallow clone? git fetch --unshallow)"
mkdir -p "$work/old"
git -C "$root" archive "$OLD" | tar x -C "$work/old"
# Its bin/ and packaging/ as of OLD_PACKAGING, the last that ran dist/src/ (later ones run the bundle, dist/app/).
git -C "$root" archive "$OLD_PACKAGING" bin packaging | tar x -C "$work/old"
ln -s "$root/node_modules" "$work/old/node_modules"
(cd "$work/old" && npx tsc -p tsconfig.json && node scripts/build-web.mjs >/dev/null) || fail "building commit $OLD failed"
rm "$work/old/node_modules"
HEARTH_RELEASE_CACHE=${HEARTH_RELEASE_CACHE:-$root/release/.cache} bash "$work/old/packaging/build-release.sh" --arch x64 --version "$OLD_VERSION" --no-build 2>"$work/build-old.log" ||
  { cat "$work/build-old.log"; fail "packaging commit $OLD failed"; }
mkdir -p "$work/bundles"
tar xzf "$work/old/release/hearth-$OLD_VERSION-linux-x64.tar.gz" -C "$work/bundles"
tar xzf "$new_tarball" -C "$work/bundles"
old_bundle=$work/bundles/hearth-$OLD_VERSION-linux-x64
new_bundle=$work/bundles/hearth-$version-linux-x64
ok "built the release of commit $OLD as $OLD_VERSION"

# A staging root with the accounts files a Debian system has, so that install.sh creates the user for real.
mkdir -p "$stage/etc"
grep '^root:' /etc/passwd >"$stage/etc/passwd"
grep '^root:' /etc/group >"$stage/etc/group"
echo 'root:*:19000:0:99999:7:::' >"$stage/etc/shadow"
echo 'root:*::' >"$stage/etc/gshadow"

# --- first install -----------------------------------------------------------------------------------------------
install "$old_bundle/packaging/install.sh"
[ "$(readlink "$stage/opt/hearth")" = "hearth-$OLD_VERSION" ] || fail "/opt/hearth does not link to hearth-$OLD_VERSION"
uid=$(awk -F: '$1 == "hearth" { print $3 }' "$stage/etc/passwd")
[ -n "$uid" ] && [ "$uid" -lt 1000 ] || fail "no system user hearth in the staged /etc/passwd"
[ "$(awk -F: '$1 == "hearth" { print $7 }' "$stage/etc/passwd")" = /usr/sbin/nologin ] || fail "the hearth user can log in"
[ "$(mode "$data")" = 700 ] && [ "$(stat -c %u "$data")" = "$uid" ] || fail "/var/lib/hearth is $(mode "$data") owned by $(stat -c %u "$data"), not 700 hearth"
for f in alerts.yaml climate.yaml lights.yaml alerts.test.yaml hearth-rules.schema.json; do [ -f "$data/rules/$f" ] || fail "rules/$f was not copied"; done
[ "$(stat -c %u "$data/rules/climate.yaml")" = "$uid" ] || fail "the rules are not the hearth user's"
[ "$(mode "$stage/etc/hearth/hearth.yaml")" = 640 ] && [ "$(stat -c %u:%g "$stage/etc/hearth/hearth.yaml")" = "0:$(awk -F: '$1 == "hearth" { print $4 }' "$stage/etc/passwd")" ] ||
  fail "hearth.yaml is not root's, 0640, readable by the hearth group"
unit=$stage/etc/systemd/system/hearth.service
for line in 'ExecStart=/opt/hearth/bin/hearth start --config /etc/hearth/hearth.yaml' Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict \
  ReadWritePaths=/var/lib/hearth PrivateTmp=yes ProtectHome=yes 'NODE_OPTIONS=--max-old-space-size=256' User=hearth; do
  grep -q "^$line\|^Environment=$line" "$unit" || fail "the unit lacks $line"
done
! grep -q CAP_NET_BIND_SERVICE "$stage/etc/systemd/system/hearth.service.d/install.conf" || fail "CAP_NET_BIND_SERVICE without a low port"
[ -z "$(find "$stage/opt/hearth-$OLD_VERSION" -perm -o+w ! -type l)" ] || fail "the installed files are writable by others"
ok "first install: /opt/hearth -> hearth-$OLD_VERSION, system user hearth (uid $uid, no login), /var/lib/hearth 0700 with the example rules and schema, hearth.yaml 0640, the unit"

start_hub
mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -u admin -P install-test-password -q 1 -r -t home/kitchen/temperature -m 21.5
for _ in $(seq 1 50); do grep -q 'new device kitchen' "$work/hub.log" && break; sleep 0.2; done
stop_hub
cat >"$data/rules/my-rule.yaml" <<'EOF'
id: my-own-rule
triggers:
  - trigger: mqtt
    topic: home/kitchen/button
actions:
  - action: log
    message: pressed
EOF
[ "$(sql "$data/hearth.db" 'PRAGMA user_version')" = 3 ] || fail "the old hub did not write schema 3"
[ "$(sql "$data/hearth.db" "SELECT count(*) FROM devices WHERE id = 'kitchen'")" = 1 ] || fail "the old hub did not store the kitchen"
config_sum=$(sha256sum <"$stage/etc/hearth/hearth.yaml")
ok "the old hub ran: a reading from home/kitchen stored (schema 3); a rule of the user's own added"

# --- upgrade -------------------------------------------------------------------------------------------------------
install "$new_bundle/packaging/install.sh"
[ "$(readlink "$stage/opt/hearth")" = "hearth-$version" ] || fail "/opt/hearth does not link to hearth-$version"
[ -d "$stage/opt/hearth-$OLD_VERSION" ] || fail "the previous version was removed"
backup=$(ls "$data"/backups/pre-upgrade-hearth-"$OLD_VERSION"-to-"$version"-*.tar.gz 2>/dev/null | head -n 1)
[ -n "$backup" ] || fail "no pre-upgrade backup"
tar tzf "$backup" | grep -q 'rules/my-rule.yaml' || fail "the pre-upgrade backup lacks the user's rule"
[ "$(sha256sum <"$stage/etc/hearth/hearth.yaml")" = "$config_sum" ] || fail "the upgrade changed hearth.yaml"
[ -f "$data/rules/my-rule.yaml" ] || fail "the upgrade lost the user's rule"
cmp -s "$data/rules/hearth-rules.schema.json" "$new_bundle/rules/hearth-rules.schema.json" || fail "the rules schema is not the new version's"
ok "upgrade: pre-upgrade backup $(basename "$backup") ($(du -h "$backup" | cut -f1)), /opt/hearth -> hearth-$version, hearth.yaml and rules kept, the schema updated"

start_hub
grep -q 'migrated from schema 3 to' "$work/hub.log" || fail "the new hub did not migrate the database"
token=$(curl -sf -X POST "http://127.0.0.1:$http_port/api/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"install-test-password"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
kitchen=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port/api/devices/kitchen")
python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["properties"]["temperature"]["value"] == 21.5, d' "$kitchen" || fail "the kitchen's reading is gone: $kitchen"
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port/api/rules/my-own-rule" >/dev/null || fail "the user's rule is not loaded"
if DESTDIR=$stage "$stage/opt/hearth/packaging/install.sh" --rollback >"$work/install.log" 2>&1; then fail "install.sh rolled back while the hub ran"; fi
grep -q 'still runs' "$work/install.log" || { cat "$work/install.log"; fail "install.sh did not say why it refused to roll back"; }
[ "$(readlink "$stage/opt/hearth")" = "hearth-$version" ] || fail "the refused rollback switched /opt/hearth"
stop_hub
schema=$(sql "$data/hearth.db" 'PRAGMA user_version')
ok "the new hub migrated schema 3 to $schema at start and has the kitchen's 21.5 and the user's rule; a rollback while it runs is refused"

# --- rollback ------------------------------------------------------------------------------------------------------
install "$stage/opt/hearth/packaging/install.sh" --rollback
[ "$(readlink "$stage/opt/hearth")" = "hearth-$OLD_VERSION" ] || fail "/opt/hearth does not link back to hearth-$OLD_VERSION"
[ "$(sql "$data/hearth.db" 'PRAGMA user_version')" = 3 ] || fail "the rollback did not restore the schema-3 database"
aside=$(ls -d "$data"/before-restore-* 2>/dev/null | head -n 1)
[ -n "$aside" ] && [ "$(sql "$aside/hearth.db" 'PRAGMA user_version')" = "$schema" ] || fail "the migrated database was not moved aside"
[ -f "$data/rules/my-rule.yaml" ] || fail "the rollback lost the user's rule"
start_hub
stop_hub
if DESTDIR=$stage "$stage/opt/hearth/packaging/install.sh" --rollback >"$work/install.log" 2>&1; then fail "a second rollback did something"; fi
ok "rollback: /opt/hearth -> hearth-$OLD_VERSION, the schema-3 database restored (the migrated one moved aside), the old hub starts on it"

# --- configuration-dependent parts -------------------------------------------------------------------------------
install "$new_bundle/packaging/install.sh"
sed -i 's/^  port: 1883$/  port: 883/' "$stage/etc/hearth/hearth.yaml"
install "$new_bundle/packaging/install.sh"
grep -q '^AmbientCapabilities=CAP_NET_BIND_SERVICE$' "$stage/etc/systemd/system/hearth.service.d/install.conf" || fail "no CAP_NET_BIND_SERVICE with mqtt.port 883"
# systemd's own check of the unit with its drop-in, pointing at the staged hearth (it must exist to be verified).
{ sed "s#/opt/hearth/#$stage/opt/hearth/#" "$unit"; cat "$stage/etc/systemd/system/hearth.service.d/install.conf"; } >"$work/hearth.service"
verified=$(systemd-analyze verify "$work/hearth.service" 2>&1) || fail "systemd-analyze verify failed: $verified"
[ -z "$verified" ] || fail "systemd-analyze verify complained: $verified"
sed -i 's/^  port: 883$/  port: 1883/' "$stage/etc/hearth/hearth.yaml"
install "$new_bundle/packaging/install.sh"
! grep -q CAP_NET_BIND_SERVICE "$stage/etc/systemd/system/hearth.service.d/install.conf" || fail "CAP_NET_BIND_SERVICE stayed after the port went back to 1883"
printf 'histroy:\n  retentionDays: 7\n' >>"$stage/etc/hearth/hearth.yaml"
if DESTDIR=$stage "$new_bundle/packaging/install.sh" >"$work/install.log" 2>&1; then fail "install.sh accepted an invalid hearth.yaml"; fi
grep -q 'histroy is not a known option' "$work/install.log" || { cat "$work/install.log"; fail "install.sh did not name the bad key"; }
ok "CAP_NET_BIND_SERVICE only while a port below 1024 is configured (systemd-analyze verify accepts the unit with it); an invalid hearth.yaml is refused naming the key"

# --- over a hub installed by hand (a clone in /opt/hearth, as the README once said) ---------------------------------
hand=$work/by-hand
mkdir -p "$hand/opt/hearth/dist" "$hand/var/lib/hearth" "$hand/etc"
cp "$stage/etc/passwd" "$stage/etc/group" "$stage/etc/shadow" "$stage/etc/gshadow" "$hand/etc/"
touch "$hand/opt/hearth/dist/the-clone"
cp -a "$data/hearth.db" "$data/rules" "$hand/var/lib/hearth/"
stage=$hand install "$new_bundle/packaging/install.sh"
[ -f "$(ls -d "$hand"/opt/hearth-by-hand-*/dist)/the-clone" ] || fail "the hand-installed /opt/hearth was not kept aside"
[ "$(readlink "$hand/opt/hearth")" = "hearth-$version" ] || fail "/opt/hearth does not link to hearth-$version"
ls "$hand"/var/lib/hearth/backups/pre-upgrade-hearth-by-hand-*-to-"$version"-*.tar.gz >/dev/null 2>&1 || fail "no backup before replacing the hand install"
ok "over a hand-installed clone in /opt/hearth: kept aside as /opt/$(basename "$(ls -d "$hand"/opt/hearth-by-hand-*)"), backed up, replaced"

echo "install.sh test passed: $steps steps in $((SECONDS - began)) s"
