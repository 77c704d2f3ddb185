# Sourced by the install scripts (not run): `log` and `err` lines tagged with $LOG_TAG.
log() { printf '\033[1m[%s]\033[0m %s\n' "$LOG_TAG" "$*"; }
err() { printf '\033[1;31m[%s]\033[0m %s\n' "$LOG_TAG" "$*" >&2; }
