// One thread's symbolized samples of the period under way: frames, stacks as (parent, frame)
// and samples as (stack, values, labels, state), the shape of the stack batch every kind hands
// off (src/transport/stack-batch.ts mirrors it). Filled by the drain thread, taken by the JS
// thread at the period end.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "code_map.h"

namespace hotpath {

// Frame kinds handed to JS (src/transport/stack-batch.ts FrameKind mirrors these).
enum FrameKind : int32_t {
  kFrameJs = 0,
  kFrameProgram = 2,
  kFrameIdle = 3,
  kFrameGc = 4,
  kFrameNative = 5,  // builtins, RegExp code
};

// A trace context as the JS side writes it (src/collect/trace-context.ts): trace id (4 words),
// span id (2), local root span id (2), the root span's name id (1); all zero for none.
constexpr int kTraceInts = 9;

// Which clock's timer took a sample.
enum SampleClock : uint8_t { kClockWall = 0, kClockCpu = 1 };

struct StoredFrame {
  std::shared_ptr<const CodeInfo> info;  // null for pseudo-frames
  int32_t line = 0;
  int32_t kind = kFrameJs;
};

struct StoredSample {
  int32_t stack;
  int32_t label;
  int32_t trace;  // 1 + the index of its context in StackStore::traces, 0 for none
  uint32_t turn;
  uint32_t weight;
  uint32_t micros;  // the time the sample stands for (its span of the timer's clock)
  uint8_t clock;
  uint8_t flags;
};

// Line and name quality of the JS leaves sampled (the README's "lines and names" figures).
struct LeafStats {
  uint64_t exactLine = 0, functionLine = 0, nativeLeaf = 0, unknownFrames = 0;
};

struct StackStore {
  std::vector<StoredFrame> frames;
  std::vector<std::pair<int32_t, int32_t>> stacks;  // (parent stack or -1, frame), parents first
  std::vector<StoredSample> samples;
  std::vector<uint32_t> traces;  // distinct trace contexts of the samples, kTraceInts words each
  LeafStats leaves;
  int64_t idleNs = 0;  // wall time parked idle (no signals), booked as `(idle)`

  int32_t Frame(const StoredFrame& f);
  int32_t Stack(int32_t parent, int32_t frame);
  // A sample's trace field for this context (kTraceInts words): 0 when the trace id is zero.
  int32_t Trace(const uint32_t* context);
  void Clear();

 private:
  struct FrameKey {
    const void* info;
    int32_t line, kind;
    bool operator==(const FrameKey& o) const {
      return info == o.info && line == o.line && kind == o.kind;
    }
  };
  struct FrameKeyHash {
    size_t operator()(const FrameKey& k) const {
      return std::hash<const void*>()(k.info) ^ (size_t(uint32_t(k.line)) << 8) ^ size_t(k.kind);
    }
  };
  std::unordered_map<FrameKey, int32_t, FrameKeyHash> frameIds_;
  std::unordered_map<uint64_t, int32_t> stackIds_;
  // The span id's words: unique enough to find a context's entry, which is then compared whole.
  std::unordered_multimap<uint64_t, int32_t> traceIds_;
};

// A thread's strings, kept across periods: a batch hands out only the ones new since the last.
struct StringTable {
  std::unordered_map<std::string, int32_t> ids;
  std::vector<std::string> fresh;
  int32_t Intern(const std::string& s);
  // Past this many strings the table starts afresh (a program that makes new names forever):
  // the next batch then sends every string it uses from id 0.
  void LimitSize();
};

}  // namespace hotpath
