#!/usr/bin/env bash
# Makes the real Pulumi engine available: `pulumi`, `pulumi-language-nodejs` and the
# dynamic-provider plugin `pulumi-resource-pulumi-nodejs`, all in one bin directory.
#
# - If a compatible `pulumi` (>= 3.139, which passes stack config to dynamic providers)
#   is already on PATH, it is used as is (that is how real users have Pulumi).
# - Otherwise the CLI is built from the Go module proxy at a pinned version into a cache
#   outside the repository, keyed by version, so later runs take seconds.
#
# Prints the bin directory on stdout's last line; progress goes to stderr.
set -euo pipefail

PULUMI_VERSION="${PULUMI_ENGINE_VERSION:-v3.274.1}"
CACHE_ROOT="${PULUMI_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-group-export/engine}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { echo "[engine] $*" >&2; }

version_ok() { # $1 = "vX.Y.Z" or "X.Y.Z"; true when >= 3.139
  local v="${1#v}" major minor
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  (( major > 3 || (major == 3 && minor >= 139) ))
}

if [[ -z "${PULUMI_ENGINE_FORCE_BUILD:-}" ]] && command -v pulumi >/dev/null 2>&1; then
  found="$(pulumi version 2>/dev/null || true)"
  if version_ok "$found" && command -v pulumi-language-nodejs >/dev/null 2>&1; then
    say "using installed pulumi $found ($(command -v pulumi))"
    dirname "$(command -v pulumi)"
    exit 0
  fi
  say "installed pulumi '$found' is too old or lacks the Node.js host; building $PULUMI_VERSION"
fi

BIN="$CACHE_ROOT/$PULUMI_VERSION/bin"
if [[ -x "$BIN/pulumi" && -x "$BIN/pulumi-language-nodejs" && -x "$BIN/pulumi-resource-pulumi-nodejs" ]]; then
  say "using cached engine $PULUMI_VERSION in $BIN"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || { say "Go is required to build the Pulumi engine (or install pulumi >= 3.139)"; exit 1; }
SRC="$CACHE_ROOT/$PULUMI_VERSION/src"
mkdir -p "$SRC" "$BIN"
say "building Pulumi CLI $PULUMI_VERSION from the Go module proxy into $BIN (a cold build takes several minutes)"
sed "s/@PULUMI_VERSION@/$PULUMI_VERSION/g" "$HERE/wrapper.go.mod" > "$SRC/go.mod"
cp "$HERE/tools.go.txt" "$SRC/tools.go"
mkdir -p "$SRC/langhost" && cp "$HERE/langhost/main.go" "$SRC/langhost/main.go"
rm -f "$SRC/go.sum"
( cd "$SRC" && GOFLAGS=-mod=mod go mod tidy >&2 )
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
start=$(date +%s)
( cd "$SRC" && go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2 )
mv "$BIN/pulumi.tmp" "$BIN/pulumi"
( cd "$SRC" && go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi-language-nodejs" ./langhost >&2 )
# The dynamic-provider plugin, as in the official release: node running the provider host
# of the @pulumi/pulumi that the program itself installed (the CLI starts it in the program's directory).
cat > "$BIN/pulumi-resource-pulumi-nodejs" <<'SH'
#!/bin/sh
exec node "$PWD/node_modules/@pulumi/pulumi/cmd/dynamic-provider" "$@"
SH
chmod +x "$BIN/pulumi-resource-pulumi-nodejs"
say "built pulumi in $(( $(date +%s) - start ))s"
echo "$BIN"
