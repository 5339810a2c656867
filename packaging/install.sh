#!/bin/sh
# Installs Hearth from an unpacked release bundle, upgrades an installed one (after a backup), or rolls back.
#
#   sudo ./hearth-<version>-linux-arm64/packaging/install.sh        install, or upgrade what is installed
#   sudo /opt/hearth/packaging/install.sh --rollback                 back to the previous version and its data
#
# It puts the bundle in /opt/hearth-<version> with /opt/hearth linking to it, creates the system user `hearth`,
# /var/lib/hearth (0700; the example rules and the rules JSON schema in rules/), /etc/hearth/hearth.yaml (kept when
# present) and the systemd unit. An upgrade stops the hub, backs it up to <dataDir>/backups/pre-upgrade-*.tar.gz,
# switches /opt/hearth and starts the new version, which migrates the database; --rollback restores that backup
# and switches back. DESTDIR=/some/dir stages all of it below that directory instead, without systemd (the user is
# created only if DESTDIR/etc/passwd exists): that is how it is tested.
set -eu

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: %s\n' "$*" >&2; exit 1; }

bundle=$(cd "$(dirname "$0")/.." && pwd -P)
[ -f "$bundle/RELEASE" ] || die "$bundle is not a Hearth release bundle (no RELEASE file); build one with npm run release"
version='' arch='' glibc=''
. "$bundle/RELEASE" # version, arch, node, glibc, commit

action=install
case "${1:-}" in
  '') ;;
  --rollback) action=rollback ;;
  -h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) die "unknown option '$1' (known: --rollback)" ;;
esac

root=${DESTDIR:-}
[ -z "$root" ] || root=$(mkdir -p "$root" && cd "$root" && pwd -P)
opt=$root/opt
link=$opt/hearth
etc=$root/etc/hearth
config=$etc/hearth.yaml
unit_dir=$root/etc/systemd/system

if [ -z "$root" ]; then
  [ "$(id -u)" = 0 ] || die "run it as root: sudo $0"
  case "$(uname -m)" in aarch64 | arm64) machine=arm64 ;; x86_64 | amd64) machine=x64 ;; *) machine=$(uname -m) ;; esac
  [ "$machine" = "$arch" ] || die "this bundle is for linux-$arch and this machine is $(uname -m) (on a Raspberry Pi, Hearth needs the 64-bit Raspberry Pi OS)"
  have=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{ print $2 }')
  if [ -n "$glibc" ] && [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$glibc" "$have" | sort -V | head -n 1)" != "$glibc" ]; then
    die "this bundle needs glibc $glibc or later and this system has $have: on a Raspberry Pi, Raspberry Pi OS Bookworm (12) or later"
  fi
  [ -d /run/systemd/system ] || die "systemd is not running here; the README says how to run Hearth without it"
fi

# --- helpers -------------------------------------------------------------------------------------------------------

# The hearth user's uid:gid ("" before it exists); from DESTDIR's passwd when staging.
hearth_ids() {
  if [ -n "$root" ]; then
    awk -F: '$1 == "hearth" { print $3 ":" $4 }' "$root/etc/passwd" 2>/dev/null || true
  elif id hearth >/dev/null 2>&1; then
    echo "$(id -u hearth):$(id -g hearth)"
  fi
}

# own [-R] PATH: gives PATH to the hearth user (once it exists).
own() {
  ids=$(hearth_ids)
  [ -n "$ids" ] || return 0
  if [ "$1" = -R ]; then chown -R "$ids" "$2"; else chown "$ids" "$1"; fi
}

# Runs a command of the hearth in version directory $1 as the hearth user (as the caller when staging).
hearth_as_user() {
  dir=$1
  shift
  if [ -z "$root" ]; then runuser -u hearth -- "$dir/bin/hearth" "$@"; else "$dir/bin/hearth" "$@"; fi
}

systemd() { if [ -z "$root" ]; then systemctl "$@"; else say "(staged: not running systemctl $*)"; fi; }

service_active() { [ -z "$root" ] && systemctl is-active --quiet hearth; }

stop_service() { if service_active; then say "stopping hearth"; systemctl stop hearth; fi; }

# Reads hearth.yaml with the configuration loader of version directory $1: the same rules the hub applies.
read_config() {
  facts=$(env -i PATH=/usr/bin:/bin "$1/node/bin/node" "$1/packaging/config-facts.mjs" "$config") ||
    die "$config is not valid (see above); fix it and run the installer again"
  data_dir='' rules_dir='' backup_dir='' health_url='' http_port='' low_port=''
  eval "$facts"
  data=$root$data_dir
  rules=$root$rules_dir
  backups=$root$backup_dir
}

# A running hub holds its data dir's lock and names itself in <dataDir>/hearth.pid ("<pid> hub"); an upgrade or a
# rollback must not change files under it (hearth restore, which the rollback runs, also refuses on the lock).
refuse_if_hub_runs() {
  pid=$(awk '{ print $1; exit }' "$data/hearth.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then die "a hub (pid $pid) still runs on $data_dir; stop it first"; fi
}

# Points /opt/hearth at version directory $1 in one rename, so it never dangles.
switch_link() {
  ln -sfn "$(basename "$1")" "$link.new"
  mv -T "$link.new" "$link"
}

wait_until_healthy() {
  [ -z "$root" ] || return 0
  say "waiting for the hub to answer /healthz…"
  waited=0
  while [ $waited -lt 120 ]; do
    # The hub's own certificate may be one this machine does not trust; only this local check skips verifying it.
    if NODE_TLS_REJECT_UNAUTHORIZED=0 "$link/node/bin/node" --no-warnings -e "fetch('$health_url').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
      say "the hub is up: the dashboard is at ${health_url%%://*}://$(hostname).local:$http_port/"
      return 0
    fi
    sleep 2
    waited=$((waited + 2))
  done
  say "the hub did not answer within 2 minutes; its log: sudo journalctl -u hearth -e"
  return 1
}

# --- rollback ------------------------------------------------------------------------------------------------------

if [ "$action" = rollback ]; then
  [ -L "$link" ] || die "$link is not an installed release"
  current=$opt/$(readlink "$link")
  [ -f "$current/UPGRADED-FROM" ] || die "$(basename "$current") was not installed as an upgrade: there is nothing to roll back to"
  previous='' backup=''
  . "$current/UPGRADED-FROM"
  [ -d "$root$previous" ] || die "the previous version $previous is gone"
  [ -f "$root$backup" ] || die "the pre-upgrade backup $backup is gone"
  read_config "$current"
  stop_service
  refuse_if_hub_runs
  say "restoring $backup (what it replaces is moved aside into $data_dir/before-restore-*)"
  hearth_as_user "$current" restore "$root$backup" --config "$config" --data-dir "$data" --rules-dir "$rules"
  switch_link "$root$previous"
  rm -f "$current/UPGRADED-FROM"
  say "$link is $(basename "$previous") again"
  systemd restart hearth
  wait_until_healthy
  exit 0
fi

# --- install or upgrade --------------------------------------------------------------------------------------------

target=$opt/hearth-$version

if [ -z "$(hearth_ids)" ]; then
  if [ -z "$root" ]; then
    say "creating the system user hearth"
    useradd --system --user-group --home-dir /var/lib/hearth --no-create-home --shell /usr/sbin/nologin hearth
  elif [ -f "$root/etc/passwd" ]; then
    useradd --prefix "$root" --system --user-group --home-dir /var/lib/hearth --no-create-home --shell /usr/sbin/nologin hearth
  fi
fi

if [ ! -f "$config" ]; then
  say "writing $config"
  mkdir -p "$etc"
  cat >"$config" <<'EOF'
# Hearth's configuration; every key is in the README's configuration table. The service reads it when it starts
# (sudo systemctl restart hearth); run install.sh again after changing a port or a directory.
dataDir: /var/lib/hearth
rulesDir: /var/lib/hearth/rules
mqtt:
  port: 1883
http:
  port: 8080
# location: { latitude: 51.5, longitude: 0 }   # where sun triggers compute sunrise and sunset
# history:
#   historyFlushIntervalMs: 60000             # fewer SD card writes, see "SD cards" in the README
EOF
  chmod 0640 "$config"
  ids=$(hearth_ids)
  [ -z "$ids" ] || chown "0:${ids#*:}" "$config" # root's file, readable by the hub
fi
# hearth.yaml, checked by the new version before anything else changes.
read_config "$bundle"
service_active || refuse_if_hub_runs # a hub run by hand; the service's own is stopped below

mkdir -p "$opt"
previous=''
if [ -L "$link" ]; then
  previous=$opt/$(readlink "$link")
elif [ -d "$link" ]; then
  # A hub installed by hand (a clone in /opt/hearth, as the README once said) is kept aside as the previous version.
  previous=$opt/hearth-by-hand-$(date +%Y%m%d-%H%M%S)
  stop_service
  say "moving the hand-installed $link to $previous"
  mv "$link" "$previous"
fi
upgrade=no
[ -n "$previous" ] && [ "$previous" != "$target" ] && upgrade=yes
if [ "$upgrade" = yes ]; then say "upgrading $(basename "$previous") to hearth-$version"; else say "installing hearth-$version"; fi

# The bundle, owned by root and not writable by the hub.
if [ "$bundle" != "$(cd "$target" 2>/dev/null && pwd -P)" ]; then
  rm -rf "$target.new"
  cp -a "$bundle" "$target.new"
  [ "$upgrade" = yes ] || stop_service # reinstalling the running version
  rm -rf "$target"
  mv "$target.new" "$target"
fi
[ -n "$root" ] || chown -R root:root "$target"
chmod -R go-w "$target"

mkdir -p "$data"
chmod 0700 "$data"
own "$data"

# An upgrade: stop, back up with the new version's `hearth backup` (so that the version that restores it wrote it).
backup=''
if [ "$upgrade" = yes ] && [ -f "$data/hearth.db" ]; then
  stop_service
  refuse_if_hub_runs
  mkdir -p "$backups"
  own "$backups"
  backup=$backups/pre-upgrade-$(basename "$previous")-to-$version-$(date +%Y%m%d-%H%M%S).tar.gz
  say "backing up before the upgrade: $backup"
  if ! hearth_as_user "$target" backup "$backup" --config "$config" --data-dir "$data" --rules-dir "$rules"; then
    systemd start hearth
    die "the pre-upgrade backup failed, so nothing was upgraded: $(basename "$previous") runs on"
  fi
  printf "previous='%s'\nbackup='%s'\n" "${previous#"$root"}" "${backup#"$root"}" >"$target/UPGRADED-FROM"
fi

# Rules: the examples on the first install, never overwritten; the rules schema follows the installed version.
if [ ! -d "$rules" ]; then
  say "copying the example rules into $rules_dir"
  mkdir -p "$rules"
  cp "$target"/rules/*.yaml "$rules/"
  own -R "$rules"
fi
cp "$target/rules/hearth-rules.schema.json" "$rules/"
own "$rules/hearth-rules.schema.json"

switch_link "$target"

# The unit, and a drop-in for what hearth.yaml decides.
mkdir -p "$unit_dir/hearth.service.d"
cp "$target/packaging/hearth.service" "$unit_dir/hearth.service"
{
  echo "# Written by install.sh from $config; run install.sh again after changing a port or a directory there."
  echo "[Service]"
  if [ "$low_port" = yes ]; then
    echo "# A port below 1024 is configured: binding it needs this capability, and only this one."
    echo "AmbientCapabilities=CAP_NET_BIND_SERVICE"
    echo "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"
  fi
  for dir in "$data_dir" "$rules_dir" "$backup_dir"; do
    case "$dir/" in /var/lib/hearth/*) ;; *) echo "ReadWritePaths=$dir" ;; esac
  done
} >"$unit_dir/hearth.service.d/install.conf"
chmod 0644 "$unit_dir/hearth.service" "$unit_dir/hearth.service.d/install.conf"

# The current and the previous version stay (for --rollback); older releases go.
for dir in "$opt"/hearth-*; do
  [ -f "$dir/RELEASE" ] || continue
  if [ "$dir" = "$target" ] || [ "$dir" = "$previous" ]; then continue; fi
  say "removing the older $(basename "$dir")"
  rm -rf "$dir"
done

systemd daemon-reload
systemd enable hearth
systemd restart hearth
if ! wait_until_healthy; then
  [ -z "$backup" ] || say "to go back to $(basename "$previous") and the data from before the upgrade: sudo $link/packaging/install.sh --rollback"
  exit 1
fi
if [ -n "$backup" ]; then
  say "upgraded; the database was migrated at start (sudo journalctl -u hearth says from which schema to which)"
  say "if anything is wrong: sudo $link/packaging/install.sh --rollback"
elif [ -z "$previous" ] && [ -z "$root" ]; then
  line=$(journalctl -u hearth -o cat --no-pager 2>/dev/null | grep -m1 'Created user "admin"' || true)
  [ -z "$line" ] || say "$line (printed once into the journal; change it after logging in)"
fi
say "done: $link -> hearth-$version"
