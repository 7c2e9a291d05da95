// Raw samples -> the thread's stack store, against the code map as it stood when each sample
// was taken. Runs on the drain thread (or on the JS thread at its period end), never in the
// signal handler.
//
// A stack is: the interrupted pc (frames[] from GetStackSample does not hold it), or, when the
// pc is in no known code (a C++ function called without a frame of its own), the return
// address on top of the stack; then frames[] (return addresses, and for Ignition frames the
// current bytecode's address). Interpreter bytecode handlers are left out: their time is the
// interpreted function's. Without a JS frame, the sample is a pseudo-frame: `(garbage
// collector)`, `(idle)` (wall samples taken while the loop waited for I/O) or `(program)`.
#include "symbolize.h"

#include <v8-unwinder.h>

#include "native_symbols.h"

namespace hotpath {

namespace {

// The frame for code at pc, or -1 to leave it out; unknown code is counted.
int32_t FrameOf(StackStore& store, uintptr_t pc, uint64_t seq, bool returnAddress, const CodeInfo** info, bool* exact) {
  CodeHit hit;
  if (!CodeMapLookup(pc, seq, returnAddress, &hit)) return -1;
  *info = hit.info.get();
  *exact = hit.exactLine;
  switch (hit.info->kind) {
    case CodeKind::kJs:
      return store.Frame({hit.info, hit.line, kFrameJs});
    case CodeKind::kBuiltin:
    case CodeKind::kRegExp:
      return store.Frame({hit.info, 0, kFrameNative});
    default:
      return -1;
  }
}

int32_t Pseudo(StackStore& store, int32_t kind) { return store.Stack(-1, store.Frame({nullptr, 0, kind})); }

}  // namespace

void Symbolize(StackStore& store, const RawSample& r, const uintptr_t* frames) {
  // Leaf first; stacks are built root first below.
  int32_t chain[kMaxFrames + 2];
  int n = 0;
  const CodeInfo* info = nullptr;
  bool exact = false, leafExact = false;
  int32_t leaf = FrameOf(store, r.pc, r.codeSeq, false, &info, &leafExact);
  bool leafFromPc = info != nullptr;
  if (leaf >= 0) {
    chain[n++] = leaf;
  }
  if (!leafFromPc && r.frameCount > 0) {
    // Not in V8's code: a C++ callback, a frameless call into the runtime or libc.
    if (r.externalCallback != 0) {
      // A C++ API callback (V8 11.3 for calls from Ignition and Sparkplug, 12.4+ for Fast API
      // calls): the leaf, named from the binary's symbols, above its JS caller; without a
      // symbol its time is the caller's.
      if (auto callback = NativeCallbackInfo(r.externalCallback)) chain[n++] = store.Frame({callback, 0, kFrameNative});
      store.leaves.nativeLeaf++;
    } else if (r.tos != 0) {
      CodeHit hit;
      if (CodeMapLookup(r.tos, r.codeSeq, true, &hit) && hit.info->kind == CodeKind::kJs) {
        chain[n] = store.Frame({hit.info, hit.line, kFrameJs});
        n++;
        leafExact = hit.exactLine;
      }
    }
  }
  for (int i = 0; i < r.frameCount; i++) {
    const CodeInfo* fi = nullptr;
    int32_t f = FrameOf(store, frames[i], r.codeSeq, true, &fi, &exact);
    if (fi == nullptr) store.leaves.unknownFrames++;  // entry and exit frames' pcs, mostly
    if (f < 0) continue;
    if (n == 0) leafExact = exact;
    // The top-of-stack return address and frames[0] can name the same call.
    if (i == 0 && n > 0 && chain[n - 1] == f && !leafFromPc) continue;
    chain[n++] = f;
  }
  int32_t stack;
  if (n == 0) {
    if (r.vmState == v8::GC || (r.flags & kFlagInGc)) {
      stack = Pseudo(store, kFrameGc);
    } else if ((r.flags & kFlagLoopIdle) && r.clock == kClockWall) {
      stack = Pseudo(store, kFrameIdle);
    } else {
      stack = Pseudo(store, kFrameProgram);
    }
  } else {
    const StoredFrame& top = store.frames[chain[0]];
    if (top.kind == kFrameJs) {
      if (leafExact) store.leaves.exactLine++;
      else store.leaves.functionLine++;
    }
    stack = -1;
    for (int i = n - 1; i >= 0; i--) stack = store.Stack(stack, chain[i]);
  }
  store.samples.push_back({stack, r.label, store.Trace(r.trace), r.turn, r.weight, uint32_t(r.spanNs / 1000), r.clock, r.flags});
}

}  // namespace hotpath
