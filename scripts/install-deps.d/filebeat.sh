#!/usr/bin/env bash
# Builds Filebeat 7.17 (Apache-2.0 part only, journald input included) on the controller into
# .cache/filebeat/; the Ansible filebeat role copies the binary to the lab hosts. Built without
# the symbol table and DWARF (-s -w): 72 MB instead of 101 MB to copy to every host; a panic
# still prints function names and lines (those live in the pclntab, which stays).
# Idempotent: a binary of the wanted version is kept. About 4 minutes, once.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="${CHATOPS_FILEBEAT_VERSION:-7.17.29}"
MODULE="github.com/elastic/beats/v7"
OUT_DIR=".cache/filebeat"
BIN="$OUT_DIR/filebeat-$VERSION"

LOG_TAG=filebeat
# shellcheck source=scripts/lib/log.sh
source scripts/lib/log.sh
# shellcheck source=scripts/lib/go.sh
source scripts/lib/go.sh

if [[ -x "$BIN" ]]; then
  log "already present, skipping: $BIN"
  exit 0
fi
require_go filebeat
if ! pkg-config --exists libsystemd 2>/dev/null; then
  err "libsystemd headers not found: the journald input needs the apt package libsystemd-dev (scripts/install-deps.sh installs it)"
  exit 1
fi

dir="$(download_module "$MODULE" "$VERSION")"
mkdir -p "$OUT_DIR"
# Built inside the module so its go.mod `replace` lines apply (`go install` refuses them);
# ./filebeat is the Apache-2.0 beat, no x-pack code.
log "building $BIN with the journald input (about 4 minutes)"
(cd "$dir" && CGO_ENABLED=1 GOFLAGS=-mod=mod go build -tags withjournald -trimpath -ldflags "-s -w" -o "$OLDPWD/$BIN.part" ./filebeat)
mv "$BIN.part" "$BIN"
"$BIN" version
log "ready: $BIN"
