#!/usr/bin/env bash
# Provides kube-apiserver, etcd and kubectl for the test bed and prints the directory holding them.
#
# 1. KUBEBUILDER_ASSETS, when set and complete, wins (the controller-runtime/Flux convention).
# 2. Otherwise the binaries are built from pinned Go module versions into a cache outside the
#    checkout, keyed by those versions, so a fresh clone on the same machine reuses them and a
#    version bump builds once.
# Progress goes to stderr; stdout is only the directory.
set -euo pipefail

K8S_VERSION="${FLOTILLA_K8S_VERSION:-1.34.4}"
ETCD_VERSION="${FLOTILLA_ETCD_VERSION:-3.6.4}"
BINARIES=(kube-apiserver etcd kubectl)

complete() {
  local dir="$1" b
  for b in "${BINARIES[@]}"; do [ -x "$dir/$b" ] || return 1; done
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if complete "$KUBEBUILDER_ASSETS"; then echo "$KUBEBUILDER_ASSETS"; exit 0; fi
  echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks one of: ${BINARIES[*]}" >&2
  exit 1
fi

cache_root="${FLOTILLA_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/testbed}"
out="$cache_root/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION"
if complete "$out"; then echo "$out"; exit 0; fi

command -v go >/dev/null || { echo "Go is needed to build the test-bed binaries (or set KUBEBUILDER_ASSETS)" >&2; exit 1; }

# One builder at a time per cache (parallel test runs on one machine).
mkdir -p "$cache_root"
exec 9>"$cache_root/.build.lock"
flock 9
if complete "$out"; then echo "$out"; exit 0; fi

work="$(mktemp -d "$cache_root/.build-XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"

minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"
staging_version="v0.$minor.${K8S_VERSION##*.}"
# k8s.io/kubernetes points its staging modules at ./staging with replace lines, which a
# dependent module does not inherit: repeat them with the published versions.
staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
  cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
  cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms
  kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
  mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller)
{
  echo "module flotilla.local/testbed-binaries"
  echo
  echo "go 1.24.0"
  echo
  echo "require ("
  echo "  k8s.io/kubernetes v$K8S_VERSION"
  echo "  go.etcd.io/etcd/server/v3 v$ETCD_VERSION"
  echo ")"
  echo
  echo "replace ("
  for m in "${staging[@]}"; do echo "  k8s.io/$m => k8s.io/$m $staging_version"; done
  echo ")"
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO

export GOFLAGS=-mod=mod CGO_ENABLED=0
echo "building kube-apiserver and kubectl v$K8S_VERSION, etcd v$ETCD_VERSION into $out (once per version)" >&2
go mod tidy >&2
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
mkdir -p "$work/bin"
go build -trimpath -ldflags "$ldflags" -o "$work/bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl >&2
go build -trimpath -ldflags "-s -w" -o "$work/bin/etcd" go.etcd.io/etcd/server/v3 >&2
mkdir -p "$out"
for b in "${BINARIES[@]}"; do mv "$work/bin/$b" "$out/$b"; done
echo "$out"
