#include "stack_store.h"

#include <algorithm>

namespace hotpath {

namespace {
constexpr size_t kMaxStrings = 100000;
}

int32_t StackStore::Frame(const StoredFrame& f) {
  FrameKey key{f.info.get(), f.line, f.kind};
  auto it = frameIds_.find(key);
  if (it != frameIds_.end()) return it->second;
  int32_t id = int32_t(frames.size());
  frames.push_back(f);
  frameIds_.emplace(key, id);
  return id;
}

int32_t StackStore::Stack(int32_t parent, int32_t frame) {
  uint64_t key = (uint64_t(uint32_t(parent)) << 32) | uint32_t(frame);
  auto it = stackIds_.find(key);
  if (it != stackIds_.end()) return it->second;
  int32_t id = int32_t(stacks.size());
  stacks.emplace_back(parent, frame);
  stackIds_.emplace(key, id);
  return id;
}

int32_t StackStore::Trace(const uint32_t* context) {
  if ((context[0] | context[1] | context[2] | context[3]) == 0) return 0;
  uint64_t key = (uint64_t(context[4]) << 32) | context[5];
  auto [first, last] = traceIds_.equal_range(key);
  for (auto it = first; it != last; ++it) {
    const uint32_t* known = &traces[size_t(it->second) * kTraceInts];
    if (std::equal(known, known + kTraceInts, context)) return it->second + 1;
  }
  int32_t index = int32_t(traces.size() / kTraceInts);
  traces.insert(traces.end(), context, context + kTraceInts);
  traceIds_.emplace(key, index);
  return index + 1;
}

void StackStore::Clear() {
  frames.clear();
  stacks.clear();
  samples.clear();
  traces.clear();
  frameIds_.clear();
  stackIds_.clear();
  traceIds_.clear();
  leaves = LeafStats();
  idleNs = 0;
}

int32_t StringTable::Intern(const std::string& s) {
  auto it = ids.find(s);
  if (it != ids.end()) return it->second;
  int32_t id = int32_t(ids.size());
  ids.emplace(s, id);
  fresh.push_back(s);
  return id;
}

void StringTable::LimitSize() {
  if (ids.size() <= kMaxStrings) return;
  ids.clear();
  fresh.clear();
  Intern("");
}

}  // namespace hotpath
