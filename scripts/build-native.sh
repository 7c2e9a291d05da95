#!/usr/bin/env bash
# Builds the native addon for one Node.js major, with that Node's own headers and binary
# (scripts/node-major.sh), into the package's prebuild layout:
# native/prebuilds/<platform>-<arch>-<libc>/node-v<ABI>/hotpath.node, where
# src/collect/addon-loader.ts looks for it. A build newer than the sources is kept.
#
#   scripts/build-native.sh <major> [--asan]      e.g. 24
#   prints the path of the node binary of that major on its last line.
# --asan: an AddressSanitizer build into native/build/asan/ instead (scripts/test-asan.sh).
set -euo pipefail
major=${1:?usage: scripts/build-native.sh <node major> [--asan]}
sanitize=
[ "${2:-}" = --asan ] && sanitize=address
root=$(cd "$(dirname "$0")/.." && pwd)
node=$("$root/scripts/node-major.sh" "$major")
dir=$(dirname "$(dirname "$node")")
abi=$("$node" -p process.versions.modules)
tag=$("$node" -p 'process.platform + "-" + process.arch')
if [ "$(uname -s)" = Linux ]; then
  if ldd --version 2>&1 | grep -qi musl; then tag=$tag-musl; else tag=$tag-glibc; fi
fi
out=native/prebuilds/$tag/node-v$abi
[ -n "$sanitize" ] && out=native/build/asan/$tag/node-v$abi
# Up to date (newer than the sources, binding.gyp and that Node): nothing to do.
if [ -f "$root/$out/hotpath.node" ] && [ -z "$(find "$root/native/src" "$root/native/binding.gyp" "$node" -newer "$root/$out/hotpath.node" 2>/dev/null)" ]; then
  echo "build-native: $out/hotpath.node is up to date" >&2
  echo "$node"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$root/native/binding.gyp" "$root/native/src" "$work/"
# binding.gyp finds node-addon-api with `node -p require(...)`: resolve it from the package.
# Under `npm run`, npm exports its own settings (npm_config_nodedir: this machine's Node 20
# headers) and node-gyp prefers them to --nodedir: the addon was then built against the wrong
# V8 headers (it loaded only lazily, and failed at once with RTLD_NOW). Drop them here.
(cd "$work" && env -u npm_config_nodedir -u npm_config_target -u npm_config_runtime -u npm_config_disturl \
  NODE_PATH="$root/node_modules" PATH="$dir/bin:$PATH" \
  "$node" "$root/node_modules/node-gyp/bin/node-gyp.js" rebuild --nodedir="$dir" --loglevel=warn -- "-Dsanitize=$sanitize" >&2)
mkdir -p "$root/$out"
cp "$work/build/Release/hotpath.node" "$root/$out/hotpath.node"
echo "build-native: node $("$node" --version) (ABI $abi) -> $out/hotpath.node" >&2
echo "$node"
