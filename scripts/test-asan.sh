#!/usr/bin/env bash
# Thread lifetimes under AddressSanitizer: the native addon built with -fsanitize=address
# (scripts/build-native.sh --asan), libasan preloaded into node, then the programs that churn
# worker threads (started, sampled at 1 kHz, terminated) under the time profiler alone and under
# every kind, plus the safety workload and a code churn that makes the code map evict. A
# use-after-free there corrupts memory silently and crashes only now and then (one run in ~40
# of the 300-worker churn on Node 26 before it was fixed); ASan reports it on the spot (5 of
# 10 such runs). Any report fails the run.
#   scripts/test-asan.sh <major> [<major> ...]
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: scripts/test-asan.sh <node major> [...]" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
libasan=$(gcc -print-file-name=libasan.so)
[ -f "$libasan" ] || { echo "test-asan: no libasan.so (gcc's; Debian: libasan8)" >&2; exit 1; }
[ -f dist/src/index.js ] || npm run build:ts
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
for major in "$@"; do
  node=$(scripts/build-native.sh "$major" --asan | tail -n 1)
  abi=$("$node" -p process.versions.modules)
  addon=$(ls native/build/asan/*/node-v"$abi"/hotpath.node)
  run() {
    local name=$1
    shift
    rm -f "$logs"/asan.*
    # detect_leaks=0: node itself does not free everything at exit; the churn tests judge
    # memory. Other signals stay node's and hotpath's; SIGSEGV is ASan's, for its report with a
    # stack: without --disable-wasm-trap-handler V8's handler takes it and, for a fault outside
    # WebAssembly, puts back the default action (a Node 20 run exited 139 with no report).
    local rc=0
    env -u NODE_OPTIONS MALLOC_ARENA_MAX=2 HOTPATH_ADDON="$root/$addon" LD_PRELOAD="$libasan" \
      ASAN_OPTIONS="detect_leaks=0:log_path=$logs/asan:allow_user_segv_handler=1" \
      HOTPATH_OUT="$logs/profiles" HOTPATH_PERIOD=500ms HOTPATH_SERVICE=asan \
      "$node" --expose-gc --disable-wasm-trap-handler "$@" >"$logs/out" 2>&1 || rc=$?
    if [ $rc -ne 0 ]; then
      echo "test-asan: node $major $name: exit status $rc ($(tail -c 400 "$logs/out"))" >&2
      status=1
    fi
    if ls "$logs"/asan.* >/dev/null 2>&1; then
      echo "test-asan: node $major $name: AddressSanitizer reported:" >&2
      head -n 40 "$logs"/asan.* >&2
      status=1
    else
      echo "test-asan: node $major $name: clean" >&2
    fi
  }
  for i in 1 2 3; do run "time churn $i (150 workers at 1 kHz)" test/fixtures/time/churn.mjs 150; done
  run "terminate mid-sample (40 workers)" test/fixtures/time/lifetimes.mjs terminate 40
  run "traced workers terminated mid-span (40 workers)" test/fixtures/time/otel-churn.mjs 40
  run "fs, net, child_process, GC, deopt, terminate at 1 kHz" test/fixtures/time/safety.mjs exercise 1000
  run "40,000 new Functions (code map eviction)" test/fixtures/time/safety.mjs churn 40000
  HOTPATH_PROFILES=time,heap,contention,exceptions,eventloop \
    run "every kind (60 workers)" --import ./dist/src/register.js test/fixtures/reliability/workers-churn.mjs 60
  HOTPATH_PROFILES=heap,contention,exceptions HOTPATH_PERIOD=1h HOTPATH_LOCK_SHARE=1 HOTPATH_OUT="$logs/out" \
    run "terminated while allocating, waiting and throwing (20 workers)" --import ./dist/src/register.js test/fixtures/threads/terminated-workers.mjs 20
done
exit $status
