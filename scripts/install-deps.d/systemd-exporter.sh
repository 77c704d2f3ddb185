#!/usr/bin/env bash
# Builds prometheus-community/systemd_exporter (not packaged in Debian) on the controller into
# .cache/systemd_exporter/; the Ansible systemd_exporter role copies the binary to the hosts.
# Idempotent: a binary of the wanted version is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="${CHATOPS_SYSTEMD_EXPORTER_VERSION:-0.7.0}"
MODULE="github.com/prometheus-community/systemd_exporter"
OUT_DIR=".cache/systemd_exporter"
BIN="$OUT_DIR/systemd_exporter-$VERSION"

LOG_TAG=systemd_exporter
# shellcheck source=scripts/lib/log.sh
source scripts/lib/log.sh

if [[ -x "$BIN" ]]; then
  log "already present, skipping: $BIN"
  exit 0
fi
export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null 2>&1; then
  err "go not found: building systemd_exporter needs a Go toolchain (on PATH or in /usr/local/go) and the Go module proxy"
  exit 1
fi

# `go install module@version` also reads the module's version list, which some proxies refuse;
# downloading the one version and building it from the module cache needs only that version.
log "downloading $MODULE@v$VERSION through the Go module proxy"
dir="$(go mod download -json "$MODULE@v$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$dir" || ! -d "$dir" ]]; then
  err "go mod download did not report a source directory for $MODULE@v$VERSION"
  exit 1
fi
mkdir -p "$OUT_DIR"
log "building a static binary into $BIN"
(cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$OLDPWD/$BIN.part" .)
mv "$BIN.part" "$BIN"
"$BIN" --version 2>&1 | head -1
log "ready: $BIN"
