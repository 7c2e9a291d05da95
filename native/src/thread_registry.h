// The process-wide registry of profiled JS threads, the SIGPROF hook that stamps each V8 sample
// with its thread's clocks, and the one native sampler thread.
//
// Lifetimes (RESEARCH.md, "Crashes met"): a ThreadState is registered by its own JS thread and
// unregistered by that thread's environment cleanup hook under the same registry lock the sampler
// thread holds while it reads the registry, so the sampler never touches a thread being torn down.
// The signal handler takes no lock: it only ever looks up the slot of the thread it interrupts,
// and that thread is the only one that can remove its own slot.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <time.h>
#include <node_api.h>
#include <uv.h>
#include <v8-profiler.h>
#include <v8.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace hotpath {

// Bits of ThreadState::flags, set on the JS thread, read by the signal handler and the sampler.
enum ThreadFlag : uint32_t {
  // Waiting for I/O: from uv_prepare (before poll) to the first call into JS or uv_check.
  kFlagLoopIdle = 1u << 0,
  // (1u << 1 was "in JS", set by a CallCompleted callback: V8 copies its callback list on
  // every outermost call's completion, which cost an HTTP server ~5% CPU per request.)
  kFlagInGc = 1u << 2,      // between GC prologue and epilogue
};

// One SIGPROF delivery to a registered thread, written by the signal handler.
struct SignalRecord {
  int64_t t;      // CLOCK_MONOTONIC ns, read just before V8's handler stamps its sample
  int64_t cpu;    // the thread's CPU clock, ns
  int32_t label;  // the thread's label slot at that moment
  uint32_t flags; // ThreadFlag bits at that moment
  uint32_t turn;  // the thread's event-loop turn at that moment (ThreadState::loopTurn)
};

// One event-loop turn that kept the thread busy for at least the block threshold, written by
// the uv_prepare hook on the thread itself and read at rotation on the same thread.
struct BlockRecord {
  uint32_t turn;   // the turn's number (the `turn` of the signal records taken during it)
  int64_t endNs;   // CLOCK_MONOTONIC ns at the turn's end (the next uv_prepare)
  int64_t busyNs;  // the turn's length less its wait for I/O
  int64_t runDelayNs;  // time the thread was runnable but not running during the turn
};

struct ThreadState {
  // Identity.
  v8::Isolate* isolate = nullptr;
  uv_loop_t* loop = nullptr;
  pthread_t pthread{};
  pid_t osThreadId = 0;
  clockid_t cpuClock{};
  int32_t threadId = 0;
  std::string threadName;

  // Shared with JS: the label slot is element 0 of an Int32Array the JS side owns.
  int32_t* labelSlot = nullptr;
  napi_env env = nullptr;
  napi_ref labelSlotRef = nullptr;

  std::atomic<uint32_t> flags{0};

  // Signal records: single producer (the handler, on this thread), single consumer (rotate, on
  // this thread too), so a head counter published after the write is enough.
  SignalRecord* ring = nullptr;
  uint32_t ringMask = 0;
  std::atomic<uint64_t> head{0};
  uint64_t tail = 0;
  std::atomic<uint64_t> signals{0};

  // V8 profiler.
  v8::CpuProfiler* profiler = nullptr;
  v8::ProfilerId profileId = 0;
  bool profiling = false;
  int intervalMicros = 10000;
  // The interval in use now: intervalMicros, or longer while the overhead cap holds it back.
  int effectiveIntervalMicros = 10000;
  uint32_t experiment = 0;

  // Join state carried across periods.
  int64_t lastT = 0, lastCpu = 0;
  int64_t lastSampleTsUs = INT64_MIN;
  int64_t periodStartNs = 0;
  uint64_t periodStartSignals = 0;

  // Sampler-thread readings (written under the registry lock by the sampler thread).
  std::atomic<uint64_t> samplerTicks{0}, samplerIdle{0}, samplerGc{0}, samplerJs{0};
  std::atomic<int64_t> samplerCpu{0};
  uint64_t periodStartTicks = 0, periodStartIdle = 0, periodStartGc = 0, periodStartJs = 0;
  int64_t periodStartSamplerCpu = 0;

  // Strings interned for this thread; only strings new since the last batch are handed out.
  std::unordered_map<std::string, int32_t> strings;
  std::vector<std::string> newStrings;

  // Event-loop turns: a turn runs from one uv_prepare (just before the loop waits for I/O) to
  // the next. Busy time = the turn's length less its wait: from uv_prepare to the first call
  // into JS or to uv_check, whichever comes first. (Not uv_metrics_idle_time: libuv restarts
  // its idle clock when epoll_wait returns EINTR, so under SIGPROF it loses most of each wait.)
  std::atomic<uint32_t> loopTurn{1};
  int64_t turnStartNs = 0;
  int64_t turnWaitNs = 0;
  bool waiting = false;  // between uv_prepare and the first JS call or uv_check
  // Run-queue delay (the thread runnable, waiting for a CPU): read by the sampler thread each
  // tick from /proc/self/task/<tid>/schedstat, so that a turn stretched by a busy host is not
  // taken for code holding the loop. -1: not available.
  int schedstatFd = -1;
  std::atomic<int64_t> runDelayNs{0};
  std::atomic<int64_t> runDelayReadAtNs{0};  // CLOCK_MONOTONIC of that reading
  int64_t turnStartRunDelayNs = 0;
  int64_t turnStartRunDelayAtNs = 0;
  int64_t blockThresholdNs = 50000000;
  // Turns are timed (a clock read at uv_prepare and at the end of the wait) only once the
  // event-loop kind asked for blocks: the time kind needs just the waiting flag.
  bool timeTurns = false;
  std::vector<BlockRecord> blocks;  // since the last batch; at most kMaxBlocksPerBatch
  uint64_t blocksDropped = 0;

  // Loop-idle detection.
  uv_prepare_t prepare{};
  uv_check_t check{};
  int openHandles = 0;
  bool disposed = false;
};

// The registry lock, shared by registration, cleanup hooks and the sampler thread.
std::mutex& RegistryLock();

// Registers s (caller holds no lock). Returns false when the registry is full.
bool RegisterThread(ThreadState* s, int samplerIntervalMicros);
// Unregisters s (caller holds no lock); stops the sampler thread when none are left.
void UnregisterThread(ThreadState* s);
// Thread ids of the registered threads.
std::vector<int32_t> RegisteredThreadIds();
// Sets the sampler thread's tick interval (the overhead cap lengthens it). The sampler ticks at
// this interval while some thread needs run-queue readings (the event-loop kind), and ten
// times slower otherwise: then it only watches for a V8 sampler that stopped signalling.
void SetSamplerInterval(int micros);

// Puts hotpath's SIGPROF handler in front of whatever handler is installed now (V8's), if it is
// not there already. Call after starting a V8 profile (V8 (re)installs its handler then).
void EnsureSignalChain();

int64_t MonotonicNs();
// The run-queue delay (ns) in a /proc/self/task/<tid>/schedstat file open as fd; -1 if unreadable.
int64_t ReadRunDelayNs(int fd);
int64_t ThreadCpuNs();

}  // namespace hotpath
