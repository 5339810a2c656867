#!/bin/sh
# Installs the Debian packages a packaging script needs when any is missing (apt-get update once, then install -y).
# Usage: packaging/ensure-debs.sh PACKAGE...   (as root, as on CI and the build machine)
set -eu
missing=""
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages:$missing (install them with: sudo apt-get install -y$missing)" >&2
  exit 1
fi
echo "installing from Debian:$missing" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
