#!/usr/bin/env bash
# Builds the native addon for another Node.js major, with that Node's own headers and binary
# (from the npm package node-linux-<arch>@<major>, cached), into
# native/prebuilds/node-v<ABI>/hotpath.node, where src/native.ts looks first.
#
#   scripts/build-native.sh <major>       e.g. 24
#   prints the path of the node binary of that major on its last line.
#
# Cache: $HOTPATH_NODE_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/hotpath/node).
set -euo pipefail
major=${1:?usage: scripts/build-native.sh <node major>}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "build-native: unsupported architecture $(uname -m)" >&2; exit 1 ;;
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
abi=$("$dir/bin/node" -p process.versions.modules)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$root/native/binding.gyp" "$root/native/src" "$work/"
# binding.gyp finds node-addon-api with `node -p require(...)`: resolve it from the package.
# Under `npm run`, npm exports its own settings (npm_config_nodedir: this machine's Node 20
# headers) and node-gyp prefers them to --nodedir: the addon was then built against the wrong
# V8 headers (it loaded only lazily, and failed at once with RTLD_NOW). Drop them here.
(cd "$work" && env -u npm_config_nodedir -u npm_config_target -u npm_config_runtime -u npm_config_disturl \
  NODE_PATH="$root/node_modules" PATH="$dir/bin:$PATH" \
  "$dir/bin/node" "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$dir" --loglevel=warn >&2)
mkdir -p "$root/native/prebuilds/node-v$abi"
cp "$work/build/Release/hotpath.node" "$root/native/prebuilds/node-v$abi/hotpath.node"
echo "build-native: node $("$dir/bin/node" --version) (ABI $abi) -> native/prebuilds/node-v$abi/hotpath.node" >&2
echo "$dir/bin/node"
