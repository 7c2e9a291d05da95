#!/usr/bin/env bash
# Fetches the latest release of a Node.js major for this machine's architecture (headers and
# binary, from the npm package node-linux-<arch>@<major>) into a cache, and prints the path of
# its node binary.
#
#   scripts/node-major.sh <major>       e.g. 24
#
# Cache: $HOTPATH_NODE_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/hotpath/node).
set -euo pipefail
major=${1:?usage: scripts/node-major.sh <node major>}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node-major: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
cache=${HOTPATH_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotpath/node}
dir=$cache/node-$major-$arch
if [ ! -x "$dir/bin/node" ] || [ ! -f "$dir/include/node/node_version.h" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/pack.XXXXXX")
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$major" >/dev/null)
  rm -rf "$dir" && mkdir -p "$dir"
  tar xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$dir" --strip-components=1
  rm -rf "$tmp"
fi
echo "$dir/bin/node"
