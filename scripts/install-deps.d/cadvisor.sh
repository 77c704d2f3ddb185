#!/usr/bin/env bash
# Builds our cAdvisor program (cadvisor/main.go on the cAdvisor library) on the controller into
# .cache/cadvisor/; the Ansible cadvisor role copies it to the lab hosts (real hosts install
# the upstream release). Idempotent: a binary built from the same sources is kept. About a minute.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT_DIR=".cache/cadvisor"
# Keyed by the sources, so an edit to main.go or go.sum rebuilds and an unchanged tree does not.
KEY="$(cat cadvisor/main.go cadvisor/go.mod cadvisor/go.sum | sha256sum | cut -c1-12)"
BIN="$OUT_DIR/cadvisor-$KEY"
LINK="$OUT_DIR/cadvisor"

LOG_TAG=cadvisor
# shellcheck source=scripts/lib/log.sh
source scripts/lib/log.sh
# shellcheck source=scripts/lib/go.sh
source scripts/lib/go.sh

if [[ -x "$BIN" ]]; then
  ln -sfn "$(basename "$BIN")" "$LINK"
  log "already present, skipping: $BIN"
  exit 0
fi
require_go cadvisor

mkdir -p "$OUT_DIR"
log "building a static binary into $BIN (about a minute)"
(cd cadvisor && CGO_ENABLED=0 go build -trimpath -ldflags "-s -X main.version=$KEY" -o "../$BIN.part" .)
mv "$BIN.part" "$BIN"
ln -sfn "$(basename "$BIN")" "$LINK"
"$BIN" --version
log "ready: $BIN"
