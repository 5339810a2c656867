#!/usr/bin/env bash
# The hub on the Node versions after the one its releases carry (README, "Release bundles and the arm64 proof"): the
# tests that start the bundled hub (test/cli) and those whose behaviour depends on the version (test/shared), run with
# each Node first on PATH. Each Node comes from the npm registry (`node-linux-<arch>`, headers included) into the
# release cache, and better-sqlite3 is compiled for it in a copy of this checkout, so node_modules here is untouched.
# Run as `npm run test:newer-node`, after `npm run build`; HEARTH_NEWER_NODES="24.22.3" picks the versions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
read -r -a versions <<<"${HEARTH_NEWER_NODES:-22.23.5 24.22.3}"
cache=${HEARTH_RELEASE_CACHE:-$root/release/.cache}
arch=$(node -p process.arch)
say() { printf 'newer-node: %s\n' "$*" >&2; }
[ -f "$root/dist/app/hearth.js" ] || { say "dist/app/hearth.js is missing: run npm run build"; exit 1; }
"$root/packaging/ensure-debs.sh" python3 make g++
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for version in "${versions[@]}"; do
  nodedir=$("$root/packaging/fetch-node.sh" "$arch" "$version" "$cache")
  copy="$work/$version"
  mkdir -p "$copy"
  say "Node $("$nodedir/bin/node" --version): copying the checkout and compiling better-sqlite3 for it"
  (cd "$root" && tar cf - --exclude=./.git --exclude=./release --exclude=./test-artifacts .) | (cd "$copy" && tar xf -)
  (cd "$copy" && PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm rebuild better-sqlite3 --silent >/dev/null)
  say "Node $version: test/cli and test/shared"
  (cd "$copy" && PATH="$nodedir/bin:$PATH" npx vitest run test/cli test/shared)
  rm -rf "$copy"
done
say "passed on Node ${versions[*]}"
