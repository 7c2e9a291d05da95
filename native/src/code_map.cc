#include "code_map.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace hotpath {

namespace {

// (code offset, line) pairs, sorted by offset.
using LineTable = std::vector<std::pair<uint32_t, int32_t>>;

struct Range {
  uintptr_t start = 0, end = 0;
  uint64_t added = 0, removed = UINT64_MAX;
  mutable uint64_t lastUse = 0;  // the newest sample that named this range (or `added`)
  v8::Isolate* isolate = nullptr;
  bool bytecode = false;
  std::shared_ptr<const CodeInfo> info;
  std::shared_ptr<const LineTable> lines;
};

// Positions of one code object, between START_ and END_LINE_INFO_RECORDING: (code offset,
// script offset). V8 sends them before CODE_ADDED (bytecode and TurboFan code alike).
using PendingPositions = std::vector<std::pair<uint32_t, uint32_t>>;

// Retired ranges kept at most; past it the oldest half goes (a sample that needed one then
// reads as unknown code). Trim keeps far fewer in practice: it runs every drain (~100 ms).
constexpr size_t kMaxRetired = 1 << 18;
constexpr size_t kMaxPending = 1 << 14;
// Live ranges kept at most, per attached isolate (a worker's isolate starts with ~3,000-5,000
// code objects of Node's own). V8 sends no removal events, and dead code's addresses are
// reused only slowly (a new Function every millisecond grew the map by ~1,000 ranges a second
// at first, ~300 after a minute). Past the limit the ranges no sample named for longest go,
// down to three quarters of it (~150 bytes each). Builtins are never evicted.
constexpr size_t kMaxLivePerIsolate = 1 << 15;

// Script URLs remembered per isolate (eval with unique names must not grow it).
constexpr size_t kMaxScriptsPerIsolate = 1 << 14;

struct IsolateScripts {
  std::unordered_set<std::string> seen;
  std::vector<std::string> fresh;
};

// One object that is never destroyed: events can come from V8's threads during process exit.
struct Map {
  std::mutex lock;
  std::map<uintptr_t, Range> live;
  std::vector<Range> retired;  // in retirement order
  std::unordered_map<uintptr_t, PendingPositions> pending;
  std::unordered_map<std::string, std::weak_ptr<const CodeInfo>> infos;
  std::unordered_map<v8::Isolate*, IsolateScripts> scripts;
  size_t attached = 0;       // isolates with the handler registered
  size_t evictAt = kMaxLivePerIsolate;  // the live size that triggers the next eviction
  size_t infosSinceSweep = 0;
  CodeMapStats stats;
};
Map& M() {
  static Map* m = new Map();
  return *m;
}
std::atomic<uint64_t> gSeq{1};

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// V8's JIT names are "<Tag>:<tier mark><name>" for code without a script, and
// "<Tag>:<tier mark>[']<name> <url>:<line>:<column>" for JS functions (the function's own start,
// 1-based). Tags differ between majors ("LazyCompile", "Function", "JS", "Builtin", "RegExp").
CodeInfo ParseName(std::string_view n, bool hasScript) {
  CodeInfo info;
  std::string_view tag;
  size_t colon = n.find(':');
  if (colon != std::string_view::npos && n.substr(0, colon).find_first_of(" /") == std::string_view::npos) {
    tag = n.substr(0, colon);
    n.remove_prefix(colon + 1);
  }
  auto tierMark = [](char c) { return c == '~' || c == '^' || c == '+' || c == '*'; };
  // V8 14 marks on-stack-replacement code with an "o" before the tier.
  if (n.size() > 1 && n[0] == 'o' && tierMark(n[1])) n.remove_prefix(1);
  if (!n.empty() && tierMark(n[0])) {
    info.tier = n[0];
    n.remove_prefix(1);
    // V8 12+ marks context-specialized optimized code with a "'" after the tier.
    if (!n.empty() && n[0] == '\'') n.remove_prefix(1);
  }
  if (hasScript) {
    info.kind = CodeKind::kJs;
    // "<name> <url>:<line>:<column>"; the name may hold spaces ("get x"), so split at the last
    // space before the position.
    size_t c2 = n.rfind(':');
    size_t c1 = c2 == std::string_view::npos || c2 == 0 ? std::string_view::npos : n.rfind(':', c2 - 1);
    if (c1 != std::string_view::npos && IsDigits(n.substr(c1 + 1, c2 - c1 - 1)) && IsDigits(n.substr(c2 + 1))) {
      info.line = std::stoi(std::string(n.substr(c1 + 1, c2 - c1 - 1)));
      info.column = std::stoi(std::string(n.substr(c2 + 1)));
      std::string_view head = n.substr(0, c1);
      size_t sp = head.rfind(' ');
      if (sp != std::string_view::npos) {
        info.name = std::string(head.substr(0, sp));
        info.url = std::string(head.substr(sp + 1));
      } else {
        info.url = std::string(head);
      }
    } else {
      // A script's top-level code: "<Tag>:~ <url>", no position.
      size_t sp = n.rfind(' ');
      info.name = std::string(sp == std::string_view::npos ? n : n.substr(0, sp));
      info.url = std::string(sp == std::string_view::npos ? std::string_view() : n.substr(sp + 1));
      info.line = 1;
      info.column = 1;
    }
    return info;
  }
  info.name = std::string(n);
  if (tag == "RegExp") {
    info.kind = CodeKind::kRegExp;
  } else if (tag == "BytecodeHandler" || n.find("InterpreterEntryTrampoline") != std::string_view::npos ||
             n.rfind("InterpreterEnterAtBytecode", 0) == 0 || n.rfind("InterpreterEnterAtNextBytecode", 0) == 0 ||
             (tag == "Builtin" && n.size() > 7 && n.substr(n.size() - 7) == "Handler")) {
    info.kind = CodeKind::kHandler;
  } else if (tag == "Builtin") {
    info.kind = CodeKind::kBuiltin;
  } else {
    info.kind = CodeKind::kOther;
  }
  return info;
}

// WebAssembly: "<Tag>:<name or wasm-function[i]>-<index>-<liftoff|turbofan>". The event names
// no module, so the file is only "wasm://wasm" (the CpuProfiler had the module's hash).
CodeInfo ParseWasmName(std::string_view n) {
  CodeInfo info;
  size_t colon = n.find(':');
  if (colon != std::string_view::npos && n.substr(0, colon).find_first_of(" /[") == std::string_view::npos) n.remove_prefix(colon + 1);
  size_t tier = n.rfind('-');
  size_t index = tier == std::string_view::npos || tier == 0 ? std::string_view::npos : n.rfind('-', tier - 1);
  if (index != std::string_view::npos && IsDigits(n.substr(index + 1, tier - index - 1))) n = n.substr(0, index);
  info.name = std::string(n);
  info.url = "wasm://wasm";
  info.kind = CodeKind::kJs;
  return info;
}

std::shared_ptr<const CodeInfo> Intern(Map& m, CodeInfo&& info) {
  std::string key;
  key.reserve(info.name.size() + info.url.size() + 24);
  key.append(info.name).push_back('\0');
  key.append(info.url).push_back('\0');
  key.append(std::to_string(info.line)).push_back(':');
  key.append(std::to_string(info.column)).push_back(char('0' + int(info.kind)));
  key.push_back(info.tier);
  auto it = m.infos.find(key);
  if (it != m.infos.end()) {
    if (auto p = it->second.lock()) return p;
  }
  auto p = std::make_shared<const CodeInfo>(std::move(info));
  m.infos[key] = p;
  // Forget names no range uses any more (code churn must not grow the table).
  if (++m.infosSinceSweep > std::max<size_t>(4096, m.infos.size())) {
    m.infosSinceSweep = 0;
    for (auto i = m.infos.begin(); i != m.infos.end();) i = i->second.expired() ? m.infos.erase(i) : std::next(i);
  }
  return p;
}

void Retire(Map& m, Range&& r, uint64_t seq) {
  r.removed = seq;
  if (m.retired.size() >= kMaxRetired) m.retired.erase(m.retired.begin(), m.retired.begin() + kMaxRetired / 2);
  m.retired.push_back(std::move(r));
}

// Retires every live range overlapping [start, end).
void Clear(Map& m, uintptr_t start, uintptr_t end, uint64_t seq) {
  auto it = m.live.lower_bound(start);
  if (it != m.live.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > start) it = prev;
  }
  while (it != m.live.end() && it->first < end) {
    Retire(m, std::move(it->second), seq);
    it = m.live.erase(it);
  }
}

size_t LiveLimit(const Map& m) { return kMaxLivePerIsolate * std::max<size_t>(1, m.attached); }

// Retires the least recently used ranges, down to three quarters of the limit; the next
// eviction comes a quarter of the limit later (an eviction is a pass over the whole map).
void Evict(Map& m, uint64_t seq) {
  size_t limit = LiveLimit(m);
  size_t target = limit - limit / 4;
  std::vector<uint64_t> uses;
  uses.reserve(m.live.size());
  for (const auto& [start, r] : m.live) {
    if (r.info->kind != CodeKind::kBuiltin && r.info->kind != CodeKind::kHandler) uses.push_back(r.lastUse);
  }
  size_t drop = m.live.size() > target ? m.live.size() - target : 0;
  if (drop >= uses.size()) drop = uses.size() > 0 ? uses.size() - 1 : 0;
  m.evictAt = std::max(limit, m.live.size() - drop + limit / 4);
  if (drop == 0) return;
  std::nth_element(uses.begin(), uses.begin() + drop, uses.end());
  uint64_t cutoff = uses[drop];
  for (auto it = m.live.begin(); it != m.live.end();) {
    const Range& r = it->second;
    if (r.lastUse < cutoff && r.info->kind != CodeKind::kBuiltin && r.info->kind != CodeKind::kHandler) {
      Retire(m, std::move(it->second), seq);
      it = m.live.erase(it);
      m.stats.evicted++;
    } else {
      ++it;
    }
  }
}

void Insert(Map& m, Range&& r) {
  Clear(m, r.start, r.end, r.added);
  uintptr_t start = r.start;
  uint64_t seq = r.added;
  r.lastUse = std::max(r.lastUse, r.added);
  m.live.emplace(start, std::move(r));
  if (m.live.size() > m.evictAt) Evict(m, seq);
}

void OnCodeAdded(Map& m, const v8::JitCodeEvent* e, uint64_t seq) {
  bool hasScript = !e->script.IsEmpty();
  Range r;
  r.start = reinterpret_cast<uintptr_t>(e->code_start);
  r.end = r.start + std::max<size_t>(1, e->code_len);
  r.added = seq;
  r.isolate = e->isolate;
  r.bytecode = e->code_type == v8::JitCodeEvent::BYTE_CODE;
  std::string_view name(e->name.str, e->name.len);
  r.info = Intern(m, r.bytecode || e->code_type == v8::JitCodeEvent::JIT_CODE ? ParseName(name, hasScript) : ParseWasmName(name));
  auto p = m.pending.find(r.start);
  if (p != m.pending.end()) {
    if (hasScript && r.info->kind == CodeKind::kJs) {
      // Script offsets to lines now, while V8 hands us the script (its line ends are already
      // computed: V8 logged the function's own line from them).
      auto lines = std::make_shared<LineTable>();
      std::sort(p->second.begin(), p->second.end());
      for (auto [offset, pos] : p->second) {
        int line = e->script->GetLineNumber(int(pos));
        if (line < 0) continue;
        // TurboFan positions of inlined functions are offsets in the inlinee's script, told
        // apart only by lying outside the function: keep the function's own line there.
        if (line + 1 < r.info->line) continue;
        if (!lines->empty() && lines->back().second == line + 1) continue;
        if (!lines->empty() && lines->back().first == offset) lines->back().second = line + 1;
        else lines->emplace_back(offset, line + 1);
      }
      if (!lines->empty()) {
        r.lines = std::move(lines);
        m.stats.lineTables++;
      }
    }
    m.pending.erase(p);
  }
  // The same code again (each isolate's enumeration announces the shared builtins anew): keep it.
  auto same = m.live.find(r.start);
  if (same != m.live.end() && same->second.end == r.end && same->second.info == r.info && !r.lines) return;
  if (hasScript && !r.info->url.empty()) {
    IsolateScripts& sc = m.scripts[e->isolate];
    if (sc.seen.size() < kMaxScriptsPerIsolate && sc.seen.insert(r.info->url).second) sc.fresh.push_back(r.info->url);
  }
  Insert(m, std::move(r));
  m.stats.adds++;
}

void OnCodeMoved(Map& m, const v8::JitCodeEvent* e, uint64_t seq) {
  uintptr_t from = reinterpret_cast<uintptr_t>(e->code_start);
  uintptr_t to = reinterpret_cast<uintptr_t>(e->new_code_start);
  m.stats.moves++;
  auto it = m.live.find(from);
  if (it == m.live.end()) {
    // Code V8 never announced (compiled before the handler was registered and installed on no
    // function, so the enumeration missed it). Kept, nameless, so that its next moves are
    // known: each such object counts once.
    m.stats.unknownMoves++;
    Range r;
    r.start = to;
    r.end = to + std::max<size_t>(1, e->code_len);
    r.added = seq;
    r.isolate = e->isolate;
    r.info = Intern(m, CodeInfo{});
    Insert(m, std::move(r));
    return;
  }
  Range moved = it->second;
  Retire(m, std::move(it->second), seq);
  m.live.erase(it);
  moved.end = to + (moved.end - moved.start);
  moved.start = to;
  moved.added = seq;
  Insert(m, std::move(moved));
}

void OnJitEvent(const v8::JitCodeEvent* e) {
  Map& m = M();
  switch (e->type) {
    case v8::JitCodeEvent::CODE_START_LINE_INFO_RECORDING:
      // Written back into the event: V8 passes it to the events that follow.
      const_cast<v8::JitCodeEvent*>(e)->user_data = new PendingPositions();
      return;
    case v8::JitCodeEvent::CODE_ADD_LINE_POS_INFO:
      if (e->user_data) {
        static_cast<PendingPositions*>(e->user_data)->emplace_back(uint32_t(e->line_info.offset), uint32_t(e->line_info.pos));
      }
      return;
    case v8::JitCodeEvent::CODE_END_LINE_INFO_RECORDING: {
      auto* positions = static_cast<PendingPositions*>(e->user_data);
      if (!positions) return;
      std::lock_guard<std::mutex> lk(m.lock);
      if (m.pending.size() >= kMaxPending) m.pending.clear();  // positions of code never added
      m.pending[reinterpret_cast<uintptr_t>(e->code_start)] = std::move(*positions);
      delete positions;
      return;
    }
    default:
      break;
  }
  std::lock_guard<std::mutex> lk(m.lock);
  uint64_t seq = gSeq.fetch_add(1, std::memory_order_acq_rel) + 1;
  switch (e->type) {
    case v8::JitCodeEvent::CODE_ADDED:
      OnCodeAdded(m, e, seq);
      break;
    case v8::JitCodeEvent::CODE_MOVED:
      OnCodeMoved(m, e, seq);
      break;
    case v8::JitCodeEvent::CODE_REMOVED: {
      uintptr_t start = reinterpret_cast<uintptr_t>(e->code_start);
      Clear(m, start, start + std::max<size_t>(1, e->code_len), seq);
      break;
    }
    default:
      break;
  }
}

bool Covers(const Range& r, uintptr_t pc, uint64_t seq) {
  return r.start <= pc && pc < r.end && r.added <= seq && seq < r.removed;
}

const Range* Find(Map& m, uintptr_t pc, uint64_t seq) {
  auto it = m.live.upper_bound(pc);
  if (it != m.live.begin()) {
    const Range& r = std::prev(it)->second;
    if (Covers(r, pc, seq)) return &r;
  }
  // The code at pc was replaced or moved after the sample: newest retirement first.
  for (auto r = m.retired.rbegin(); r != m.retired.rend(); ++r) {
    if (Covers(*r, pc, seq)) return &*r;
  }
  return nullptr;
}

}  // namespace

void CodeMapAttach(v8::Isolate* isolate) {
  {
    Map& m = M();
    std::lock_guard<std::mutex> lk(m.lock);
    m.attached++;
    m.evictAt = std::max(m.evictAt, LiveLimit(m));
  }
  isolate->SetJitCodeEventHandler(v8::kJitCodeEventEnumExisting, OnJitEvent);
}

void CodeMapDetach(v8::Isolate* isolate) {
  isolate->SetJitCodeEventHandler(v8::kJitCodeEventDefault, nullptr);
  // The isolate's own code goes with it (its heap will be reused by other code); its samples
  // are all symbolized by now (its thread drained its rings first), and no other isolate's
  // samples point into its heap. Builtins live in the embedded blob every isolate shares: they
  // stay.
  Map& m = M();
  std::lock_guard<std::mutex> lk(m.lock);
  gSeq.fetch_add(1, std::memory_order_acq_rel);
  if (m.attached > 0) m.attached--;
  m.evictAt = std::max(LiveLimit(m), m.live.size() + LiveLimit(m) / 4);
  m.scripts.erase(isolate);
  auto own = [isolate](const Range& r) {
    return r.isolate == isolate && r.info->kind != CodeKind::kBuiltin && r.info->kind != CodeKind::kHandler;
  };
  for (auto it = m.live.begin(); it != m.live.end();) it = own(it->second) ? m.live.erase(it) : std::next(it);
  m.retired.erase(std::remove_if(m.retired.begin(), m.retired.end(), own), m.retired.end());
}

std::vector<std::string> CodeMapTakeNewScripts(v8::Isolate* isolate) {
  Map& m = M();
  std::lock_guard<std::mutex> lk(m.lock);
  std::vector<std::string> out;
  auto it = m.scripts.find(isolate);
  if (it != m.scripts.end()) out.swap(it->second.fresh);
  return out;
}

uint64_t CodeMapSeq() { return gSeq.load(std::memory_order_acquire); }

bool CodeMapLookup(uintptr_t pc, uint64_t seq, bool returnAddress, CodeHit* out) {
  Map& m = M();
  std::lock_guard<std::mutex> lk(m.lock);
  const Range* r = Find(m, pc, seq);
  // A return address may sit just past its function's end (a call as the last instruction).
  if (returnAddress && (r == nullptr || !r->bytecode)) {
    const Range* before = Find(m, pc - 1, seq);
    if (before != nullptr) r = before;
  }
  if (r == nullptr) return false;
  r->lastUse = std::max(r->lastUse, seq);
  out->info = r->info;
  out->bytecode = r->bytecode;
  out->line = r->info->line;
  out->exactLine = false;
  if (r->lines) {
    // Bytecode frames carry the current bytecode's address; compiled frames a return address,
    // whose call is the instruction before it.
    uintptr_t at = r->bytecode || !returnAddress ? pc : pc - 1;
    uint32_t offset = uint32_t(at - r->start);
    const LineTable& t = *r->lines;
    auto it = std::upper_bound(t.begin(), t.end(), offset, [](uint32_t o, const auto& e) { return o < e.first; });
    if (it != t.begin()) {
      out->line = std::prev(it)->second;
      out->exactLine = true;
    }
  }
  return true;
}

void CodeMapTrim(uint64_t seq) {
  Map& m = M();
  std::lock_guard<std::mutex> lk(m.lock);
  m.retired.erase(std::remove_if(m.retired.begin(), m.retired.end(), [seq](const Range& r) { return r.removed <= seq; }),
                  m.retired.end());
}

CodeMapStats CodeMapGetStats(bool withBytes) {
  Map& m = M();
  std::lock_guard<std::mutex> lk(m.lock);
  CodeMapStats s = m.stats;
  s.live = m.live.size();
  s.retired = m.retired.size();
  if (!withBytes) return s;
  // What the map holds, approximately: ranges (a std::map node is the Range and ~48 bytes of
  // links), and each distinct name record and line table once. A walk of the map: for stats
  // only, when asked (never per sample or period).
  constexpr size_t kNode = 48;
  size_t bytes = m.live.size() * (sizeof(Range) + kNode) + m.retired.capacity() * sizeof(Range);
  std::unordered_set<const void*> seen;
  auto count = [&](const Range& r) {
    if (r.info && seen.insert(r.info.get()).second) bytes += sizeof(CodeInfo) + r.info->name.capacity() + r.info->url.capacity();
    if (r.lines && seen.insert(r.lines.get()).second) bytes += sizeof(LineTable) + r.lines->capacity() * sizeof(LineTable::value_type);
  };
  for (const auto& [start, r] : m.live) count(r);
  for (const Range& r : m.retired) count(r);
  for (const auto& [pc, p] : m.pending) bytes += kNode + p.capacity() * sizeof(PendingPositions::value_type);
  bytes += m.infos.size() * (kNode + 32);
  for (const auto& [isolate, scripts] : m.scripts) {
    for (const std::string& url : scripts.seen) bytes += kNode + url.capacity();
  }
  s.bytes = bytes;
  return s;
}

}  // namespace hotpath
