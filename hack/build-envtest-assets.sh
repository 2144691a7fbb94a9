#!/usr/bin/env bash
# Builds the control-plane binaries envtest needs (kube-apiserver, etcd, optionally kubectl)
# from source through the Go module proxy, because the usual envtest download bucket is not
# reachable from CI. Binaries are cached outside the clone, keyed by version, and reused.
# Usage: hack/build-envtest-assets.sh            -> prints the directory for KUBEBUILDER_ASSETS
# Env:   K8S_VERSION (v1.36.3), ETCD_VERSION (v3.6.14), WITH_KUBECTL (0|1), ENVTEST_ASSETS_DIR
set -euo pipefail
K8S_VERSION=${K8S_VERSION:-v1.36.3}
ETCD_VERSION=${ETCD_VERSION:-v3.6.14}
WITH_KUBECTL=${WITH_KUBECTL:-0}
OUT=${ENVTEST_ASSETS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capo-next/envtest/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}}
mkdir -p "$OUT"

have() { [[ -x $OUT/$1 ]]; }
if have kube-apiserver && have etcd && { [[ $WITH_KUBECTL = 0 ]] || have kubectl; }; then
  echo "$OUT"; exit 0
fi

minor=$(echo "$K8S_VERSION" | cut -d. -f2)
staging="v0.${K8S_VERSION#v1.}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOWORK=off

if ! have kube-apiserver || { [[ $WITH_KUBECTL != 0 ]] && ! have kubectl; }; then
  # k8s.io/kubernetes replaces its staging modules with local paths, which dependents ignore:
  # a wrapper module pins each of them to the matching published version.
  mkdir -p "$work/k8s" && cd "$work/k8s"
  go mod init local.invalid/k8sbin >/dev/null 2>&1
  go mod download -json "k8s.io/kubernetes@$K8S_VERSION" >/dev/null
  modfile="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod"
  {
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo "replace ("
    grep '=> ./staging' "$modfile" | awk -v v="$staging" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } >>go.mod
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' >tools.go
  go mod tidy >/dev/null
  ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  have kube-apiserver || go build -trimpath -ldflags "$ld" -o "$OUT/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver >&2
  [[ -f $OUT/kube-apiserver.tmp ]] && mv "$OUT/kube-apiserver.tmp" "$OUT/kube-apiserver"
  if [[ $WITH_KUBECTL != 0 ]] && ! have kubectl; then
    go build -trimpath -ldflags "$ld" -o "$OUT/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl >&2
    mv "$OUT/kubectl.tmp" "$OUT/kubectl"
  fi
fi

if ! have etcd; then
  # The etcd server module root is package main and carries replace directives, so
  # `go install pkg@version` is refused: build it from a wrapper module instead.
  mkdir -p "$work/etcd" && cd "$work/etcd"
  go mod init local.invalid/etcdbin >/dev/null 2>&1
  echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION" >>go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >tools.go
  go mod tidy >/dev/null
  go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
  mv "$OUT/etcd.tmp" "$OUT/etcd"
fi
echo "$OUT"
