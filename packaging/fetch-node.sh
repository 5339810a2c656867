#!/usr/bin/env bash
# A Node.js from the npm registry (`node-linux-<arch>`: bin/node and include/node), unpacked once into a cache dir;
# prints the directory. Used by build-release.sh (the Node a release carries) and test-newer-node.sh.
# Usage: packaging/fetch-node.sh ARCH VERSION CACHE_DIR
set -euo pipefail
arch=$1 version=$2 cache=$3
dir="$cache/node-v$version-linux-$arch"
if [ ! -x "$dir/bin/node" ]; then
  printf 'fetching node-linux-%s@%s from the npm registry\n' "$arch" "$version" >&2
  mkdir -p "$cache"
  rm -rf "$dir" "$dir.tmp" && mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null && tar xzf node-linux-*.tgz && rm node-linux-*.tgz)
  mv "$dir.tmp/package" "$dir" && rm -rf "$dir.tmp"
fi
echo "$dir"
