#!/usr/bin/env bash
# Provides kube-apiserver, etcd, kubectl and helm for the test bed and prints ONE directory
# holding all four.
#
# 1. KUBEBUILDER_ASSETS, when set, supplies kube-apiserver, etcd and kubectl (the
#    controller-runtime/Flux convention), and helm when it holds one too.
# 2. Otherwise they are built from pinned Go module versions into a cache outside the checkout,
#    keyed by those versions, so a fresh clone on the same machine reuses them and a version bump
#    builds once:
#      <cache>/k8s-v1.34.4-etcd-v3.6.4         kube-apiserver, etcd, kubectl
#      <cache>/helm-v4.3.1                     helm
#      <cache>/k8s-v1.34.4-etcd-v3.6.4-helm-v4.3.1   the directory printed: relative symlinks to both
#    so a helm bump builds only helm (about a minute) and a Kubernetes bump only the kube binaries.
#
# `binaries.sh --render-tools DIR` builds only the renderers the service runs (kubectl for
# kustomize, helm) into DIR and prints nothing else: docker/Dockerfile installs the same pinned
# versions with it.
# `binaries.sh --render-tools-cache [TOOL...]` is for scripts/render-tools.sh (`npm start`): it
# builds those of the TOOLs (kubectl, helm) the cache lacks — only kubectl in the Kubernetes
# directory, which a later test-bed build completes — and prints `<tool> <path>` for each of
# kubectl and helm the cache (or KUBEBUILDER_ASSETS) has; without TOOLs it builds nothing. Exit
# 3 when a build is needed and there is no Go.
# Progress goes to stderr; stdout is only the directory.
set -euo pipefail

K8S_VERSION="${FLOTILLA_K8S_VERSION:-1.34.4}"
ETCD_VERSION="${FLOTILLA_ETCD_VERSION:-3.6.4}"
HELM_VERSION="${FLOTILLA_HELM_VERSION:-4.3.1}"
KUBE_BINARIES=(kube-apiserver etcd kubectl)
BINARIES=("${KUBE_BINARIES[@]}" helm)

has() { # has DIR BINARY...
  local dir="$1" b; shift
  for b in "$@"; do [ -x "$dir/$b" ] || return 1; done
}

need_go() {
  command -v go >/dev/null || { echo "Go is needed to build the test-bed binaries (or set KUBEBUILDER_ASSETS)" >&2; exit 1; }
}

# A build directory beside OUT, so that the finished binaries are moved in atomically.
workdir() {
  mkdir -p "$(dirname "$1")"
  mktemp -d "$(dirname "$1")/.build-XXXXXX"
}

# build_kube OUT BINARY... — kube-apiserver, kubectl (k8s.io/kubernetes) and etcd, each from its
# pinned module, into OUT.
build_kube() {
  local out="$1"; shift
  local work; work="$(workdir "$out")"
  (
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    local minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"
    local staging_version="v0.$minor.${K8S_VERSION##*.}"
    # k8s.io/kubernetes points its staging modules at ./staging with replace lines, which a
    # dependent module does not inherit: repeat them with the published versions.
    local staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
      cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
      cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms
      kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
      mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller)
    local want_etcd=false kube_pkgs=() b m
    for b in "$@"; do
      case "$b" in
        etcd) want_etcd=true ;;
        kube-apiserver|kubectl) kube_pkgs+=("k8s.io/kubernetes/cmd/$b") ;;
        *) echo "build_kube: unknown binary $b" >&2; exit 1 ;;
      esac
    done
    {
      echo "module flotilla.local/testbed-binaries"
      echo
      echo "go 1.24.0"
      echo
      echo "require ("
      echo "  k8s.io/kubernetes v$K8S_VERSION"
      if $want_etcd; then echo "  go.etcd.io/etcd/server/v3 v$ETCD_VERSION"; fi
      echo ")"
      echo
      echo "replace ("
      for m in "${staging[@]}"; do echo "  k8s.io/$m => k8s.io/$m $staging_version"; done
      echo ")"
    } > go.mod
    {
      printf '//go:build tools\n\npackage tools\n\nimport (\n'
      if $want_etcd; then printf '\t_ "go.etcd.io/etcd/server/v3"\n'; fi
      for m in "${kube_pkgs[@]}"; do printf '\t_ "%s"\n' "$m"; done
      printf ')\n'
    } > tools.go
    export GOFLAGS=-mod=mod CGO_ENABLED=0
    local versions="Kubernetes v$K8S_VERSION"; if $want_etcd; then versions="$versions, etcd v$ETCD_VERSION"; fi
    echo "building $* ($versions) into $out (once per version)" >&2
    go mod tidy >&2
    local ldflags="-s -w" pkg
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags="$ldflags -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    done
    mkdir -p "$work/bin" "$out"
    if [ ${#kube_pkgs[@]} -gt 0 ]; then go build -trimpath -ldflags "$ldflags" -o "$work/bin/" "${kube_pkgs[@]}" >&2; fi
    if $want_etcd; then go build -trimpath -ldflags "-s -w" -o "$work/bin/etcd" go.etcd.io/etcd/server/v3 >&2; fi
    for b in "$@"; do mv "$work/bin/$b" "$out/$b"; done
  )
}

# build_helm OUT — helm from its pinned module (helm.sh/helm/v4 cmd/helm), as its Makefile does.
build_helm() {
  local out="$1"
  local work; work="$(workdir "$out")"
  (
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    local major="${HELM_VERSION%%.*}"
    printf 'module flotilla.local/testbed-helm\n\ngo 1.26.0\n\nrequire helm.sh/helm/v%s v%s\n' "$major" "$HELM_VERSION" > go.mod
    printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v%s/cmd/helm"\n' "$major" > tools.go
    export GOFLAGS=-mod=mod CGO_ENABLED=0
    echo "building helm v$HELM_VERSION into $out (once per version)" >&2
    go mod tidy >&2
    local v="helm.sh/helm/v$major/internal/version"
    mkdir -p "$work/bin" "$out"
    go build -trimpath -ldflags "-s -w -X $v.version=v$HELM_VERSION -X $v.gitTreeState=clean" -o "$work/bin/helm" "helm.sh/helm/v$major/cmd/helm" >&2
    mv "$work/bin/helm" "$out/helm"
  )
}

if [ "${1:-}" = "--render-tools" ]; then
  [ -n "${2:-}" ] || { echo "usage: binaries.sh --render-tools DIR" >&2; exit 2; }
  need_go
  build_kube "$2" kubectl
  build_helm "$2"
  exit 0
fi

cache_root="${FLOTILLA_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/testbed}"
helm_dir="$cache_root/helm-v$HELM_VERSION"

if [ "${1:-}" = "--render-tools-cache" ]; then
  shift
  kubectl_dir="$cache_root/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION"
  tool_helm_dir="$helm_dir"
  if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
    if has "$KUBEBUILDER_ASSETS" kubectl; then kubectl_dir="$KUBEBUILDER_ASSETS"; fi
    if has "$KUBEBUILDER_ASSETS" helm; then tool_helm_dir="$KUBEBUILDER_ASSETS"; fi
  fi
  dir_of() { if [ "$1" = kubectl ]; then echo "$kubectl_dir"; else echo "$tool_helm_dir"; fi; }
  wanted=()
  for b in "$@"; do
    case "$b" in kubectl|helm) ;; *) echo "binaries.sh --render-tools-cache: unknown tool $b" >&2; exit 2 ;; esac
    has "$(dir_of "$b")" "$b" || wanted+=("$b")
  done
  if [ ${#wanted[@]} -gt 0 ]; then
    command -v go >/dev/null || { echo "Go is needed to build ${wanted[*]}" >&2; exit 3; }
    mkdir -p "$cache_root"
    exec 9>"$cache_root/.build.lock"
    flock 9
    for b in "${wanted[@]}"; do
      if has "$(dir_of "$b")" "$b"; then continue; fi # built meanwhile by another run
      if [ "$b" = kubectl ]; then build_kube "$kubectl_dir" kubectl; else build_helm "$tool_helm_dir"; fi
    done
  fi
  for b in kubectl helm; do
    if has "$(dir_of "$b")" "$b"; then echo "$b $(dir_of "$b")/$b"; fi
  done
  exit 0
fi

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if has "$KUBEBUILDER_ASSETS" "${BINARIES[@]}"; then echo "$KUBEBUILDER_ASSETS"; exit 0; fi
  if ! has "$KUBEBUILDER_ASSETS" "${KUBE_BINARIES[@]}"; then
    echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks one of: ${KUBE_BINARIES[*]}" >&2
    exit 1
  fi
  kube_dir="$(cd "$KUBEBUILDER_ASSETS" && pwd -P)"
  out="$cache_root/assets-$(printf '%s' "$kube_dir" | sha256sum | cut -c1-12)-helm-v$HELM_VERSION"
else
  kube_dir="$cache_root/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION"
  out="$kube_dir-helm-v$HELM_VERSION"
fi
if has "$out" "${BINARIES[@]}"; then echo "$out"; exit 0; fi

# One builder at a time per cache (parallel test runs on one machine).
mkdir -p "$cache_root"
exec 9>"$cache_root/.build.lock"
flock 9
if ! has "$out" "${BINARIES[@]}"; then
  if ! has "$kube_dir" "${KUBE_BINARIES[@]}"; then need_go; build_kube "$kube_dir" "${KUBE_BINARIES[@]}"; fi
  if ! has "$helm_dir" helm; then need_go; build_helm "$helm_dir"; fi
  mkdir -p "$out"
  link() { # relative links inside the cache, so that it can move; absolute ones to KUBEBUILDER_ASSETS
    local from="$1" name="$2"
    case "$from" in "$cache_root"/*) from="../${from#"$cache_root"/}" ;; esac
    ln -sfn "$from/$name" "$out/$name"
  }
  for b in "${KUBE_BINARIES[@]}"; do link "$kube_dir" "$b"; done
  link "$helm_dir" helm
fi
echo "$out"
