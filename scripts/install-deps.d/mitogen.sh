#!/usr/bin/env bash
# Fetches Mitogen for Ansible (pure Python, from PyPI) into .cache/mitogen-<version>/. When it is
# there, `npx chatops deploy` runs playbooks with its mitogen_linear strategy: one persistent
# interpreter per host instead of a fresh module upload per task, which halves a rerun of site.yml.
# Nothing is installed into a Python environment: the wheel is unpacked and put on PYTHONPATH.
# Idempotent: an unpacked copy of the wanted version is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="${CHATOPS_MITOGEN_VERSION:-0.3.9}"
OUT_DIR=".cache/mitogen-$VERSION"

LOG_TAG=mitogen
# shellcheck source=scripts/lib/log.sh
source scripts/lib/log.sh

if [[ -f "$OUT_DIR/ansible_mitogen/plugins/strategy/mitogen_linear.py" ]]; then
  log "already present, skipping: $OUT_DIR"
  exit 0
fi

pip=()
for candidate in "python3 -m pip" "/usr/bin/python3 -m pip" "pip3" "pip"; do
  read -r -a words <<<"$candidate"
  if "${words[@]}" --version >/dev/null 2>&1; then
    pip=("${words[@]}")
    break
  fi
done
if [[ ${#pip[@]} -eq 0 ]]; then
  err "no pip found: install python3-pip (apt) or set CHATOPS_MITOGEN=0 to deploy without Mitogen"
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
log "downloading mitogen==$VERSION from PyPI"
"${pip[@]}" download --quiet --no-deps --only-binary=:all: --dest "$tmp" "mitogen==$VERSION"
wheel="$(ls "$tmp"/mitogen-"$VERSION"-*.whl)"
python3 -m zipfile -e "$wheel" "$tmp/unpacked"
rm -rf "$OUT_DIR"
mkdir -p .cache
mv "$tmp/unpacked" "$OUT_DIR"
log "ready: $OUT_DIR"
