#!/usr/bin/env bash
# Downloads the Elasticsearch integ-test distribution from Maven Central into .cache/elasticsearch/
# for tests that need a real cluster (coordination, reminder history, index templates).
# A stripped distribution: no bundled JDK (runs on the system Java 17), no x-pack (no security, no ILM).
# Idempotent: an unpacked, verified version is kept; run again to do nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Keep the server major equal to the @elastic/elasticsearch client major (8.x).
ES_VERSION="${CHATOPS_ES_VERSION:-8.19.21}"
# sha512 of elasticsearch-${ES_VERSION}.zip as published beside it on Maven Central.
ES_SHA512="cf6b0a93860d329937ae7f913ec5073b0c726c77639764b93fc83a304aa1dd9d4defcfa2849948eea3b0b47c2065f994908603939fc2a4774c9c4d868c5ec1dd"
BASE_URL="https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch"

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

if ! command -v java >/dev/null 2>&1; then
  err "java not found: Elasticsearch $ES_VERSION needs Java 17+ (apt-get install openjdk-17-jre-headless)"
  exit 1
fi
if ! command -v unzip >/dev/null 2>&1; then
  log "apt: installing unzip"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends unzip \
    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends unzip; }
fi

mkdir -p "$CACHE_DIR"
url="$BASE_URL/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
if [[ "$ES_VERSION" != "8.19.21" ]]; then
  # Another version was asked for: trust the checksum published beside it.
  ES_SHA512="$(curl -fsSL --retry 3 --max-time 60 "$url.sha512" | cut -d' ' -f1)"
fi

verify() { echo "$ES_SHA512  $ZIP" | sha512sum --check --status; }

if [[ ! -f "$ZIP" ]] || ! verify; then
  log "downloading $url (about 100 MB; 3 tries, 10 minutes each)"
  curl -fsSL --retry 3 --retry-delay 5 --max-time 600 -o "$ZIP.part" "$url"
  mv "$ZIP.part" "$ZIP"
fi
if ! verify; then
  err "checksum mismatch for $ZIP: delete it and run again"
  exit 1
fi

log "unpacking into $CACHE_DIR"
rm -rf "$HOME_DIR"
unzip -q "$ZIP" -d "$CACHE_DIR"
rm -f "$ZIP"
log "ready: $HOME_DIR (start it with test/support/elasticsearch.ts)"
