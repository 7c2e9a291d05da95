// Tells other threads, through shared memory, that a JS thread's environment has ended: the
// event profiles keep a period's records in a SharedArrayBuffer (src/transport/event-arena.ts),
// and a worker ended by terminate() never runs JS again to hand them off.
#pragma once
#include <napi.h>

namespace hotpath {
// Adds watchThreadEnd to the addon's exports.
void InitThreadEnd(Napi::Env env, Napi::Object exports);
}  // namespace hotpath
