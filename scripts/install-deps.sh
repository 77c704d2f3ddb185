#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian 12 machine of this kind.
# Idempotent: safe to run again. Each section says what needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[deps]\033[0m %s\n' "$*"; }

APT_PACKAGES=(
  # Ansible and linters (issue: deploy with Ansible)
  ansible ansible-lint yamllint
  # services exercised for real in tests and the lab
  haproxy prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter
  # the multi-host lab
  debootstrap systemd-container tinyproxy-bin iproute2 openssh-client openssh-server
  # tooling
  openssl curl wrk chromium
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "apt: all ${#APT_PACKAGES[@]} packages present"
fi

log "npm: installing locked dependencies"
npm ci --no-audit --no-fund

for extra in scripts/install-deps.d/*.sh; do
  [[ -e "$extra" ]] || continue
  log "running $extra"
  bash "$extra"
done
