// Raw samples -> a thread's stack store (symbolize.cc).
#pragma once

#include "sampler.h"
#include "stack_store.h"

namespace hotpath {
// Adds the sample r, whose r.frameCount frames are at frames, to store.
void Symbolize(StackStore& store, const RawSample& r, const uintptr_t* frames);
}  // namespace hotpath
