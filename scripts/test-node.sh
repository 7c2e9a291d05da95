#!/usr/bin/env bash
# Builds the addon for another Node.js major and runs the tests of the native parts with it
# (time profiler, event-loop blocks, hostile stack shapes).
#   scripts/test-node.sh <major> [test files...]   (npm run test:node24 = scripts/test-node.sh 24)
# The TypeScript build (dist/) is version-independent; run `npm run build:ts` first if stale.
set -euo pipefail
major=${1:?usage: scripts/test-node.sh <node major> [test files...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
node=$("$root/scripts/build-native.sh" "$major" | tail -n 1)
cd "$root"
[ -f dist/src/time/time-profiler.js ] || npm run build:ts
if [ $# -eq 0 ]; then set -- test/time-*.test.ts test/eventloop-blocks.test.ts test/hostile-deep.test.ts test/hostile-shapes.test.ts; fi
echo "test-node: $("$node" --version): $*" >&2
PATH="$(dirname "$node"):$PATH" "$node" node_modules/tap/dist/esm/run.mjs "$@"
