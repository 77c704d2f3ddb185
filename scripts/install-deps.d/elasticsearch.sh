#!/usr/bin/env bash
# Fetches the Elasticsearch integ-test distribution through Maven's own client (its mirrors and
# proxies come from the machine's Maven settings) and unpacks it into .cache/elasticsearch/
# for tests that need a real cluster (coordination, reminder history, index templates).
# A stripped distribution: no bundled JDK (runs on the system Java 17), no x-pack (no security, no ILM).
# Idempotent: an unpacked, verified version is kept; run again to do nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Keep the server major equal to the @elastic/elasticsearch client major (8.x).
ES_VERSION="${CHATOPS_ES_VERSION:-8.19.21}"
# sha512 of the 8.19.21 zip as published beside it in the Maven repository; another version is
# checked by Maven against the repository's own checksums (--strict-checksums).
ES_SHA512_8_19_21="cf6b0a93860d329937ae7f913ec5073b0c726c77639764b93fc83a304aa1dd9d4defcfa2849948eea3b0b47c2065f994908603939fc2a4774c9c4d868c5ec1dd"
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
# Pinned so the same client code runs everywhere.
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

CACHE_DIR=".cache/elasticsearch"
HOME_DIR="$CACHE_DIR/elasticsearch-$ES_VERSION"
ZIP="$CACHE_DIR/elasticsearch-$ES_VERSION.zip"

LOG_TAG=elasticsearch
# shellcheck source=scripts/lib/log.sh
source scripts/lib/log.sh

# Elasticsearch refuses to run as root: tests started as root run it as this system user.
ES_USER="chatops-es"
if [[ "$(id -u)" == 0 ]] && ! id "$ES_USER" >/dev/null 2>&1; then
  log "creating system user $ES_USER (Elasticsearch will not run as root)"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$ES_USER"
fi

if [[ -x "$HOME_DIR/bin/elasticsearch" ]]; then
  log "already present, skipping: $HOME_DIR"
  exit 0
fi

for tool in mvn java unzip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    err "$tool not found: fetching and running Elasticsearch $ES_VERSION needs Maven, Java 17+ and unzip (apt-get install maven unzip)"
    exit 1
  fi
done

mkdir -p "$CACHE_DIR"
if [[ ! -f "$ZIP" ]]; then
  log "fetching $ARTIFACT with Maven (about 100 MB)"
  # Into a folder of its own first, so an interrupted fetch never looks like a finished zip.
  rm -rf "$CACHE_DIR/fetch"
  mvn --batch-mode --quiet --strict-checksums "$DEPENDENCY_PLUGIN:copy" \
    -Dartifact="$ARTIFACT" -DoutputDirectory="$CACHE_DIR/fetch"
  mv "$CACHE_DIR/fetch/elasticsearch-$ES_VERSION.zip" "$ZIP"
  rmdir "$CACHE_DIR/fetch"
fi
if [[ "$ES_VERSION" == "8.19.21" ]] && ! echo "$ES_SHA512_8_19_21  $ZIP" | sha512sum --check --status; then
  rm -f "$ZIP"
  err "checksum mismatch for $ARTIFACT: the copy was deleted; check the Maven mirror in your settings and run again"
  exit 1
fi

log "unpacking into $CACHE_DIR"
rm -rf "$HOME_DIR"
unzip -q "$ZIP" -d "$CACHE_DIR"
rm -f "$ZIP"
log "ready: $HOME_DIR (start it with test/support/elasticsearch.ts)"
