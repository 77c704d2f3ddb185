# Sourced by the install scripts that build Go programs (not run); needs scripts/lib/log.sh first.

# Puts Go on PATH (/usr/local/go too) or ends the script naming what is missing.
require_go() {
  export PATH="$PATH:/usr/local/go/bin"
  if ! command -v go >/dev/null 2>&1; then
    err "go not found: building $1 needs a Go toolchain (on PATH or in /usr/local/go) and the Go module proxy"
    exit 1
  fi
}

# Prints the source directory of MODULE@vVERSION after downloading that one version through the
# Go module proxy. (`go install module@version` also reads the version list, which some proxies
# refuse.)
download_module() {
  local module="$1" version="$2" dir
  log "downloading $module@v$version through the Go module proxy" >&2
  dir="$(go mod download -json "$module@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$dir" || ! -d "$dir" ]]; then
    err "go mod download did not report a source directory for $module@v$version"
    exit 1
  fi
  printf '%s\n' "$dir"
}
