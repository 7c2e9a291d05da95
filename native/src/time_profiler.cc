// The time profiler's JS-facing side, one per profiled JS thread: the event-loop hooks that
// tell the sampler (sampler.h) whether the thread waits for I/O or is in GC, the turn timing
// of the event-loop kind, and the period-end hand-off of the thread's symbolized samples as a
// stack batch (src/transport/stack-batch.ts reads it).
//
// Functions called from JS are named Js*. JS validates every argument (src/collect/native.ts,
// src/collect/time-collector.ts); native trusts their types.
#include "time_profiler.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include <cstdio>
#include <cstring>

#include "code_map.h"
#include "js_error.h"
#include "sampler.h"

namespace hotpath {

namespace {

// Block records kept per period at most (a threshold of 1 ms allows 1,000 a second).
constexpr size_t kMaxBlocksPerBatch = 65536;

struct LoopState {
  ThreadSampler* sampler = nullptr;
  v8::Isolate* isolate = nullptr;
  uv_loop_t* loop = nullptr;
  napi_env env = nullptr;
  napi_ref labelSlotRef = nullptr;
  napi_ref traceSlotRef = nullptr;
  int intervalMicros = 10000;  // as configured; the cap may lengthen the sampler's

  // Event-loop turns: a turn runs from one uv_prepare (just before the loop waits for I/O) to
  // the next. Busy time = the turn's length less its wait: from uv_prepare to the first call
  // into JS or to uv_check, whichever comes first. (Not uv_metrics_idle_time: libuv restarts
  // its idle clock when epoll_wait returns EINTR.)
  int64_t turnStartNs = 0;
  int64_t turnWaitNs = 0;
  bool waiting = false;  // between uv_prepare and the first JS call or uv_check
  int64_t turnStartRunDelayNs = 0;
  int64_t turnStartRunDelayAtNs = 0;
  int64_t blockThresholdNs = 50000000;
  // Turns are timed (a clock read at uv_prepare and at the end of the wait) only once the
  // event-loop kind asked for blocks: the time kind needs just the waiting flag.
  bool timeTurns = false;

  uv_prepare_t prepare{};
  uv_check_t check{};
  int openHandles = 0;
  bool disposed = false;
  bool sampling = false;
};

// Read on every call from C++ into JS (OnBeforeCall): initial-exec TLS is one load from the
// thread pointer (the default model calls __tls_get_addr: 0.15-0.2% of an HTTP server's main
// thread under perf).
__attribute__((tls_model("initial-exec"))) thread_local LoopState* tLoop = nullptr;

// ThreadSampler::flags has one writer, the thread itself (these hooks), so a plain load and
// store does instead of a locked read-modify-write (~20 ns each, every turn).
inline void SetFlag(ThreadSampler* s, uint32_t bit) {
  s->flags.store(s->flags.load(std::memory_order_relaxed) | bit, std::memory_order_relaxed);
}
inline void ClearFlag(ThreadSampler* s, uint32_t bit) {
  s->flags.store(s->flags.load(std::memory_order_relaxed) & ~bit, std::memory_order_relaxed);
}

// The end of an event-loop turn (the loop is about to wait for I/O).
void OnPrepare(uv_prepare_t* h) {
  auto* l = static_cast<LoopState*>(h->data);
  ThreadSampler* s = l->sampler;
  uint32_t turn = s->loopTurn.load(std::memory_order_relaxed);
  if (l->timeTurns) {
    int64_t now = MonotonicNs();
    int64_t busy = (now - l->turnStartNs) - l->turnWaitNs;
    // The drain thread's last reading (up to a tick old), or a fresh one for a long turn, so
    // a turn is not judged on a reading taken before its delay accrued.
    int64_t runDelay = s->runDelayNs.load(std::memory_order_relaxed);
    int64_t runDelayAt = s->runDelayReadAtNs.load(std::memory_order_relaxed);
    int64_t turnRunDelay = 0;
    if (busy >= l->blockThresholdNs) {
      int64_t fresh = ReadRunDelayNs(s->schedstatFd);
      if (fresh >= 0) {
        runDelay = fresh;
        runDelayAt = now;
      }
      // Delay accrued between the reading at the turn's start and the turn's start is not
      // this turn's.
      int64_t before = std::max<int64_t>(0, l->turnStartNs - l->turnStartRunDelayAtNs);
      turnRunDelay = std::max<int64_t>(0, runDelay - l->turnStartRunDelayNs - before);
    }
    // A block is a turn that ran for the threshold; its time is all the time it held the loop.
    if (l->turnStartNs != 0 && busy - turnRunDelay >= l->blockThresholdNs) {
      std::lock_guard<std::mutex> lk(s->storeLock);  // the owner takes blocks with the samples
      if (s->blocks.size() < kMaxBlocksPerBatch) s->blocks.push_back({turn, now, busy, turnRunDelay});
      else s->blocksDropped++;
    }
    l->turnStartRunDelayNs = runDelay;
    l->turnStartRunDelayAtNs = runDelayAt;
    l->turnStartNs = now;
    l->turnWaitNs = 0;
  }
  l->waiting = true;
  s->loopTurn.store(turn + 1, std::memory_order_relaxed);
  SetFlag(s, kFlagLoopIdle);
}

// The wait for I/O ends at the first call into JS after uv_prepare, or at uv_check when no JS
// ran in the poll phase. A wall timer parked during the wait is re-armed.
inline void EndWait(LoopState* l) {
  if (!l->waiting) return;
  l->waiting = false;
  ThreadSampler* s = l->sampler;
  ClearFlag(s, kFlagLoopIdle);  // before the parked check: a wall signal now no longer parks
  std::atomic_signal_fence(std::memory_order_seq_cst);
  if (l->timeTurns || s->parked) {
    int64_t now = MonotonicNs();
    if (l->timeTurns) l->turnWaitNs = now - l->turnStartNs;
    UnparkWallTimer(s, now);
  }
}
void OnCheck(uv_check_t* h) { EndWait(static_cast<LoopState*>(h->data)); }
// Every call from C++ into JS: a thread-local load and a branch, except the first after
// uv_prepare.
void OnBeforeCall(v8::Isolate*) {
  if (tLoop) EndWait(tLoop);
}
void OnGcPrologue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void* data) {
  SetFlag(static_cast<LoopState*>(data)->sampler, kFlagInGc);
}
void OnGcEpilogue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void* data) {
  ClearFlag(static_cast<LoopState*>(data)->sampler, kFlagInGc);
}

void OnHandleClosed(uv_handle_t* h) {
  auto* l = static_cast<LoopState*>(h->data);
  if (--l->openHandles == 0) delete l;
}

// Stops everything this thread set up. Safe to call twice; runs on the thread itself, from
// JsTimeDispose or from the environment cleanup hook (the isolate still exists then).
// handOff: the thread goes away without JS (terminate(), exit): its sampler, with everything
// sampled up to now, goes to the ended list for the owner's next period end.
void Dispose(LoopState* l, bool handOff) {
  if (l->disposed) return;
  l->disposed = true;
  ThreadSampler* s = l->sampler;
  bool handedOff = handOff && l->sampling;
  if (l->sampling) {
    // Timers gone before the isolate is. Once handed off, s belongs to the owner thread, which
    // may free it at once: s is not touched here after this.
    EndSampling(s, handOff);
    l->sampling = false;
  }
  if (!handedOff) {
    if (s->schedstatFd >= 0) close(s->schedstatFd);
    delete s;
  }
  l->sampler = nullptr;
  CodeMapDetach(l->isolate);
  l->isolate->RemoveBeforeCallEnteredCallback(OnBeforeCall);
  l->isolate->RemoveGCPrologueCallback(OnGcPrologue, l);
  l->isolate->RemoveGCEpilogueCallback(OnGcEpilogue, l);
  if (l->labelSlotRef && !handOff) napi_delete_reference(l->env, l->labelSlotRef);
  if (l->traceSlotRef && !handOff) napi_delete_reference(l->env, l->traceSlotRef);
  l->labelSlotRef = nullptr;
  l->traceSlotRef = nullptr;
  if (tLoop == l) tLoop = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&l->prepare), OnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&l->check), OnHandleClosed);
}

void CleanupHook(void* arg) { Dispose(static_cast<LoopState*>(arg), true); }

template <typename T>
Napi::ArrayBuffer NewBuffer(Napi::Env env, const std::vector<T>& v) {
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(ab.Data(), v.data(), v.size() * sizeof(T));
  return ab;
}

template <typename A, typename T>
void SetArray(Napi::Env env, Napi::Object b, const char* name, const std::vector<T>& v) {
  b.Set(name, A::New(env, v.size(), NewBuffer(env, v), 0));
}

constexpr int kFrameFields = 5;  // name, file, line, column, kind

// The stack batch of one thread's period. Runs on the owner thread (or the thread itself when
// it is the owner): the thread's strings are only ever touched there.
Napi::Object BuildBatch(Napi::Env env, TakenPeriod& t) {
  ThreadSampler* s = t.sampler;
  StackStore& store = t.store;
  StringTable& strings = s->strings;
  strings.LimitSize();
  size_t base = strings.ids.size() - strings.fresh.size();
  std::vector<int32_t> frames;
  frames.reserve(store.frames.size() * kFrameFields);
  for (const StoredFrame& f : store.frames) {
    switch (f.kind) {
      case kFrameProgram: frames.push_back(strings.Intern("(program)")); frames.push_back(0); break;
      case kFrameIdle: frames.push_back(strings.Intern("(idle)")); frames.push_back(0); break;
      case kFrameGc: frames.push_back(strings.Intern("(garbage collector)")); frames.push_back(0); break;
      default:
        frames.push_back(strings.Intern(f.info->name.empty() && f.kind == kFrameJs ? "(anonymous)" : f.info->name));
        frames.push_back(strings.Intern(f.info->url));
    }
    frames.push_back(f.info ? f.line : 0);
    frames.push_back(f.info ? f.info->column : 0);
    frames.push_back(f.kind);
  }
  std::vector<int32_t> stacks;
  stacks.reserve(store.stacks.size() * 2);
  for (auto [parent, frame] : store.stacks) {
    stacks.push_back(parent);
    stacks.push_back(frame);
  }
  size_t n = store.samples.size();
  std::vector<int32_t> sStack(n), sWeight(n), sMicros(n), sLabel(n), sTrace(n), sTurn(n);
  std::vector<uint8_t> sClock(n), sFlags(n);
  uint64_t wallWeight = 0, cpuWeight = 0;
  for (size_t i = 0; i < n; i++) {
    const StoredSample& x = store.samples[i];
    sStack[i] = x.stack;
    sWeight[i] = int32_t(x.weight);
    sMicros[i] = int32_t(x.micros);
    sLabel[i] = x.label;
    sTrace[i] = x.trace;
    sTurn[i] = int32_t(x.turn);
    sClock[i] = x.clock;
    sFlags[i] = x.flags;
    (x.clock == kClockWall ? wallWeight : cpuWeight) += x.weight;
  }

  Napi::Object b = Napi::Object::New(env);
  b.Set("threadId", s->threadId);
  b.Set("threadName", s->threadName);
  b.Set("osThreadId", double(s->osThreadId));
  b.Set("startNs", double(t.startNs));
  b.Set("endNs", double(t.endNs));
  Napi::Array strs = Napi::Array::New(env, strings.fresh.size());
  for (size_t i = 0; i < strings.fresh.size(); i++) strs.Set(uint32_t(i), strings.fresh[i]);
  b.Set("stringBase", double(base));
  b.Set("newStrings", strs);
  strings.fresh.clear();
  SetArray<Napi::Int32Array>(env, b, "frames", frames);
  SetArray<Napi::Int32Array>(env, b, "stacks", stacks);
  SetArray<Napi::Int32Array>(env, b, "sampleStack", sStack);
  SetArray<Napi::Int32Array>(env, b, "sampleWeight", sWeight);
  SetArray<Napi::Int32Array>(env, b, "sampleMicros", sMicros);
  SetArray<Napi::Uint8Array>(env, b, "sampleClock", sClock);
  SetArray<Napi::Int32Array>(env, b, "sampleLabel", sLabel);
  SetArray<Napi::Int32Array>(env, b, "sampleTrace", sTrace);
  std::vector<int32_t> traces(store.traces.begin(), store.traces.end());
  SetArray<Napi::Int32Array>(env, b, "traceContexts", traces);
  SetArray<Napi::Int32Array>(env, b, "sampleTurn", sTurn);
  SetArray<Napi::Uint8Array>(env, b, "sampleFlags", sFlags);
  b.Set("idleNs", double(store.idleNs));

  // Turns busy past the threshold, as (turn, end ns, busy ns, run delay ns), and the turn under
  // way now: its samples may belong to a block reported in the next batch.
  std::vector<double> blocks;
  blocks.reserve(t.blocks.size() * 4);
  for (const BlockRecord& r : t.blocks) {
    blocks.push_back(double(r.turn));
    blocks.push_back(double(r.endNs));
    blocks.push_back(double(r.busyNs));
    blocks.push_back(double(r.runDelayNs));
  }
  SetArray<Napi::Float64Array>(env, b, "blocks", blocks);
  b.Set("currentTurn", double(s->loopTurn.load(std::memory_order_relaxed)));

  Napi::Object st = Napi::Object::New(env);
  st.Set("signals", double(t.signals));
  st.Set("droppedWeight", double(t.droppedWeight));
  st.Set("storeFullDropped", double(t.storeFullDropped));
  st.Set("handlerNs", double(t.handlerNs));
  st.Set("wallSamples", double(wallWeight));
  st.Set("cpuSamples", double(cpuWeight));
  st.Set("intervalMicros", double(s->intervalNs.load() / 1000));
  st.Set("cpuClockError", double(s->cpuClockError));
  st.Set("cpuSigioSamples", double(t.cpuSigioSamples));
  st.Set("exactLines", double(store.leaves.exactLine));
  st.Set("functionLines", double(store.leaves.functionLine));
  st.Set("nativeLeaves", double(store.leaves.nativeLeaf));
  st.Set("unknownFrames", double(store.leaves.unknownFrames));
  st.Set("blocksDropped", double(t.blocksDropped));
  st.Set("ended", t.ended);
  b.Set("stats", st);
  return b;
}

LoopState* Current(Napi::Env env) {
  LoopState* l = tLoop;
  if (!l || l->disposed) {
    Fail(env, "hotpath: the time profiler is not initialised on this thread");
    return nullptr;
  }
  return l;
}

}  // namespace

// timeInit(labelSlot: Int32Array, threadId, threadName, intervalMicros, traceSlot: Int32Array)
Napi::Value JsTimeInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (tLoop) return Fail(env, "hotpath: the time profiler is already initialised on this thread");
  Napi::Int32Array slot = info[0].As<Napi::Int32Array>();
  if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    return Fail(env, "hotpath: timeInit needs the trace-context slot (an Int32Array)");
  }
  Napi::Int32Array traceSlot = info[4].As<Napi::Int32Array>();
  if (traceSlot.ElementLength() < size_t(kTraceSlotInts)) {
    return Fail(env, "hotpath: the trace-context slot is too short");
  }
  auto* s = new ThreadSampler();
  auto* l = new LoopState();
  l->sampler = s;
  l->isolate = s->isolate = v8::Isolate::GetCurrent();
  napi_get_uv_event_loop(env, &l->loop);
  l->env = env;
  s->threadId = info[1].As<Napi::Number>().Int32Value();
  s->threadName = info[2].As<Napi::String>().Utf8Value();
  l->intervalMicros = info[3].As<Napi::Number>().Int32Value();
  s->intervalNs.store(int64_t(l->intervalMicros) * 1000);
  s->osThreadId = pid_t(syscall(SYS_gettid));
  s->labelSlot = reinterpret_cast<int32_t*>(slot.Data());
  napi_create_reference(env, slot, 1, &l->labelSlotRef);
  s->traceSlot = reinterpret_cast<int32_t*>(traceSlot.Data());
  napi_create_reference(env, traceSlot, 1, &l->traceSlotRef);
  s->strings.Intern("");  // string 0 is ""

  // The code map first: registering walks the heap once (do it before the code gets hot).
  CodeMapAttach(l->isolate);
  uv_prepare_init(l->loop, &l->prepare);
  uv_check_init(l->loop, &l->check);
  l->prepare.data = l;
  l->check.data = l;
  uv_prepare_start(&l->prepare, OnPrepare);
  uv_check_start(&l->check, OnCheck);
  uv_unref(reinterpret_cast<uv_handle_t*>(&l->prepare));
  uv_unref(reinterpret_cast<uv_handle_t*>(&l->check));
  l->openHandles = 2;
  l->isolate->AddBeforeCallEnteredCallback(OnBeforeCall);
  l->isolate->AddGCPrologueCallback(OnGcPrologue, l);
  l->isolate->AddGCEpilogueCallback(OnGcEpilogue, l);
  s->flags.store(0);  // we are being called from JS right now: not waiting
  tLoop = l;
  napi_add_env_cleanup_hook(env, CleanupHook, l);
  return env.Undefined();
}

// timeStart(): arms this thread's timers.
Napi::Value JsTimeStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoopState* l = Current(env);
  if (!l) return env.Undefined();
  if (l->sampling) return env.Undefined();
  std::string error;
  if (!StartSampling(l->sampler, &error)) return Fail(env, ("hotpath: " + error).c_str());
  l->sampling = true;
  return env.Undefined();
}

// timeSetInterval(micros): the sampling interval from now on (never below the configured one).
// Used by the overhead cap.
Napi::Value JsTimeSetInterval(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoopState* l = Current(env);
  if (!l) return env.Undefined();
  int micros = std::max(l->intervalMicros, info[0].As<Napi::Number>().Int32Value());
  l->sampler->intervalNs.store(int64_t(micros) * 1000);
  return env.Undefined();
}

// timeSetBlockThreshold(ns): event-loop turns busy for this long or longer are reported as
// blocks (default 50 ms).
Napi::Value JsTimeSetBlockThreshold(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoopState* l = Current(env);
  if (!l) return env.Undefined();
  l->blockThresholdNs = int64_t(info[0].As<Napi::Number>().DoubleValue());
  // From the next uv_prepare on, turns are timed; the turn under way then is not judged.
  if (!l->timeTurns) {
    l->turnStartNs = 0;
    l->timeTurns = true;
  }
  // Only the event-loop kind needs the run-queue delay, read by the drain thread each tick.
  ThreadSampler* s = l->sampler;
  if (s->schedstatFd < 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", int(s->osThreadId));
    s->schedstatFd = open(path, O_RDONLY | O_CLOEXEC);
    SetRunDelayInterval(l->intervalMicros);
  }
  return env.Undefined();
}

// timeRotate(restart: boolean): batch | undefined. Ends this thread's period: everything
// sampled up to now, symbolized. Without restart, sampling stops first (the last batch).
Napi::Value JsTimeRotate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoopState* l = tLoop;
  if (!l || l->disposed || !l->sampling) return env.Undefined();
  bool restart = info[0].As<Napi::Boolean>().Value();
  ThreadSampler* s = l->sampler;
  if (!restart) {
    EndSampling(s, false);
    l->sampling = false;
  }
  TakenPeriod t = TakePeriod(s);
  return BuildBatch(env, t);
}

// timeTakeOthers(): the owner's period end for every other thread: each live thread's batch
// (taken natively, whatever its JS is doing), then those of threads that ended since the last
// call (terminated or stopped workers), whose native memory is then freed.
Napi::Value JsTimeTakeOthers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoopState* l = tLoop;
  std::vector<TakenPeriod> taken = TakeLive(l ? l->sampler : nullptr);
  std::vector<ThreadSampler*> ended = TakeEnded();
  for (ThreadSampler* s : ended) taken.push_back(TakePeriod(s));
  Napi::Array out = Napi::Array::New(env, taken.size());
  for (size_t i = 0; i < taken.size(); i++) out.Set(uint32_t(i), BuildBatch(env, taken[i]));
  for (ThreadSampler* s : ended) delete s;
  return out;
}

// timeDispose(handOff: boolean): stops profiling on this thread and releases everything; with
// handOff, what it sampled since the last take waits for the owner's next timeTakeOthers.
Napi::Value JsTimeDispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoopState* l = tLoop;
  if (!l) return env.Undefined();
  napi_remove_env_cleanup_hook(env, CleanupHook, l);
  Dispose(l, info[0].As<Napi::Boolean>().Value());
  return env.Undefined();
}

// timeNewScripts(): URLs of the scripts this thread compiled code of since the last call.
Napi::Value JsTimeNewScripts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> urls = CodeMapTakeNewScripts(v8::Isolate::GetCurrent());
  Napi::Array a = Napi::Array::New(env, urls.size());
  for (size_t i = 0; i < urls.size(); i++) a.Set(uint32_t(i), urls[i]);
  return a;
}

// timeCheckSignal(): false when another handler had been installed over hotpath's on its
// sampling signal (hotpath's is back in front now, passing that one the other signals).
Napi::Value JsTimeCheckSignal(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ReclaimSamplingSignal());
}

// timeHandlerNs(): the sampling handler's time on all threads, ever (the overhead cap's share
// of hotpath's cost that runs on the application's threads).
Napi::Value JsTimeHandlerNs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(HandlerNsTotal()));
}

// codeMapStats(withBytes?): the code map's counts; with `withBytes`, also what it holds (a walk of the map).
Napi::Value JsCodeMapStats(const Napi::CallbackInfo& info) {
  bool withBytes = info.Length() > 0 && info[0].ToBoolean().Value();
  CodeMapStats c = CodeMapGetStats(withBytes);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("live", double(c.live));
  o.Set("retired", double(c.retired));
  o.Set("adds", double(c.adds));
  o.Set("moves", double(c.moves));
  o.Set("unknownMoves", double(c.unknownMoves));
  o.Set("lineTables", double(c.lineTables));
  o.Set("evicted", double(c.evicted));
  if (withBytes) o.Set("bytes", double(c.bytes));
  o.Set("signal", SamplingSignal());
  return o;
}

Napi::Value JsRegisteredThreads(const Napi::CallbackInfo& info) {
  std::vector<int32_t> ids = LiveThreadIds();
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
  exports.Set("timeTakeOthers", Napi::Function::New(env, JsTimeTakeOthers, "timeTakeOthers"));
  exports.Set("timeNewScripts", Napi::Function::New(env, JsTimeNewScripts, "timeNewScripts"));
  exports.Set("timeDispose", Napi::Function::New(env, JsTimeDispose, "timeDispose"));
  exports.Set("timeCheckSignal", Napi::Function::New(env, JsTimeCheckSignal, "timeCheckSignal"));
  exports.Set("timeHandlerNs", Napi::Function::New(env, JsTimeHandlerNs, "timeHandlerNs"));
  exports.Set("codeMapStats", Napi::Function::New(env, JsCodeMapStats, "codeMapStats"));
  exports.Set("registeredThreads", Napi::Function::New(env, JsRegisteredThreads, "registeredThreads"));
  exports.Set("monotonicNs", Napi::Function::New(env, JsMonotonicNs, "monotonicNs"));
  exports.Set("threadCpuNs", Napi::Function::New(env, JsThreadCpuNs, "threadCpuNs"));
  exports.Set("osThreadId", Napi::Function::New(env, JsOsThreadId, "osThreadId"));
}

}  // namespace hotpath
