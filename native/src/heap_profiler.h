// The heap profiler's native half: V8's sampling heap profiler on each JS thread that asks for
// it, read at chosen garbage collections so that both allocations and the live heap come out of
// it (see heap_profiler.cc for the method), handed to JS as compact per-period tables.
#pragma once
#include <napi.h>

namespace hotpath {
// Adds heapInit, heapRotate, heapDispose, heapThreads, heapNearLimit and heapNearLimitDone to
// the addon's exports.
void InitHeapProfiler(Napi::Env env, Napi::Object exports);
}  // namespace hotpath
