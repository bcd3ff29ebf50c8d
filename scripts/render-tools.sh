#!/usr/bin/env bash
# `npm run render-tools` (and the first step of `npm start`): provides the renderers the service
# runs — kubectl (for `kubectl kustomize`) and helm v4 — in the project's tools directory,
# .tools/bin (git-ignored; FLOTILLA_RENDER__TOOLS_DIR, the service's render.toolsDir, moves it),
# where the service looks for them after its PATH (src/engine/render-tools.ts).
#
# The versions are the test bed's, pinned in ONE place, test/testbed/binaries.sh: its cache
# (~/.cache/flotilla/testbed, or FLOTILLA_TESTBED_CACHE) is reused when it has them, and a
# missing one is built there from its pinned Go module when Go is installed — once per version,
# a few minutes — unless the PATH already has that tool. The tools directory gets symlinks.
# Without Go it says how to install or configure them and exits 0: `npm start` never fails
# because of this (the service starts, and says the same about a missing renderer).
# FLOTILLA_SKIP_RENDER_TOOLS=1 skips it all.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
binaries="$root/test/testbed/binaries.sh"
tools_dir="${FLOTILLA_RENDER__TOOLS_DIR:-$root/.tools/bin}"
say() { echo "render-tools: $*" >&2; }

if [ -n "${FLOTILLA_SKIP_RENDER_TOOLS:-}" ]; then
  say "skipped (FLOTILLA_SKIP_RENDER_TOOLS is set)"
  exit 0
fi

# the cache's kubectl and helm: binaries.sh prints `<tool> <path>` for each it has (building the
# tools given first); plain variables, not an associative array, for macOS's bash 3
cached_kubectl='' cached_helm=''
read_cache() {
  local out line
  out="$(bash "$binaries" --render-tools-cache "$@")" || return 1
  while read -r line; do
    case "$line" in
      "kubectl "*) cached_kubectl="${line#* }" ;;
      "helm "*) cached_helm="${line#* }" ;;
    esac
  done <<<"$out"
}
cached() { if [ "$1" = kubectl ]; then echo "$cached_kubectl"; else echo "$cached_helm"; fi; }
read_cache || say "could not read the test-bed cache"

# Build only what neither the cache nor the PATH has: the service uses the PATH's first anyway.
wanted=()
for tool in kubectl helm; do
  if [ -z "$(cached "$tool")" ] && ! command -v "$tool" >/dev/null; then wanted+=("$tool"); fi
done
if [ ${#wanted[@]} -gt 0 ]; then
  if command -v go >/dev/null; then
    say "building ${wanted[*]} with Go (once per version, a few minutes)"
    # a failed build may still have finished one of them
    if ! read_cache "${wanted[@]}"; then say "the build failed (see above)"; read_cache; fi
  else
    say "no Go to build ${wanted[*]} with"
  fi
fi

status=0
mkdir -p "$tools_dir" 2>/dev/null || { say "cannot create $tools_dir"; status=1; }
for tool in kubectl helm; do
  from="$(cached "$tool")"
  if [ $status -eq 0 ] && [ -n "$from" ] && ln -sfn "$from" "$tools_dir/$tool"; then
    if path="$(command -v "$tool")"; then
      say "$tool: $tools_dir/$tool -> $from (the service uses $path, from the PATH, first)"
    else
      say "$tool: $tools_dir/$tool -> $from"
    fi
    continue
  fi
  if path="$(command -v "$tool")"; then
    say "$tool: $path (from the PATH)"
    continue
  fi
  case "$tool" in
    kubectl) what="Kustomize overlays" key=KUBECTL install="install kubectl on the PATH (https://kubernetes.io/docs/tasks/tools/)" ;;
    *) what="Helm charts" key=HELM install="install helm v4 on the PATH (https://helm.sh/docs/intro/install/)" ;;
  esac
  say "$tool not found: $what will not render. Install Go (https://go.dev/doc/install) and run \"npm run render-tools\", $install, or set render.$tool / FLOTILLA_RENDER__$key to its path"
done
exit 0
