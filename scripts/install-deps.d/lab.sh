#!/usr/bin/env bash
# The nspawn lab (test/lab, `npx chatops lab up`): build the cached Debian base once
# (/var/cache/chatops-lab/base, about a minute) so the lab test starts hosts in seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $EUID -ne 0 ]]; then
  echo "[deps] lab: skipped (building the lab base needs root)" >&2
  exit 0
fi
node bin/chatops.mjs lab base
