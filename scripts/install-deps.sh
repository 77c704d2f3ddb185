#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian 12 machine of this kind.
# Idempotent: safe to run again. Each section says what needs it.
# `--npm-only` installs just the npm dependencies (what `npm run demo` needs).
set -euo pipefail
cd "$(dirname "$0")/.."

npm_only=false
case "${1:-}" in
  "") ;;
  --npm-only) npm_only=true ;;
  *) echo "[deps] unknown option '$1': use no option or --npm-only" >&2; exit 2 ;;
esac

LOG_TAG=deps
# shellcheck source=scripts/lib/log.sh
source scripts/lib/log.sh

APT_PACKAGES=(
  # Ansible and linters
  ansible ansible-lint yamllint
  # services exercised for real in tests and the lab
  haproxy keepalived prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter
  prometheus-elasticsearch-exporter
  # building Filebeat with journald input (scripts/install-deps.d/filebeat.sh)
  libsystemd-dev
  # the multi-host lab
  debootstrap systemd-container tinyproxy-bin iproute2 openssh-client openssh-server
  # Elasticsearch for the tests: fetched with Maven, runs on its Java 17
  maven unzip
  # tooling
  openssl curl wrk chromium
)

install_npm() {
  # Skip the install when the installed tree already matches package-lock.json.
  local stamp=node_modules/.chatops-lock.sha256 want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "npm: node_modules matches package-lock.json, skipping"
    return
  fi
  log "npm: installing exactly the locked dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
}

if $npm_only; then
  install_npm
  exit 0
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
else
  log "apt: all ${#APT_PACKAGES[@]} packages present"
fi

install_npm

for extra in scripts/install-deps.d/*.sh; do
  [[ -e "$extra" ]] || continue
  log "running $extra"
  bash "$extra"
done
