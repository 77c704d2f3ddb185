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
# shellcheck source=scripts/lib/go.sh
source scripts/lib/go.sh

if [[ -x "$BIN" ]]; then
  log "already present, skipping: $BIN"
  exit 0
fi
require_go systemd_exporter

dir="$(download_module "$MODULE" "$VERSION")"
mkdir -p "$OUT_DIR"
log "building a static binary into $BIN"
(cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$OLDPWD/$BIN.part" .)
mv "$BIN.part" "$BIN"
"$BIN" --version 2>&1 | head -1
log "ready: $BIN"
