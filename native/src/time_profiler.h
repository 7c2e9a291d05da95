#pragma once
#include <napi.h>

namespace hotpath {
// Adds the time profiler's functions (timeInit, timeStart, timeRotate, timeTakeEnded,
// timeDispose, ...) and the clocks (monotonicNs, threadCpuNs, osThreadId) to the addon's exports.
void InitTimeProfiler(Napi::Env env, Napi::Object exports);
}  // namespace hotpath
