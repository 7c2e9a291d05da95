#pragma once
#include <napi.h>

namespace hotpath {
// Adds timeInit, timeStart, timeRotate, timeDispose, registeredThreads, monotonicNs,
// threadCpuNs and osThreadId to the addon's exports.
void InitTimeProfiler(Napi::Env env, Napi::Object exports);
}  // namespace hotpath
