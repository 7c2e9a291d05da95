// The heap profiler's native half.
//
// What V8 offers (Node 20-24, V8 11.3-13.6): one sampling heap profiler per isolate. It samples
// allocations with a Poisson process (mean interval `sample_interval` bytes), records the stack,
// and holds each sample through a weak handle. Without flags a sample disappears when the GC
// collects its object: the profile is the live heap. With kSamplingIncludeObjectsCollectedBy*GC
// V8 keeps every sample, but its public API cannot say which ones are still alive
// (AllocationProfile::Sample has no liveness before V8 14 / Node 26), and the kept samples only
// go away when the profiler is stopped, which also forgets the long-lived objects the live heap
// needs. Measured here on an allocation-heavy loop (1.6 GB/s): with the flags V8 held 3,124
// samples per second of run (187,000 a minute, ~20 MB) and a read took 0.4 ms.
//
// So hotpath runs V8's profiler without the flags (the live heap, never restarted, bounded by
// the live heap) and recovers allocations by reading the profile at garbage collections:
//
//   - A sample can only disappear during a GC. Every sample allocated between two GCs is still
//     in the profile at the second GC's prologue. Sample ids are a time-ordered counter, so a
//     read at the prologue of GC g, keeping the ids above the largest id seen at the prologue
//     of GC g-1 (the "cut"), yields every allocation sampled in that inter-GC interval,
//     including the ones that die in GC g.
//   - Reading costs ~40 us for a small app (it walks V8's tree and every script), and an
//     allocation-heavy loop runs ~150 GCs a second, so reading at every GC would cost ~0.7%.
//     Instead a share q of the intervals is "probed", in runs of kRun consecutive intervals
//     (kRun + 1 reads per run), each run started with a probability decided at an interval's
//     start (the previous GC's prologue), before any of its allocations happen, hence
//     independently of what it will allocate. q adapts so that reads stay within `budget`
//     (default 0.2%) of this thread's CPU time, from the measured read cost and GC rate.
//   - Each probed sample weighs 1/q (Horvitz-Thompson). At the period end the weights are
//     normalised by the exact number of samples V8 took in the period (the id counter's
//     advance), which removes most of the variance of the interval draw.
//   - Live heap ("inuse") at the period end: the samples in the profile then, as of the last GC
//     (Go's heap profile is also "as of the last GC").
//   - Values are unbiased estimates: a sample of size s stands for 1/(1-exp(-s/interval))
//     objects of that size (Poisson sampling).
//
// Per thread, everything the profiler keeps is per period (strings, frames, stacks, the
// allocation sums), cleared at each rotate: memory does not grow with the number of periods.
//
// Near the heap limit (main thread, when asked): the callback raises the limit a little and
// requests an interrupt; the interrupt calls the JS handler (which takes the last profile and
// writes it synchronously), then removes the callback, restoring the original limit so the
// process fails exactly as it would have.
#include "heap_profiler.h"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <v8-profiler.h>
#include <v8.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "js_error.h"

namespace hotpath {
namespace {

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// This thread's CPU clock: the read budget is a share of the thread's CPU, not of wall time
// (on a busy machine wall time runs ahead of CPU time and a wall budget would overspend).
int64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

constexpr double kMinQ = 0.01;
constexpr double kEwma = 0.1;
// Probed intervals come in runs of kRun consecutive intervals: a run needs kRun + 1 reads
// instead of 2 * kRun for isolated intervals.
constexpr int kRun = 4;

struct HeapThread {
  v8::Isolate* isolate = nullptr;
  napi_env env = nullptr;
  int32_t threadId = 0;
  std::string threadName;
  int32_t osThreadId = 0;
  double interval = 524288;
  int stackDepth = 64;
  double budget = 0.002;
  double fixedQ = 0;  // > 0: tests and measurements force q
  bool running = false;

  // Probing (see the top of this file).
  bool inRead = false;
  bool probeCur = true;   // the open interval is probed (decided at its start)
  double qCur = 1;        // the share of intervals probed when it was decided
  double q = 1;           // the share of intervals to probe from now (long-run)
  int runLeft = kRun;     // probed intervals left in the current run, the open one included
  bool cutFresh = true;   // cutId was read at the open interval's start
  uint64_t cutId = 0;     // largest sample id seen at the last read
  uint64_t periodStartId = 0;
  std::mt19937_64 rng;
  double readNsAvg = 0;
  double gcIntervalNsAvg = 0;  // thread CPU between two GCs
  int64_t lastGcCpuNs = 0;

  // Per-period tables.
  std::vector<std::string> strings;
  std::unordered_map<std::string, int32_t> stringIndex;
  std::vector<int32_t> frames;  // name, file, line, column
  std::unordered_map<std::string, int32_t> frameIndex;
  std::vector<int32_t> stacks;  // parent stack (-1 at the top), frame
  std::unordered_map<uint64_t, int32_t> stackIndex;
  std::unordered_map<uint32_t, int32_t> nodeStack;  // V8 node id -> stack (ids are never reused)
  std::vector<double> alloc;  // per stack: objects, bytes (weighted, before normalisation)
  double weight = 0;          // sum of the weights of the probed samples
  uint64_t probedSamples = 0;

  // Per-period counters.
  uint64_t gcs = 0, reads = 0, probedIntervals = 0, intervals = 0, nestedGcs = 0, restarts = 0;
  // V8's profile at the last read: what V8 holds for us (bounded by the live heap).
  uint64_t liveSamples = 0;
  int64_t readNsTotal = 0, readNsMax = 0;

  // Near the heap limit.
  v8::Global<v8::Function> nearLimitFn;
  v8::Global<v8::Context> nearLimitContext;
  bool nearLimitInstalled = false;
  size_t nearLimitExtra = 0;
  size_t initialLimit = 0;
  int nearLimitCalls = 0;
};

thread_local HeapThread* tHeap = nullptr;

// Thread ids of the threads running the heap profiler. Never destroyed: a worker's cleanup hook
// may run while the process exits.
std::mutex& RegistryMutex() {
  static auto* m = new std::mutex();
  return *m;
}
std::set<int32_t>& Registry() {
  static auto* s = new std::set<int32_t>();
  return *s;
}

int32_t Intern(HeapThread* s, const std::string& str) {
  auto it = s->stringIndex.find(str);
  if (it != s->stringIndex.end()) return it->second;
  int32_t id = int32_t(s->strings.size());
  s->strings.push_back(str);
  s->stringIndex.emplace(str, id);
  return id;
}

std::string ToUtf8(v8::Isolate* isolate, v8::Local<v8::String> str) {
  if (str.IsEmpty()) return std::string();
  v8::String::Utf8Value u(isolate, str);
  return *u ? std::string(*u, u.length()) : std::string();
}

int32_t InternFrame(HeapThread* s, const v8::AllocationProfile::Node* n) {
  std::string name = ToUtf8(s->isolate, n->name);
  std::string file = ToUtf8(s->isolate, n->script_name);
  int32_t line = n->line_number > 0 ? n->line_number : 0;
  int32_t column = n->column_number > 0 ? n->column_number : 0;
  if (name.empty()) name = "(anonymous)";
  std::string key = name;
  key.push_back('\0');
  key += file;
  key.push_back('\0');
  key += std::to_string(line);
  key.push_back(':');
  key += std::to_string(column);
  auto it = s->frameIndex.find(key);
  if (it != s->frameIndex.end()) return it->second;
  int32_t id = int32_t(s->frames.size() / 4);
  s->frames.push_back(Intern(s, name));
  s->frames.push_back(Intern(s, file));
  s->frames.push_back(line);
  s->frames.push_back(column);
  s->frameIndex.emplace(std::move(key), id);
  return id;
}

int32_t InternStack(HeapThread* s, int32_t parent, int32_t frame) {
  uint64_t key = (uint64_t(uint32_t(parent)) << 32) | uint32_t(frame);
  auto it = s->stackIndex.find(key);
  if (it != s->stackIndex.end()) return it->second;
  int32_t id = int32_t(s->stacks.size() / 2);
  s->stacks.push_back(parent);
  s->stacks.push_back(frame);
  s->stackIndex.emplace(key, id);
  s->alloc.push_back(0);
  s->alloc.push_back(0);
  return id;
}

// Gives every node of V8's tree a stack (the root has none: -1).
void Walk(HeapThread* s, const v8::AllocationProfile::Node* n, int32_t parent, bool root) {
  int32_t stack;
  auto it = s->nodeStack.find(n->node_id);
  if (it != s->nodeStack.end()) {
    stack = it->second;
  } else {
    stack = root ? -1 : InternStack(s, parent, InternFrame(s, n));
    s->nodeStack.emplace(n->node_id, stack);
  }
  for (const auto* child : n->children) Walk(s, child, stack, false);
}

// Objects one sample of `size` bytes stands for.
inline double Scale(const HeapThread* s, double size) {
  return 1.0 / (1.0 - std::exp(-size / s->interval));
}

// Reads V8's profile. collect: add the samples above the cut (the interval since the last read)
// to the allocations with weight w. inuse: if set, sum every sample into it (the live heap).
bool Read(HeapThread* s, bool collect, double w, std::vector<double>* inuse) {
  s->inRead = true;
  int64_t t0 = ThreadCpuNs();
  std::unique_ptr<v8::AllocationProfile> p(s->isolate->GetHeapProfiler()->GetAllocationProfile());
  if (p) {
    Walk(s, p->GetRootNode(), -1, true);
    if (inuse) inuse->assign(s->alloc.size(), 0.0);
    s->liveSamples = p->GetSamples().size();
    uint64_t top = s->cutId;
    for (const auto& sm : p->GetSamples()) {
      if (sm.sample_id > top) top = sm.sample_id;
      auto it = s->nodeStack.find(sm.node_id);
      if (it == s->nodeStack.end() || it->second < 0) continue;
      size_t k = size_t(it->second) * 2;
      double objects = Scale(s, double(sm.size));
      if (collect && sm.sample_id > s->cutId) {
        s->alloc[k] += w * objects;
        s->alloc[k + 1] += w * objects * double(sm.size);
        s->weight += w;
        s->probedSamples++;
      }
      if (inuse) {
        (*inuse)[k] += objects;
        (*inuse)[k + 1] += objects * double(sm.size);
      }
    }
    s->cutId = top;
  }
  int64_t dt = ThreadCpuNs() - t0;
  s->inRead = false;
  s->reads++;
  s->readNsTotal += dt;
  if (dt > s->readNsMax) s->readNsMax = dt;
  s->readNsAvg = s->readNsAvg == 0 ? double(dt) : s->readNsAvg + kEwma * (double(dt) - s->readNsAvg);
  return p != nullptr;
}

// q, the share of intervals to probe: reads within budget of this thread's CPU. In runs of kRun
// intervals a share f of probed intervals costs f * (kRun + 1) / kRun reads per interval.
void UpdateQ(HeapThread* s) {
  if (s->fixedQ > 0) {
    s->q = s->fixedQ;
    return;
  }
  if (s->readNsAvg <= 0 || s->gcIntervalNsAvg <= 0) {
    s->q = 1;
    return;
  }
  double affordable = s->budget * s->gcIntervalNsAvg / s->readNsAvg;  // reads per interval
  s->q = affordable >= 1 ? 1 : std::max(kMinQ, affordable * kRun / (kRun + 1));
}

// Probability of starting a run at an interval outside a run, for a long-run share q of probed
// intervals: runs of kRun after a geometric wait, q = kRun p / (kRun p + 1 - p).
inline double RunStart(double q) {
  return q >= 1 ? 1 : q / (kRun - q * (kRun - 1));
}

void OnGcPrologue(v8::Isolate* isolate, v8::GCType type, v8::GCCallbackFlags, void* data) {
  auto* s = static_cast<HeapThread*>(data);
  if (!s->running) return;
  // Samples are removed by the collections proper, not by the start of incremental marking
  // or the second pass of weak callbacks.
  if (type & (v8::kGCTypeIncrementalMarking | v8::kGCTypeProcessWeakCallbacks)) return;
  s->gcs++;
  s->intervals++;
  if (s->inRead) {
    // A GC inside our own read: the open interval may lose samples; leave it out.
    s->nestedGcs++;
    s->probeCur = false;
    s->cutFresh = false;
    s->runLeft = 0;
    return;
  }
  int64_t now = ThreadCpuNs();
  if (s->lastGcCpuNs != 0) {
    double d = double(now - s->lastGcCpuNs);
    s->gcIntervalNsAvg = s->gcIntervalNsAvg == 0 ? d : s->gcIntervalNsAvg + kEwma * (d - s->gcIntervalNsAvg);
  }
  s->lastGcCpuNs = now;
  UpdateQ(s);
  // The next interval is probed if the current run goes on, or a new run starts now. Either
  // way the decision is taken before any of its allocations happen.
  bool probeNext;
  if (s->runLeft > 1) {
    s->runLeft--;
    probeNext = true;
  } else if (s->q >= 1 || std::uniform_real_distribution<double>(0, 1)(s->rng) < RunStart(s->q)) {
    s->runLeft = kRun;
    probeNext = true;
  } else {
    s->runLeft = 0;
    probeNext = false;
  }
  bool collect = s->probeCur && s->cutFresh;
  if (s->probeCur || probeNext) {
    v8::HandleScope scope(isolate);
    Read(s, collect, 1.0 / s->qCur, nullptr);
    if (collect) s->probedIntervals++;
    s->cutFresh = true;
  } else {
    s->cutFresh = false;
  }
  s->probeCur = probeNext;
  s->qCur = s->q;
}

// Approximate bytes of this period's tables (what hotpath itself keeps; cleared every period).
size_t TableBytes(const HeapThread* s) {
  size_t n = s->frames.capacity() * 4 + s->stacks.capacity() * 4 + s->alloc.capacity() * 8;
  for (const auto& str : s->strings) n += str.capacity() + 32;
  n += (s->stringIndex.size() + s->frameIndex.size()) * 64 + (s->stackIndex.size() + s->nodeStack.size()) * 32;
  return n;
}

void ClearPeriod(HeapThread* s) {
  s->strings.clear();
  s->stringIndex.clear();
  s->frames.clear();
  s->frameIndex.clear();
  s->stacks.clear();
  s->stackIndex.clear();
  s->nodeStack.clear();
  s->alloc.clear();
  s->weight = 0;
  s->probedSamples = 0;
  s->gcs = s->reads = s->probedIntervals = s->intervals = s->nestedGcs = s->restarts = 0;
  s->readNsTotal = s->readNsMax = 0;
  // Release the tables' memory too (a burst period must not pin its peak).
  std::vector<std::string>().swap(s->strings);
  std::unordered_map<std::string, int32_t>().swap(s->stringIndex);
  std::unordered_map<std::string, int32_t>().swap(s->frameIndex);
  std::unordered_map<uint64_t, int32_t>().swap(s->stackIndex);
  std::unordered_map<uint32_t, int32_t>().swap(s->nodeStack);
  std::vector<int32_t>().swap(s->frames);
  std::vector<int32_t>().swap(s->stacks);
  std::vector<double>().swap(s->alloc);
}

size_t OnNearHeapLimit(void* data, size_t current, size_t initial);

void RemoveNearLimit(HeapThread* s) {
  if (!s->nearLimitInstalled) return;
  s->nearLimitInstalled = false;
  // Restores the limit V8 started with (or the heap's current size if that is larger): from
  // here the process runs out of memory exactly as it would have without hotpath.
  s->isolate->RemoveNearHeapLimitCallback(OnNearHeapLimit, s->nearLimitCalls > 0 ? s->initialLimit : 0);
  s->nearLimitFn.Reset();
  s->nearLimitContext.Reset();
}

void OnNearLimitInterrupt(v8::Isolate* isolate, void* data) {
  auto* s = static_cast<HeapThread*>(data);
  if (tHeap != s || !s->nearLimitInstalled || s->nearLimitFn.IsEmpty()) return;
  {
    v8::HandleScope scope(isolate);
    v8::Local<v8::Context> context = s->nearLimitContext.Get(isolate);
    v8::Context::Scope context_scope(context);
    v8::TryCatch tc(isolate);
    v8::Local<v8::Function> fn = s->nearLimitFn.Get(isolate);
    v8::MaybeLocal<v8::Value> result = fn->Call(context, v8::Undefined(isolate), 0, nullptr);
    (void)result;
  }
  RemoveNearLimit(s);
}

size_t OnNearHeapLimit(void* data, size_t current, size_t initial) {
  auto* s = static_cast<HeapThread*>(data);
  s->nearLimitCalls++;
  if (s->nearLimitCalls == 1) {
    s->initialLimit = initial;
    s->isolate->RequestInterrupt(OnNearLimitInterrupt, s);
  }
  // A few raises leave room to write the profile; past them, fail as V8 would have.
  if (s->nearLimitCalls > 4) return current;
  return current + s->nearLimitExtra;
}

void Dispose(HeapThread* s) {
  if (s->running) {
    s->running = false;
    s->isolate->GetHeapProfiler()->StopSamplingHeapProfiler();
    s->isolate->RemoveGCPrologueCallback(OnGcPrologue, s);
  }
  RemoveNearLimit(s);
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    Registry().erase(s->threadId);
  }
  if (tHeap == s) tHeap = nullptr;
  delete s;
}

void KeepLeftBatch(HeapThread* s);

void CleanupHook(void* data) {
  // The worker (or the main environment) is going away without its JS having handed off its
  // last period (terminate(), or an exit with the heap profiler running): keep that period
  // for the owner, then stop V8's profiler while its isolate is still alive, drop the
  // callbacks, free the state.
  auto* s = static_cast<HeapThread*>(data);
  if (s->running && s->threadId != 0) KeepLeftBatch(s);
  Dispose(s);
}

// heapInit(threadId, threadName, intervalBytes, stackDepth, budget, fixedQ, seed): starts V8's
// sampling heap profiler on this thread. Throws if it cannot start (already started here, or
// V8's profiler is in use by someone else, e.g. the inspector).
Napi::Value JsHeapInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (tHeap) return Fail(env, "hotpath: the heap profiler is already running on this thread");
  auto* s = new HeapThread();
  s->isolate = v8::Isolate::GetCurrent();
  s->env = env;
  s->threadId = info[0].As<Napi::Number>().Int32Value();
  s->threadName = info[1].As<Napi::String>().Utf8Value();
  s->osThreadId = int32_t(syscall(SYS_gettid));
  s->interval = info[2].As<Napi::Number>().DoubleValue();
  s->stackDepth = info[3].As<Napi::Number>().Int32Value();
  s->budget = info[4].As<Napi::Number>().DoubleValue();
  s->fixedQ = info[5].As<Napi::Number>().DoubleValue();
  s->rng.seed(uint64_t(info[6].As<Napi::Number>().DoubleValue()) ^ uint64_t(NowNs()));
  if (s->fixedQ > 0) s->q = s->qCur = s->fixedQ;
  bool ok = s->isolate->GetHeapProfiler()->StartSamplingHeapProfiler(
      uint64_t(s->interval), s->stackDepth, v8::HeapProfiler::kSamplingNoFlags);
  if (!ok) {
    delete s;
    return Fail(env, "hotpath: V8's sampling heap profiler is already in use on this thread (the inspector?)");
  }
  s->running = true;
  s->isolate->AddGCPrologueCallback(OnGcPrologue, s, v8::kGCTypeAll);
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    Registry().insert(s->threadId);
  }
  tHeap = s;
  napi_add_env_cleanup_hook(env, CleanupHook, s);
  return env.Undefined();
}

// One thread's period as plain tables, made on that thread and turned into JS on any thread.
struct HeapBatchData {
  int32_t threadId = 0;
  std::string threadName;
  int32_t osThreadId = 0;
  double interval = 0;
  std::vector<std::string> strings;
  std::vector<int32_t> frames;
  std::vector<int32_t> stacks;
  std::vector<double> values;  // per stack: alloc objects, alloc bytes, inuse objects, inuse bytes
  double externalBytes = 0;
  double samples = 0;  // V8's samples in the period (the advance of its id counter)
  std::vector<std::pair<const char*, double>> stats;  // HeapBatchStats (src/transport/heap-batch.ts)
};

// The period so far (reset: the next one starts). alive false: the thread's heap is going
// away with it, so nothing of the period is in use any more (inuse 0).
HeapBatchData TakeBatch(HeapThread* s, bool reset, bool alive) {
  std::vector<double> inuse;
  {
    v8::HandleScope scope(s->isolate);
    bool collect = s->probeCur && s->cutFresh;
    if (!Read(s, collect, 1.0 / s->qCur, &inuse)) {
      // Someone stopped V8's profiler (the inspector's HeapProfiler.stopSampling stops the one
      // profiler of the isolate, ours): start it again. Its sample ids start again at 0.
      if (alive && s->isolate->GetHeapProfiler()->StartSamplingHeapProfiler(
              uint64_t(s->interval), s->stackDepth, v8::HeapProfiler::kSamplingNoFlags)) {
        s->restarts++;
        s->cutId = s->periodStartId = 0;
        s->nodeStack.clear();
      }
    }
    s->cutFresh = true;
  }
  inuse.resize(s->alloc.size(), 0.0);
  uint64_t total = s->cutId - s->periodStartId;
  double factor = s->weight > 0 ? double(total) / s->weight : 0;
  HeapBatchData d;
  d.threadId = s->threadId;
  d.threadName = s->threadName;
  d.osThreadId = s->osThreadId;
  d.interval = s->interval;
  d.strings = s->strings;
  d.frames = s->frames;
  d.stacks = s->stacks;
  size_t nStacks = s->stacks.size() / 2;
  d.values.resize(nStacks * 4);
  for (size_t i = 0; i < nStacks; i++) {
    d.values[i * 4] = s->alloc[i * 2] * factor;
    d.values[i * 4 + 1] = s->alloc[i * 2 + 1] * factor;
    d.values[i * 4 + 2] = alive ? inuse[i * 2] : 0;
    d.values[i * 4 + 3] = alive ? inuse[i * 2 + 1] : 0;
  }
  if (alive) {
    v8::HeapStatistics hs;
    s->isolate->GetHeapStatistics(&hs);
    d.externalBytes = double(hs.external_memory());
  }
  d.samples = double(total);
  d.stats = {
      {"samples", d.samples}, {"probedSamples", double(s->probedSamples)}, {"weight", s->weight},
      {"gcs", double(s->gcs)}, {"probedIntervals", double(s->probedIntervals)}, {"nestedGcs", double(s->nestedGcs)},
      {"reads", double(s->reads)}, {"readNs", double(s->readNsTotal)}, {"maxReadNs", double(s->readNsMax)},
      {"q", s->q}, {"restarts", double(s->restarts)}, {"liveSamples", double(s->liveSamples)},
      {"tableBytes", double(TableBytes(s))},
  };
  if (reset) {
    ClearPeriod(s);
    s->periodStartId = s->cutId;
  }
  return d;
}

Napi::Object ToJs(Napi::Env env, const HeapBatchData& d) {
  Napi::Object b = Napi::Object::New(env);
  b.Set("threadId", d.threadId);
  b.Set("threadName", d.threadName);
  b.Set("osThreadId", d.osThreadId);
  b.Set("intervalBytes", d.interval);
  Napi::Array strings = Napi::Array::New(env, d.strings.size());
  for (size_t i = 0; i < d.strings.size(); i++) strings.Set(uint32_t(i), Napi::String::New(env, d.strings[i]));
  b.Set("strings", strings);
  Napi::Int32Array frames = Napi::Int32Array::New(env, d.frames.size());
  std::copy(d.frames.begin(), d.frames.end(), frames.Data());
  b.Set("frames", frames);
  Napi::Int32Array stacks = Napi::Int32Array::New(env, d.stacks.size());
  std::copy(d.stacks.begin(), d.stacks.end(), stacks.Data());
  b.Set("stacks", stacks);
  Napi::Float64Array values = Napi::Float64Array::New(env, d.values.size());
  std::copy(d.values.begin(), d.values.end(), values.Data());
  b.Set("values", values);
  b.Set("externalBytes", d.externalBytes);
  Napi::Object st = Napi::Object::New(env);
  for (const auto& [name, value] : d.stats) st.Set(name, value);
  b.Set("stats", st);
  return b;
}

// The last periods of threads that ended without handing them off (a worker ended by
// terminate(): its JS never ran again), until the owner takes them. Bounded: a churn of
// workers nobody collects must not grow memory without end.
constexpr size_t kMaxLeftBatches = 256;
std::mutex& LeftMutex() {
  static std::mutex* m = new std::mutex();
  return *m;
}
std::vector<HeapBatchData>& LeftBatches() {
  static auto* v = new std::vector<HeapBatchData>();
  return *v;
}
uint64_t& LeftDropped() {
  static uint64_t n = 0;
  return n;
}

void KeepLeftBatch(HeapThread* s) {
  HeapBatchData d = TakeBatch(s, true, false);
  if (d.samples == 0) return;
  std::lock_guard<std::mutex> lock(LeftMutex());
  if (LeftBatches().size() >= kMaxLeftBatches) {
    LeftDropped()++;
    return;
  }
  LeftBatches().push_back(std::move(d));
}

// heapRotate(reset): the period's data as tables; reset starts the next period.
Napi::Value JsHeapRotate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HeapThread* s = tHeap;
  if (!s || !s->running) return env.Undefined();
  return ToJs(env, TakeBatch(s, info[0].ToBoolean().Value(), true));
}

// heapTakeLeft(): the batches threads left when they ended without handing them off, and how
// many were dropped past the bound: { batches, dropped }.
Napi::Value JsHeapTakeLeft(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<HeapBatchData> left;
  uint64_t dropped;
  {
    std::lock_guard<std::mutex> lock(LeftMutex());
    left.swap(LeftBatches());
    dropped = LeftDropped();
    LeftDropped() = 0;
  }
  Napi::Array a = Napi::Array::New(env, left.size());
  for (size_t i = 0; i < left.size(); i++) a.Set(uint32_t(i), ToJs(env, left[i]));
  Napi::Object r = Napi::Object::New(env);
  r.Set("batches", a);
  r.Set("dropped", double(dropped));
  return r;
}

// heapDispose(): stops this thread's heap profiler.
Napi::Value JsHeapDispose(const Napi::CallbackInfo& info) {
  HeapThread* s = tHeap;
  if (s) {
    napi_remove_env_cleanup_hook(info.Env(), CleanupHook, s);
    Dispose(s);
  }
  return info.Env().Undefined();
}

// heapThreads(): thread ids of the threads running the heap profiler.
Napi::Value JsHeapThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int32_t> ids;
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    ids.assign(Registry().begin(), Registry().end());
  }
  Napi::Array a = Napi::Array::New(env, ids.size());
  for (size_t i = 0; i < ids.size(); i++) a.Set(uint32_t(i), ids[i]);
  return a;
}

// heapNearLimit(handler, extraBytes): near the heap limit, raise it by extraBytes and call
// handler() from an interrupt, once; then restore the limit.
Napi::Value JsHeapNearLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HeapThread* s = tHeap;
  if (!s || !s->running) return Fail(env, "hotpath: the heap profiler is not running on this thread");
  if (s->nearLimitInstalled) return env.Undefined();
  napi_value fn = info[0];
  v8::Local<v8::Value> value;
  static_assert(sizeof(v8::Local<v8::Value>) == sizeof(napi_value), "napi_value is a Local");
  memcpy(static_cast<void*>(&value), &fn, sizeof(fn));
  if (!value->IsFunction()) return Fail(env, "hotpath: heapNearLimit needs a function");
  s->nearLimitFn.Reset(s->isolate, value.As<v8::Function>());
  s->nearLimitContext.Reset(s->isolate, s->isolate->GetCurrentContext());
  s->nearLimitExtra = size_t(info[1].As<Napi::Number>().DoubleValue());
  s->nearLimitCalls = 0;
  s->nearLimitInstalled = true;
  s->isolate->AddNearHeapLimitCallback(OnNearHeapLimit, s);
  return env.Undefined();
}

}  // namespace

void InitHeapProfiler(Napi::Env env, Napi::Object exports) {
  exports.Set("heapInit", Napi::Function::New(env, JsHeapInit, "heapInit"));
  exports.Set("heapRotate", Napi::Function::New(env, JsHeapRotate, "heapRotate"));
  exports.Set("heapTakeLeft", Napi::Function::New(env, JsHeapTakeLeft, "heapTakeLeft"));
  exports.Set("heapDispose", Napi::Function::New(env, JsHeapDispose, "heapDispose"));
  exports.Set("heapThreads", Napi::Function::New(env, JsHeapThreads, "heapThreads"));
  exports.Set("heapNearLimit", Napi::Function::New(env, JsHeapNearLimit, "heapNearLimit"));
}

}  // namespace hotpath
