#!/usr/bin/env bash
# Runs the tests of the native parts (time profiler, event-loop blocks, hostile stack shapes,
# heap profiler, thread names) with another Node.js major, against the package's prebuild for it
# (scripts/build-native.sh builds it when it is missing or older than the sources).
#   scripts/test-node.sh <major> [test files...]   (npm run test:node -- 24)
# The TypeScript build (dist/) is version-independent; run `npm run build:ts` first if stale.
set -euo pipefail
major=${1:?usage: scripts/test-node.sh <node major> [test files...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
node=$("$root/scripts/build-native.sh" "$major" | tail -n 1)
cd "$root"
[ -f dist/src/index.js ] || npm run build:ts
if [ $# -eq 0 ]; then
  set -- test/native/time-*.test.ts test/aggregate/time-labels.test.ts test/accuracy/time-accuracy.test.ts test/accuracy/time-otel-spans.test.ts \
    test/accuracy/eventloop-blocks.test.ts test/aggregate/hostile-deep.test.ts test/aggregate/hostile-shapes.test.ts \
    test/accuracy/heap-accuracy.test.ts test/export/heap-pull.test.ts test/e2e/heap-oom.test.ts test/e2e/heap-threads.test.ts \
    test/aggregate/hostile-heap.test.ts test/e2e/thread-names.test.ts \
    test/native/thread-end.test.ts test/e2e/terminated-workers.test.ts
fi
echo "test-node: $("$node" --version): $*" >&2
PATH="$(dirname "$node"):$PATH" "$node" node_modules/tap/dist/esm/run.mjs "$@"
