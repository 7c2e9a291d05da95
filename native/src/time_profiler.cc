// The per-thread time profiler: a V8 CpuProfiler kept alive for the thread's lifetime, restarted
// each period, whose samples are joined with the SIGPROF records of thread_registry.cc so that
// each sample carries the wall and CPU nanoseconds since the thread's previous sample.
//
// Functions called from JS are named Js*. JS validates every argument (src/native.ts,
// src/time/thread-collector.ts); native trusts their types.
#include "time_profiler.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "thread_registry.h"

namespace hotpath {

namespace {

// Read on every call from C++ into JS (OnBeforeCall). In a dlopen'ed library the default TLS
// model calls __tls_get_addr for each read (0.15-0.2% of an HTTP server's main thread under
// perf); initial-exec is one load from the thread pointer, taking 8 bytes of the static TLS
// space glibc keeps for libraries loaded later.
__attribute__((tls_model("initial-exec"))) thread_local ThreadState* tState = nullptr;

// Node kinds handed to JS (src/time/batch.ts NodeKind mirrors these).
enum NodeKind : int32_t {
  kKindJs = 0,
  kKindRoot = 1,
  kKindProgram = 2,
  kKindIdle = 3,
  kKindGc = 4,
  kKindNative = 5,  // builtins, callbacks, unresolved
};

constexpr int kNodeFields = 6;
// Strings kept per thread before the table starts afresh (see BuildBatch).
constexpr size_t kMaxStrings = 100000;
// Set in sampleFlags when the sample was joined with its SIGPROF record.
constexpr uint32_t kSampleMatched = 0x80;
// V8 stamps its sample in the same signal handler call, microseconds after our record; a sample
// further than this from any record was not taken by the sampling signal.
constexpr int64_t kMatchToleranceNs = 500000;  // parent, name, file, line, column, kind

// Experiment bits (for measuring which V8 settings avoid the "bad state"; 0 is the default).
enum Experiment : uint32_t {
  kExpLazyLogging = 1u << 0,
  kExpStandardNaming = 1u << 1,
  kExpPerProfileInterval = 1u << 2,
  kExpLeafLines = 1u << 3,
  kExpNoSignalChain = 1u << 4,
  kExpNoCallCallbacks = 1u << 5,
  kExpNoProfile = 1u << 6,
};

// Block records kept per batch at most (a threshold of 1 ms allows 1,000 a second).
constexpr size_t kMaxBlocksPerBatch = 65536;

// ThreadState::flags has one writer, the thread itself (these hooks and its GC callbacks), so
// a plain load and store does instead of a locked read-modify-write (~20 ns each, every turn).
inline void SetFlag(ThreadState* s, uint32_t bit) {
  s->flags.store(s->flags.load(std::memory_order_relaxed) | bit, std::memory_order_relaxed);
}
inline void ClearFlag(ThreadState* s, uint32_t bit) {
  s->flags.store(s->flags.load(std::memory_order_relaxed) & ~bit, std::memory_order_relaxed);
}

// The end of an event-loop turn (the loop is about to wait for I/O): the waiting flag and the
// turn number; with the event-loop kind on, also one clock read and, for a turn busy past the
// threshold, one record. Runs on the thread, between JS calls.
void OnPrepare(uv_prepare_t* h) {
  auto* s = static_cast<ThreadState*>(h->data);
  uint32_t turn = s->loopTurn.load(std::memory_order_relaxed);
  if (!s->timeTurns) {
    // The time kind alone needs only "waiting for I/O" and the turn number: no clock read.
    s->waiting = true;
    s->loopTurn.store(turn + 1, std::memory_order_relaxed);
    SetFlag(s, kFlagLoopIdle);
    return;
  }
  int64_t now = MonotonicNs();
  int64_t busy = (now - s->turnStartNs) - s->turnWaitNs;
  // The sampler thread's last reading (up to a tick old), or a fresh one for a long turn (rare:
  // a pread of ~2 us), so a turn is not judged on a reading taken before its delay accrued.
  int64_t runDelay = s->runDelayNs.load(std::memory_order_relaxed);
  int64_t runDelayAt = s->runDelayReadAtNs.load(std::memory_order_relaxed);
  int64_t turnRunDelay = 0;
  if (busy >= s->blockThresholdNs) {
    int64_t fresh = ReadRunDelayNs(s->schedstatFd);
    if (fresh >= 0) {
      runDelay = fresh;
      runDelayAt = now;
    }
    // The reading at the turn's start may be older than the turn: delay accrued between that
    // reading and the turn's start is not this turn's, so at most that much is taken off.
    int64_t before = std::max<int64_t>(0, s->turnStartNs - s->turnStartRunDelayAtNs);
    turnRunDelay = std::max<int64_t>(0, runDelay - s->turnStartRunDelayNs - before);
  }
  // A block is a turn that ran (on a CPU, or in a system call) for the threshold; its time is
  // all the time it held the loop, the run-queue delay included.
  if (s->turnStartNs != 0 && busy - turnRunDelay >= s->blockThresholdNs) {
    if (s->blocks.size() < kMaxBlocksPerBatch) s->blocks.push_back({turn, now, busy, turnRunDelay});
    else s->blocksDropped++;
  }
  s->turnStartRunDelayNs = runDelay;
  s->turnStartRunDelayAtNs = runDelayAt;
  s->turnStartNs = now;
  s->turnWaitNs = 0;
  s->waiting = true;
  s->loopTurn.store(turn + 1, std::memory_order_relaxed);
  SetFlag(s, kFlagLoopIdle);
}
// The wait for I/O ends at the first call into JS after uv_prepare (an I/O callback), or at
// uv_check when no JS ran in the poll phase.
inline void EndWait(ThreadState* s) {
  if (!s->waiting) return;
  s->waiting = false;
  if (s->timeTurns) s->turnWaitNs = MonotonicNs() - s->turnStartNs;
  ClearFlag(s, kFlagLoopIdle);
}
void OnCheck(uv_check_t* h) { EndWait(static_cast<ThreadState*>(h->data)); }
// Every call from C++ into JS: a thread-local load and a branch, except the first after
// uv_prepare. (No CallCompleted callback: V8 copies the callback vector on every outermost
// call's completion.)
void OnBeforeCall(v8::Isolate*) {
  if (tState) EndWait(tState);
}
void OnGcPrologue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void* data) {
  SetFlag(static_cast<ThreadState*>(data), kFlagInGc);
}
void OnGcEpilogue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void* data) {
  ClearFlag(static_cast<ThreadState*>(data), kFlagInGc);
}

void OnHandleClosed(uv_handle_t* h) {
  auto* s = static_cast<ThreadState*>(h->data);
  if (--s->openHandles == 0) {
    delete[] s->ring;
    delete s;
  }
}

int32_t Intern(ThreadState* s, const char* str) {
  std::string key(str ? str : "");
  auto it = s->strings.find(key);
  if (it != s->strings.end()) return it->second;
  int32_t id = int32_t(s->strings.size());
  s->strings.emplace(key, id);
  s->newStrings.push_back(std::move(key));
  return id;
}

v8::CpuProfilingOptions ProfileOptions(ThreadState* s) {
  v8::CpuProfilingMode mode =
      (s->experiment & kExpLeafLines) ? v8::kLeafNodeLineNumbers : v8::kCallerLineNumbers;
  // The per-profile interval is what the overhead cap changes: V8 samples at the common divisor
  // of its running profiles' intervals, so the new interval holds once the previous profile of
  // the rotation has stopped. At the configured interval, 0 (= the base), as measured by the
  // accuracy tests.
  int interval = s->effectiveIntervalMicros > s->intervalMicros ? s->effectiveIntervalMicros
                 : (s->experiment & kExpPerProfileInterval) ? s->intervalMicros : 0;
  return v8::CpuProfilingOptions(mode, v8::CpuProfilingOptions::kNoSampleLimit, interval);
}

bool StartProfile(ThreadState* s) {
  if (s->experiment & kExpNoProfile) return true;
  v8::CpuProfilingResult r = s->profiler->Start(ProfileOptions(s));
  if (r.status != v8::CpuProfilingStatus::kStarted) return false;
  s->profileId = r.id;
  s->profiling = true;
  if (!(s->experiment & kExpNoSignalChain)) EnsureSignalChain();
  return true;
}

// Stops everything this thread set up. Safe to call twice; runs on the thread itself, from
// JsTimeDispose or from the environment cleanup hook.
void Dispose(ThreadState* s, bool inCleanupHook) {
  if (s->disposed) return;
  s->disposed = true;
  UnregisterThread(s);  // after this neither the sampler thread nor the handler sees s
  if (s->profiler) {
    if (s->profiling) {
      // Stop before Dispose: disposing a profiling CpuProfiler in a worker's cleanup hook
      // crashes ("pure virtual method called").
      v8::CpuProfile* p = s->profiler->Stop(s->profileId);
      if (p) p->Delete();
      s->profiling = false;
    }
    s->profiler->Dispose();
    s->profiler = nullptr;
  }
  s->isolate->RemoveBeforeCallEnteredCallback(OnBeforeCall);
  if (s->schedstatFd >= 0) close(s->schedstatFd);  // the sampler no longer sees s
  s->schedstatFd = -1;
  s->isolate->RemoveGCPrologueCallback(OnGcPrologue, s);
  s->isolate->RemoveGCEpilogueCallback(OnGcEpilogue, s);
  s->labelSlot = nullptr;
  if (s->labelSlotRef && !inCleanupHook) napi_delete_reference(s->env, s->labelSlotRef);
  s->labelSlotRef = nullptr;
  if (tState == s) tState = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&s->prepare), OnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->check), OnHandleClosed);
}

void CleanupHook(void* arg) { Dispose(static_cast<ThreadState*>(arg), true); }

Napi::Value Fail(Napi::Env env, const char* message) {
  Napi::Error::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

template <typename T>
Napi::ArrayBuffer NewBuffer(Napi::Env env, const std::vector<T>& v) {
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(ab.Data(), v.data(), v.size() * sizeof(T));
  return ab;
}

// Turns the stopped profile p into a batch object; consumes signal records up to its end.
Napi::Object BuildBatch(Napi::Env env, ThreadState* s, v8::CpuProfile* p, int64_t endNs) {
  // The string table lives as long as the thread: a program that keeps making new function or
  // script names (eval with unique names) would grow it without end. Past the limit it starts
  // afresh: this batch then sends every string it uses from id 0, and the aggregation worker's
  // copy (src/time/expand.ts ThreadTable) is overwritten in place, so neither grows further.
  if (s->strings.size() > kMaxStrings) {
    s->strings.clear();
    s->newStrings.clear();
    Intern(s, "");
  }
  // Nodes, depth first, parents before children.
  std::vector<int32_t> nodes;
  std::vector<int32_t> lineTicks;
  std::unordered_map<const v8::CpuProfileNode*, int32_t> index;
  std::vector<std::pair<const v8::CpuProfileNode*, int32_t>> stack;
  std::vector<v8::CpuProfileNode::LineTick> lineBuf;
  stack.emplace_back(p->GetTopDownRoot(), -1);
  while (!stack.empty()) {
    auto [node, parent] = stack.back();
    stack.pop_back();
    int32_t idx = int32_t(index.size());
    index.emplace(node, idx);
    const char* name = node->GetFunctionNameStr();
    int32_t kind = kKindJs;
    if (parent < 0) {
      kind = kKindRoot;
    } else if (strcmp(name, "(program)") == 0) {
      kind = kKindProgram;
    } else if (strcmp(name, "(idle)") == 0) {
      kind = kKindIdle;
    } else if (strcmp(name, "(garbage collector)") == 0) {
      kind = kKindGc;
    } else if (node->GetSourceType() != v8::CpuProfileNode::kScript) {
      kind = kKindNative;
    }
    nodes.push_back(parent);
    nodes.push_back(Intern(s, name[0] ? name : "(anonymous)"));
    nodes.push_back(Intern(s, node->GetScriptResourceNameStr()));
    nodes.push_back(node->GetLineNumber());
    nodes.push_back(node->GetColumnNumber());
    nodes.push_back(kind);
    unsigned n = node->GetHitLineCount();
    if (n > 0) {
      lineBuf.resize(n);
      if (node->GetLineTicks(lineBuf.data(), n)) {
        for (unsigned i = 0; i < n; i++) {
          lineTicks.push_back(idx);
          lineTicks.push_back(lineBuf[i].line);
          lineTicks.push_back(int32_t(lineBuf[i].hit_count));
        }
      }
    }
    for (int i = node->GetChildrenCount() - 1; i >= 0; i--) stack.emplace_back(node->GetChild(i), idx);
  }

  // Samples joined with signal records by timestamp.
  int count = p->GetSamplesCount();
  std::vector<int32_t> sampleNode, sampleLabel, sampleTurn;
  std::vector<double> sampleWall, sampleCpu;
  std::vector<uint8_t> sampleFlags;
  sampleNode.reserve(count);
  uint64_t head = s->head.load(std::memory_order_acquire);
  uint64_t cap = uint64_t(s->ringMask) + 1;
  uint64_t overflow = 0;
  if (head - s->tail > cap) {
    overflow = head - s->tail - cap;
    s->tail = head - cap;
  }
  uint64_t matched = 0, unmatched = 0, duplicates = 0, unusedSignals = 0;
  int32_t lastLabel = 0;
  int64_t maxDelta = 0;
  for (int i = 0; i < count; i++) {
    int64_t tsUs = p->GetSampleTimestamp(i);
    if (tsUs <= s->lastSampleTsUs) {
      duplicates++;  // also in the previous profile (the two overlapped for a moment)
      continue;
    }
    s->lastSampleTsUs = tsUs;
    int64_t tsNs = tsUs * 1000;
    // The handler reads the clock just before V8 stamps the sample: the matching record is the
    // last one at or before tsNs (+1 us for V8's microsecond truncation), and close to it.
    uint64_t best = UINT64_MAX;
    for (uint64_t j = s->tail; j < head; j++) {
      const SignalRecord& r = s->ring[j & s->ringMask];
      if (r.t > tsNs + 1000) break;
      best = j;
    }
    const SignalRecord* rec = nullptr;
    if (best != UINT64_MAX) {
      const SignalRecord& r = s->ring[best & s->ringMask];
      if (tsNs - r.t < kMatchToleranceNs) {
        int64_t d = tsNs - r.t;
        if (d > maxDelta) maxDelta = d;
        rec = &r;
        unusedSignals += best - s->tail;
        s->tail = best + 1;
      }
    }
    sampleNode.push_back(index[p->GetSample(i)]);
    if (rec) {
      matched++;
      sampleWall.push_back(double(s->lastT ? rec->t - s->lastT : 0));
      sampleCpu.push_back(double(s->lastT ? rec->cpu - s->lastCpu : 0));
      sampleLabel.push_back(rec->label);
      sampleFlags.push_back(uint8_t(rec->flags | kSampleMatched));
      sampleTurn.push_back(int32_t(rec->turn));
      s->lastT = rec->t;
      s->lastCpu = rec->cpu;
      lastLabel = rec->label;
    } else {
      unmatched++;
      sampleWall.push_back(0);
      sampleCpu.push_back(0);
      sampleLabel.push_back(lastLabel);
      sampleFlags.push_back(0);
      sampleTurn.push_back(0);
    }
  }
  // Records before the profile's end that matched no sample: signals V8 did not turn into one.
  int64_t endUs = p->GetEndTime();
  while (s->tail < head && s->ring[s->tail & s->ringMask].t <= endUs * 1000 - kMatchToleranceNs) {
    unusedSignals++;
    s->tail++;
  }

  Napi::Object b = Napi::Object::New(env);
  b.Set("threadId", s->threadId);
  b.Set("threadName", s->threadName);
  b.Set("osThreadId", double(s->osThreadId));
  b.Set("startNs", double(s->periodStartNs));
  b.Set("endNs", double(endNs));
  Napi::Array strs = Napi::Array::New(env, s->newStrings.size());
  for (size_t i = 0; i < s->newStrings.size(); i++) strs.Set(uint32_t(i), s->newStrings[i]);
  b.Set("stringBase", double(s->strings.size() - s->newStrings.size()));
  b.Set("newStrings", strs);
  s->newStrings.clear();
  b.Set("nodes", Napi::Int32Array::New(env, nodes.size(), NewBuffer(env, nodes), 0));
  b.Set("lineTicks", Napi::Int32Array::New(env, lineTicks.size(), NewBuffer(env, lineTicks), 0));
  b.Set("sampleNode", Napi::Int32Array::New(env, sampleNode.size(), NewBuffer(env, sampleNode), 0));
  b.Set("sampleWallNs", Napi::Float64Array::New(env, sampleWall.size(), NewBuffer(env, sampleWall), 0));
  b.Set("sampleCpuNs", Napi::Float64Array::New(env, sampleCpu.size(), NewBuffer(env, sampleCpu), 0));
  b.Set("sampleLabel", Napi::Int32Array::New(env, sampleLabel.size(), NewBuffer(env, sampleLabel), 0));
  b.Set("sampleFlags", Napi::Uint8Array::New(env, sampleFlags.size(), NewBuffer(env, sampleFlags), 0));
  b.Set("sampleTurn", Napi::Int32Array::New(env, sampleTurn.size(), NewBuffer(env, sampleTurn), 0));
  // Turns busy past the threshold, as (turn, end ns, busy ns, run delay ns), and the turn under way
  // now: its samples may belong to a block reported in the next batch.
  std::vector<double> blocks;
  blocks.reserve(s->blocks.size() * 4);
  for (const BlockRecord& r : s->blocks) {
    blocks.push_back(double(r.turn));
    blocks.push_back(double(r.endNs));
    blocks.push_back(double(r.busyNs));
    blocks.push_back(double(r.runDelayNs));
  }
  s->blocks.clear();
  b.Set("blocks", Napi::Float64Array::New(env, blocks.size(), NewBuffer(env, blocks), 0));
  b.Set("currentTurn", double(s->loopTurn.load(std::memory_order_relaxed)));

  uint64_t signals = s->signals.load(std::memory_order_relaxed);
  uint64_t ticks = s->samplerTicks.load(), idle = s->samplerIdle.load(), gc = s->samplerGc.load(),
           js = s->samplerJs.load();
  int64_t samplerCpu = s->samplerCpu.load();
  Napi::Object st = Napi::Object::New(env);
  st.Set("v8Samples", double(count));
  st.Set("duplicates", double(duplicates));
  st.Set("matched", double(matched));
  st.Set("unmatched", double(unmatched));
  st.Set("signals", double(signals - s->periodStartSignals));
  st.Set("unusedSignals", double(unusedSignals));
  st.Set("maxMatchDeltaNs", double(maxDelta));
  st.Set("ringOverflow", double(overflow));
  st.Set("samplerTicks", double(ticks - s->periodStartTicks));
  st.Set("samplerIdleTicks", double(idle - s->periodStartIdle));
  st.Set("samplerGcTicks", double(gc - s->periodStartGc));
  st.Set("samplerJsTicks", double(js - s->periodStartJs));
  st.Set("samplerCpuNs", double(samplerCpu - s->periodStartSamplerCpu));
  st.Set("intervalMicros", s->effectiveIntervalMicros);
  st.Set("blocksDropped", double(s->blocksDropped));
  s->blocksDropped = 0;
  b.Set("stats", st);
  s->periodStartSignals = signals;
  s->periodStartTicks = ticks;
  s->periodStartIdle = idle;
  s->periodStartGc = gc;
  s->periodStartJs = js;
  s->periodStartSamplerCpu = samplerCpu;
  s->periodStartNs = endNs;
  return b;
}

}  // namespace

// timeInit(labelSlot: Int32Array, threadId, threadName, intervalMicros, ringCapacity, experiment)
Napi::Value JsTimeInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (tState) return Fail(env, "hotpath: the time profiler is already initialised on this thread");
  Napi::Int32Array slot = info[0].As<Napi::Int32Array>();
  auto* s = new ThreadState();
  s->isolate = v8::Isolate::GetCurrent();
  napi_get_uv_event_loop(env, &s->loop);
  s->pthread = pthread_self();
  s->osThreadId = pid_t(syscall(SYS_gettid));
  pthread_getcpuclockid(s->pthread, &s->cpuClock);
  s->threadId = info[1].As<Napi::Number>().Int32Value();
  s->threadName = info[2].As<Napi::String>().Utf8Value();
  s->intervalMicros = info[3].As<Napi::Number>().Int32Value();
  s->effectiveIntervalMicros = s->intervalMicros;
  uint32_t cap = 1024;
  uint32_t want = info[4].As<Napi::Number>().Uint32Value();
  while (cap < want && cap < (1u << 22)) cap <<= 1;
  s->ring = new SignalRecord[cap];
  s->ringMask = cap - 1;
  s->experiment = info[5].As<Napi::Number>().Uint32Value();
  s->labelSlot = reinterpret_cast<int32_t*>(slot.Data());
  napi_create_reference(env, slot, 1, &s->labelSlotRef);
  s->env = env;
  Intern(s, "");  // string 0 is ""

  v8::CpuProfilingNamingMode naming =
      (s->experiment & kExpStandardNaming) ? v8::kStandardNaming : v8::kDebugNaming;
  v8::CpuProfilingLoggingMode logging =
      (s->experiment & kExpLazyLogging) ? v8::kLazyLogging : v8::kEagerLogging;
  // Created once and kept: with eager logging a restart costs ~0.15 ms instead of a walk of
  // all compiled code (RESEARCH.md).
  s->profiler = v8::CpuProfiler::New(s->isolate, naming, logging);
  s->profiler->SetSamplingInterval(s->intervalMicros);

  // turnStartNs stays 0: the turn under way (the one that starts profiling, and pays for V8's
  // profiler start-up) is not judged; turns are measured from the first uv_prepare on.
  uv_prepare_init(s->loop, &s->prepare);
  uv_check_init(s->loop, &s->check);
  s->prepare.data = s;
  s->check.data = s;
  uv_prepare_start(&s->prepare, OnPrepare);
  uv_check_start(&s->check, OnCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(&s->prepare));
  uv_unref(reinterpret_cast<uv_handle_t*>(&s->check));
  s->openHandles = 2;
  if (!(s->experiment & kExpNoCallCallbacks)) {
    s->isolate->AddBeforeCallEnteredCallback(OnBeforeCall);
  }
  s->isolate->AddGCPrologueCallback(OnGcPrologue, s);
  s->isolate->AddGCEpilogueCallback(OnGcEpilogue, s);
  s->flags.store(0);  // we are being called from JS right now: not waiting

  tState = s;
  if (!RegisterThread(s, s->intervalMicros)) {
    Dispose(s, false);
    return Fail(env, "hotpath: too many profiled threads (limit 1024)");
  }
  napi_add_env_cleanup_hook(env, CleanupHook, s);
  return env.Undefined();
}

// timeSetInterval(micros): the sampling interval from the next rotation on (never below the
// configured one). Used by the overhead cap.
Napi::Value JsTimeSetInterval(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadState* s = tState;
  if (!s || s->disposed) return Fail(env, "hotpath: the time profiler is not initialised on this thread");
  int micros = std::max(s->intervalMicros, info[0].As<Napi::Number>().Int32Value());
  s->effectiveIntervalMicros = micros;
  SetSamplerInterval(micros);
  return env.Undefined();
}

// timeSetBlockThreshold(ns): event-loop turns busy for this long or longer are reported as
// blocks (default 50 ms).
Napi::Value JsTimeSetBlockThreshold(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadState* s = tState;
  if (!s || s->disposed) return Fail(env, "hotpath: the time profiler is not initialised on this thread");
  s->blockThresholdNs = int64_t(info[0].As<Napi::Number>().DoubleValue());
  // From the next uv_prepare on, turns are timed (two clock reads a turn); the turn under way
  // then is not judged (turnStartNs is still 0 or stale: reset it).
  if (!s->timeTurns) {
    s->turnStartNs = 0;
    s->timeTurns = true;
  }
  // Only the event-loop kind needs the run-queue delay: open schedstat now, so that the
  // sampler thread's read of it (a procfs read each tick) costs nothing to the others.
  if (s->schedstatFd < 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", int(s->osThreadId));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    std::lock_guard<std::mutex> lk(RegistryLock());  // the sampler reads it under this lock
    s->schedstatFd = fd;
  }
  return env.Undefined();
}

// timeStart(): starts the first profile of this thread.
Napi::Value JsTimeStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadState* s = tState;
  if (!s || s->disposed) return Fail(env, "hotpath: the time profiler is not initialised on this thread");
  if (s->profiling) return env.Undefined();
  s->periodStartNs = MonotonicNs();
  s->lastT = s->periodStartNs;
  s->lastCpu = ThreadCpuNs();
  s->tail = s->head.load();
  s->periodStartSignals = s->signals.load();
  s->periodStartTicks = s->samplerTicks.load();
  s->periodStartIdle = s->samplerIdle.load();
  s->periodStartGc = s->samplerGc.load();
  s->periodStartJs = s->samplerJs.load();
  s->periodStartSamplerCpu = s->samplerCpu.load();
  if (!StartProfile(s)) return Fail(env, "hotpath: V8 refused to start a CPU profile");
  return env.Undefined();
}

// timeRotate(restart: boolean): batch | undefined. Starts the next profile before stopping the
// current one (when restart), so no period boundary leaves a gap.
Napi::Value JsTimeRotate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadState* s = tState;
  if (!s || s->disposed || !s->profiling) return env.Undefined();
  bool restart = info[0].As<Napi::Boolean>().Value();
  v8::ProfilerId old = s->profileId;
  if (restart) {
    if (!StartProfile(s)) return Fail(env, "hotpath: V8 refused to start a CPU profile");
  } else {
    s->profiling = false;
  }
  int64_t endNs = MonotonicNs();
  if (s->experiment & kExpNoProfile) return env.Undefined();
  v8::CpuProfile* p = s->profiler->Stop(old);
  if (!p) return env.Undefined();
  Napi::Object batch = BuildBatch(env, s, p, endNs);
  p->Delete();
  return batch;
}

// timeDispose(): stops profiling on this thread and releases everything.
Napi::Value JsTimeDispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThreadState* s = tState;
  if (!s) return env.Undefined();
  napi_remove_env_cleanup_hook(env, CleanupHook, s);
  Dispose(s, false);
  return env.Undefined();
}

Napi::Value JsRegisteredThreads(const Napi::CallbackInfo& info) {
  std::vector<int32_t> ids = RegisteredThreadIds();
  Napi::Array a = Napi::Array::New(info.Env(), ids.size());
  for (size_t i = 0; i < ids.size(); i++) a.Set(uint32_t(i), ids[i]);
  return a;
}

Napi::Value JsMonotonicNs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(MonotonicNs()));
}

Napi::Value JsThreadCpuNs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(ThreadCpuNs()));
}

Napi::Value JsOsThreadId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(syscall(SYS_gettid)));
}

void InitTimeProfiler(Napi::Env env, Napi::Object exports) {
  exports.Set("timeInit", Napi::Function::New(env, JsTimeInit, "timeInit"));
  exports.Set("timeStart", Napi::Function::New(env, JsTimeStart, "timeStart"));
  exports.Set("timeSetInterval", Napi::Function::New(env, JsTimeSetInterval, "timeSetInterval"));
  exports.Set("timeSetBlockThreshold", Napi::Function::New(env, JsTimeSetBlockThreshold, "timeSetBlockThreshold"));
  exports.Set("timeRotate", Napi::Function::New(env, JsTimeRotate, "timeRotate"));
  exports.Set("timeDispose", Napi::Function::New(env, JsTimeDispose, "timeDispose"));
  exports.Set("registeredThreads", Napi::Function::New(env, JsRegisteredThreads, "registeredThreads"));
  exports.Set("monotonicNs", Napi::Function::New(env, JsMonotonicNs, "monotonicNs"));
  exports.Set("threadCpuNs", Napi::Function::New(env, JsThreadCpuNs, "threadCpuNs"));
  exports.Set("osThreadId", Napi::Function::New(env, JsOsThreadId, "osThreadId"));
}

}  // namespace hotpath
