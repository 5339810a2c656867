#!/usr/bin/env bash
# Builds the release bundles release/hearth-<version>-linux-<arch>.tar.gz: compiled JavaScript, the built dashboard,
# production dependencies, better-sqlite3 built for the target, and the Node.js it was built for. Run as `npm run release`.
#
#   npm run release                      both bundles (arm64 for a Raspberry Pi with a 64-bit OS, x64 for a PC)
#   npm run release -- --arch arm64      one of them
#   npm run release -- --version 0.2.0-rc1   another version in the names than package.json's
#
# Everything comes from the npm registry and Debian: Node from the `node-linux-<arch>` packages (also the headers the
# native module is compiled against), the arm64 cross-compiler from `g++-aarch64-linux-gnu`. Nothing is compiled on
# the Pi and it needs no network: the bundle carries its own Node, so the native module always matches its ABI.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# The Node shipped in every bundle. Node 20's ABI (NODE_MODULE_VERSION 115) is what better-sqlite3 is built for;
# bump it here for Node's security releases.
NODE_VERSION=20.20.2
archs=(arm64 x64)
build=1
version=''
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) shift; [[ "${1:-}" =~ ^(arm64|x64)$ ]] || { echo "release: --arch takes arm64 or x64, got '${1:-}'" >&2; exit 2; }; archs=("$1") ;;
    --version) shift; [[ "${1:-}" =~ ^[0-9A-Za-z.+-]+$ ]] || { echo "release: --version takes a version such as 0.2.0, got '${1:-}'" >&2; exit 2; }; version=$1 ;;
    --no-build) build=0 ;; # dist/ and web/dist are built already
    *) echo "release: unknown option '$1' (known: --arch arm64|x64, --version V, --no-build)" >&2; exit 2 ;;
  esac
  shift
done

[ -n "$version" ] || version=$(node -p "require('$root/package.json').version")
out="$root/release"
# Node packages and compiled native modules, kept between builds (HEARTH_RELEASE_CACHE shares one between trees).
cache=${HEARTH_RELEASE_CACHE:-$out/.cache}
stage="$out/.stage"
mkdir -p "$cache" "$stage"
say() { printf 'release: %s\n' "$*" >&2; }

debs=(python3 make g++ file)
for arch in "${archs[@]}"; do [ "$arch" = arm64 ] && debs+=(g++-aarch64-linux-gnu binutils-aarch64-linux-gnu); done
"$root/packaging/ensure-debs.sh" "${debs[@]}"

if [ "$build" = 1 ]; then
  say "building dist/ and the dashboard (npm run build)"
  (cd "$root" && npm run build --silent)
fi
[ -f "$root/dist/app/hearth.js" ] && [ -f "$root/web/dist/index.html" ] || { say "dist/app/hearth.js or web/dist/index.html missing: run npm run build"; exit 1; }

# A Node.js for the target from the npm registry (bin/node and include/node), unpacked once into the cache.
fetch_node() { "$root/packaging/fetch-node.sh" "$1" "$NODE_VERSION" "$cache"; }
file_arch_pattern() { [ "$1" = arm64 ] && echo 'ARM aarch64' || echo 'x86-64'; }

# A binutils tool for target $1: Debian's cross one (aarch64-linux-gnu-strip, …) when building arm64 elsewhere.
cross_tool() { if [ "$1" = arm64 ] && [ "$(uname -m)" != aarch64 ]; then echo "aarch64-linux-gnu-$2"; else echo "$2"; fi; }

# better-sqlite3's native module for the target, compiled once per (better-sqlite3 version, Node ABI, arch) and cached.
native_module() {
  local arch=$1 app=$2 nodedir=$3
  local bsq_version; bsq_version=$(node -p "require('$app/node_modules/better-sqlite3/package.json').version")
  local cached="$cache/better_sqlite3-$bsq_version-node$NODE_VERSION-linux-$arch.node"
  local own="$root/node_modules/better-sqlite3"
  if [ ! -f "$cached" ] && [ "$(file_arch_pattern "$arch")" = "$(file_arch_pattern "$(uname -m | sed 's/aarch64/arm64/')")" ] &&
    [ "$(node -p "require('$own/package.json').version" 2>/dev/null)" = "$bsq_version" ] &&
    "$nodedir/bin/node" -e "new (require('$own'))(':memory:').prepare('SELECT 1').get()" 2>/dev/null; then
    # For this machine's own architecture, the module `npm ci` built here serves if the bundle's Node loads it.
    say "using the better-sqlite3 $bsq_version that npm ci built here (the bundle's Node $NODE_VERSION loads it)"
    cp "$own/build/Release/better_sqlite3.node" "$cached.tmp"
    strip --strip-unneeded "$cached.tmp" && mv "$cached.tmp" "$cached"
  fi
  if [ ! -f "$cached" ]; then
    local started=$SECONDS
    say "compiling better-sqlite3 $bsq_version for linux-$arch against Node $NODE_VERSION (a minute or two)"
    local -a env=(npm_config_nodedir="$nodedir" npm_config_build_from_source=true npm_config_arch="$arch" npm_config_target_arch="$arch")
    if [ "$arch" = arm64 ] && [ "$(uname -m)" != aarch64 ]; then
      env+=(CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar)
    fi
    (cd "$app" && env "${env[@]}" npm rebuild better-sqlite3 --foreground-scripts --no-audit --no-fund >"$cache/build-$arch.log" 2>&1) || {
      tail -30 "$cache/build-$arch.log" >&2; say "compiling better-sqlite3 failed (log: $cache/build-$arch.log)"; exit 1; }
    local built="$app/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
    "$(cross_tool "$arch" strip)" --strip-unneeded "$built"
    cp "$built" "$cached.tmp" && mv "$cached.tmp" "$cached"
    say "compiled in $((SECONDS - started)) s"
  fi
  # `file` must name the target's architecture: a module built for the host would load nowhere but here.
  file -L "$cached" | grep -q "$(file_arch_pattern "$arch")" || { say "$cached is not a linux-$arch module: $(file -L "$cached")"; exit 1; }
  echo "$cached"
}

# Production dependencies only, without what a running hub never reads (sources of the native module, TypeScript
# sources and declarations, source maps, tests, docs); licences stay.
prune_modules() {
  local modules=$1
  local bsq="$modules/better-sqlite3"
  rm -rf "$bsq/deps" "$bsq/src" "$bsq/binding.gyp"
  find "$bsq/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$bsq/build/Release" -mindepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
  find "$modules" -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.tsx' -o -name '*.tsbuildinfo' \
    -o \( \( -iname '*.md' -o -iname '*.markdown' \) ! -iname 'licen[cs]e*' ! -iname 'copying*' \) \) -delete
  # Test, doc and example folders at the top of a package (node_modules/<pkg>/test, …/@scope/<pkg>/test), never deeper.
  local pkg dir
  while IFS= read -r pkg; do
    for dir in test tests __tests__ docs example examples benchmark benchmarks .github; do rm -rf "${pkg:?}/$dir"; done
  done < <(find "$modules" -type f -name package.json \( -regex '.*/node_modules/[^/@][^/]*/package\.json' \
    -o -regex '.*/node_modules/@[^/]*/[^/]*/package\.json' \) -printf '%h\n')
  find "$modules" -depth -type d -empty -delete
}

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
# The commit's time stamps every file, so the same commit gives the same archive.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
for arch in "${archs[@]}"; do
  started=$SECONDS
  name="hearth-$version-linux-$arch"
  app="$stage/$name"
  say "staging $name"
  rm -rf "$app" && mkdir -p "$app/dist" "$app/web" "$app/packaging" "$app/node/bin"
  cp -a "$root/bin" "$app/"
  # dist/app is what bin/hearth runs (the bundle); dist/src is kept for packaging/config-facts.mjs.
  cp -a "$root/dist/src" "$root/dist/app" "$app/dist/"
  # The bundle's source maps stay, without the sources they carry (~1 MB packed): the hub prints a bug's stack trace
  # mapped back to the TypeScript through them (src/shared/stack-map.ts). dist/src's go.
  find "$app/dist/src" -name '*.map' -delete
  node -e 'const fs = require("node:fs");
for (const f of process.argv.slice(1)) { const m = JSON.parse(fs.readFileSync(f, "utf8")); delete m.sourcesContent; fs.writeFileSync(f, JSON.stringify(m)); }' "$app"/dist/app/*.map
  cp -a "$root/web/dist" "$app/web/"
  cp -a "$root/rules" "$app/"
  cp -a "$root/README.md" "$app/"
  cp -a "$root/packaging/hearth.service" "$root/packaging/install.sh" "$root/packaging/config-facts.mjs" "$app/packaging/"
  cp "$root/package.json" "$root/package-lock.json" "$app/"
  (cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --silent)

  nodedir=$(fetch_node "$arch")
  module=$(native_module "$arch" "$app" "$nodedir")
  mkdir -p "$app/node_modules/better-sqlite3/build/Release"
  cp "$module" "$app/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
  cp "$nodedir/LICENSE" "$app/node/"
  # Without its debug info and static symbol table (13-14 MB no Pi needs); the dynamic symbols addons link to stay.
  "$(cross_tool "$arch" strip)" --strip-all -o "$app/node/bin/node" "$nodedir/bin/node"
  file -L "$app/node/bin/node" | grep -q "$(file_arch_pattern "$arch")" || { say "node for $arch is not a $arch binary"; exit 1; }
  prune_modules "$app/node_modules"

  # The bundle's package.json says what it is and how it runs; scripts and dev dependencies belong to the repository.
  node -e '
    const fs = require("fs"); const [file, version] = process.argv.slice(1); const p = JSON.parse(fs.readFileSync(file, "utf8"));
    for (const k of ["scripts", "devDependencies", "allowScripts"]) delete p[k];
    p.version = version;
    fs.writeFileSync(file, JSON.stringify(p, null, 2) + "\n");' "$app/package.json" "$version"
  rm "$app/package-lock.json"
  # The newest glibc symbol Node or the native module needs: install.sh checks the Pi has it (Bookworm has 2.36).
  glibc=$("$(cross_tool "$arch" objdump)" -T "$app/node/bin/node" "$app/node_modules/better-sqlite3/build/Release/better_sqlite3.node" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
  printf 'version=%s\narch=%s\nnode=%s\nglibc=%s\ncommit=%s\n' "$version" "$arch" "$NODE_VERSION" "$glibc" "$commit" >"$app/RELEASE"

  tarball="$out/$name.tar.gz"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$stage" -cf - "$name" | gzip -9n >"$tarball.tmp"
  mv "$tarball.tmp" "$tarball"
  (cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
  say "$tarball: $(du -h --apparent-size "$tarball" | cut -f1) packed, $(du -sh --apparent-size "$app" | cut -f1) unpacked, in $((SECONDS - started)) s"
  rm -rf "$app" # only the archive is kept
done
