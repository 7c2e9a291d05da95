// hotpath's own time sampler (no V8 CpuProfiler): per JS thread, two POSIX timers (the wall
// clock and the thread's CPU clock) send a real-time signal straight to that thread; the
// handler takes the stack with Isolate::GetStackSample and writes one raw record into the
// thread's preallocated rings. A native drain thread (`hotpath-sampler`) empties the rings
// every 100 ms (less often while every ring stays empty) and symbolizes the records against
// the code map (code_map.h) into the thread's stack store, off the signal path and off the
// profiled thread. The owner thread takes every store at each period end (time_profiler.cc).
//
// Lifetimes: a ThreadSampler is native memory that outlives its isolate. The thread's
// environment cleanup hook disarms and deletes its timers, drains its rings and marks it
// ended; the owner thread takes ended threads' stores at its next period end (TakeEnded) and
// frees them, so a worker ended by terminate() still hands off everything it sampled.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <v8.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "stack_store.h"

namespace hotpath {

// Bits of ThreadSampler::flags, set on the JS thread, read by the signal handler.
enum ThreadFlag : uint32_t {
  // Waiting for I/O: from uv_prepare (before poll) to the first call into JS or uv_check.
  kFlagLoopIdle = 1u << 0,
  kFlagInGc = 1u << 2,  // between GC prologue and epilogue
};

// V8's own limit for a stack sample (TickSample::kMaxFramesCount).
constexpr int kMaxFrames = 255;
// A store nobody takes (a worker profiled in a process whose owner stopped) keeps at most this
// many samples; later ones are counted as dropped.
constexpr size_t kMaxStoredSamples = 1 << 18;
constexpr uint32_t kHeaderRing = 512;    // records per thread between two drains (2.5 s at 100 Hz)
constexpr uint32_t kFrameRing = 16384;  // frames per thread between two drains

// One event-loop turn that kept the thread busy for at least the block threshold.
struct BlockRecord {
  uint32_t turn;       // the turn's number (the `turn` of the samples taken during it)
  int64_t endNs;       // CLOCK_MONOTONIC ns at the turn's end (the next uv_prepare)
  int64_t busyNs;      // the turn's length less its wait for I/O
  int64_t runDelayNs;  // time the thread was runnable but not running during the turn
};

// The trace-context slot (src/collect/trace-context.ts) is an Int32Array of 1 + 2 * kTraceInts:
// element 0 says which of the two buffers after it is current. The JS thread fills the other
// one and then flips element 0, so the handler, which interrupts that same thread, never sees
// a buffer half written.
constexpr int kTraceSlotInts = 1 + 2 * kTraceInts;

// One signal's record, written by the handler.
struct RawSample {
  uint64_t frameStart;  // index of the first frame in the thread's frame ring
  uint64_t codeSeq;     // the code map's sequence number when the sample was taken
  int64_t t;            // CLOCK_MONOTONIC ns
  uintptr_t pc, tos, externalCallback;
  uint32_t weight;      // 1 + the timer's overrun count
  int32_t label;        // the thread's label slot
  uint32_t trace[kTraceInts];  // the thread's trace context (kTraceInts), zero for none
  uint32_t turn;        // the thread's event-loop turn
  int64_t spanNs;       // the time on the timer's clock since its previous sample
  uint16_t frameCount;
  uint8_t clock;        // SampleClock
  uint8_t vmState;      // v8::StateTag
  uint8_t flags;        // ThreadFlag bits
};

struct ThreadSampler {
  // Identity (set before the timers are armed, never changed).
  v8::Isolate* isolate = nullptr;
  pid_t osThreadId = 0;
  int32_t threadId = 0;
  std::string threadName;
  int slot = -1;

  // Read by the handler.
  std::atomic<bool> armed{false};
  int wallTimer = -1, cpuTimer = -1;    // kernel timer ids, -1 when none
  // The CPU clock's samples come from its perf event (cpu_clock_event.h) when the kernel lets
  // the thread open one, else from cpuTimer: cpuClockError is then why (an errno).
  int cpuEventFd = -1;
  int cpuClockError = 0;
  std::atomic<int64_t> intervalNs{10000000};
  uint64_t rng = 0x9e3779b97f4a7c15ull;  // the handler's jitter (xorshift), this thread only
  // Each timer's next expiry, absolute on its clock: a late delivery (the kernel checks CPU
  // timers at its tick) does not push the ones after it back. A sample stands for the span of
  // its clock from the previous one's expiries to its own (jitter and overruns included), so
  // a thread's samples add up to its elapsed wall and CPU time exactly. (With the CPU perf
  // event, cpuNextNs is the thread's CPU clock read at each of its signals instead.)
  int64_t wallNextNs = 0, cpuNextNs = 0;
  int64_t wallCoveredNs = 0, cpuCoveredNs = 0;
  std::atomic<uint32_t> flags{0};
  std::atomic<uint32_t> loopTurn{1};
  int32_t* labelSlot = nullptr;          // element 0 of an Int32Array the JS side owns
  int32_t* traceSlot = nullptr;          // kTraceSlotInts elements of an Int32Array the JS side owns
  v8::RegisterState regs;
  void* scratch[kMaxFrames];

  // Idle without signals: a wall signal that finds the thread waiting in its event loop
  // stops the wall timer ("parks" it); the first call into JS re-arms it and books the
  // parked time as idle wall time.
  volatile sig_atomic_t parked = 0;
  std::atomic<int64_t> parkedIdleNs{0};

  // Rings: single producer (the handler), single consumer (whoever holds storeLock).
  std::unique_ptr<RawSample[]> headers{new RawSample[kHeaderRing]};
  std::unique_ptr<uintptr_t[]> frames{new uintptr_t[kFrameRing]};
  std::atomic<uint64_t> headerHead{0}, headerTail{0}, frameHead{0}, frameTail{0};

  // Counters (the handler's, read at period ends).
  std::atomic<uint64_t> signals{0}, droppedSamples{0}, droppedWeight{0};
  // CPU event samples that came by SIGIO: the kernel could not queue the event's signal
  // (sampler.cc OnSigio).
  std::atomic<uint64_t> cpuSigioSamples{0};
  std::atomic<int64_t> handlerNs{0};

  // Run-queue delay for the event-loop kind, read by the drain thread from
  // /proc/self/task/<tid>/schedstat (-1: not asked for).
  int schedstatFd = -1;
  std::atomic<int64_t> runDelayNs{0};
  std::atomic<int64_t> runDelayReadAtNs{0};  // CLOCK_MONOTONIC of that reading

  // The consumer side, under storeLock: the drain thread, the thread itself (its turn hooks),
  // and the owner thread that takes every thread's store at each period end.
  std::mutex storeLock;
  StackStore store;
  std::vector<BlockRecord> blocks;  // turns busy past the block threshold, since the last take
  uint64_t blocksDropped = 0;
  int64_t periodStartNs = 0;
  uint64_t periodStartSignals = 0, periodStartDroppedWeight = 0;
  int64_t periodStartHandlerNs = 0;
  uint64_t storeFullDropped = 0;  // samples past kMaxStoredSamples
  bool ended = false;  // its thread is gone or going: no more samples (under the registry lock)

  // Only the owner thread builds batches: the thread's strings live with it.
  StringTable strings;
};

// Installs the sampling signal's handler if not yet done; false (with a reason) when no
// real-time signal is free.
bool EnsureSamplingSignal(std::string* error);
// Puts hotpath's handler back in front if another was installed over it (that one then gets the
// signals that are not hotpath's timers'); false when that happened.
bool ReclaimSamplingSignal();
int SamplingSignal();
// Time spent in the sampling handler on all threads since the process started.
int64_t HandlerNsTotal();

// Creates the thread's timers and arms them; registers s. Call on s's own thread.
bool StartSampling(ThreadSampler* s, std::string* error);
// On s's own thread: disarms and deletes the timers, drains the rings and unregisters s.
// handOff: s goes to the ended list for the owner to take (every thread but the owner itself),
// and the caller must not touch it again (the owner may free it at once); otherwise the caller
// deletes s.
void EndSampling(ThreadSampler* s, bool handOff);
// Re-arms the wall timer after it was parked (on s's own thread, from the idle-end hook).
void UnparkWallTimer(ThreadSampler* s, int64_t nowNs);

// Moves s's raw records into its store (caller holds s->storeLock).
void DrainRing(ThreadSampler* s);
// Ended threads, unregistered; the caller owns and deletes them.
std::vector<ThreadSampler*> TakeEnded();
// One thread's period, taken out of its sampler (everything sampled up to now).
struct TakenPeriod {
  ThreadSampler* sampler;  // stays alive until the caller's next TakeEnded: only it frees samplers
  StackStore store;
  std::vector<BlockRecord> blocks;
  uint64_t blocksDropped, signals, droppedWeight, storeFullDropped, cpuSigioSamples;
  int64_t handlerNs, startNs, endNs;
  bool ended;
};
// Takes s's period (drains its rings first).
TakenPeriod TakePeriod(ThreadSampler* s);
// The periods of every live thread but `self`.
std::vector<TakenPeriod> TakeLive(ThreadSampler* self);
std::vector<int32_t> LiveThreadIds();
// The drain thread also reads each thread's run-queue delay (schedstatFd) every `micros`
// while some thread asks for it (the event-loop kind); otherwise every 100 ms, or less often
// while every ring stays empty.
void SetRunDelayInterval(int micros);

int64_t MonotonicNs();
int64_t ThreadCpuNs();
// The run-queue delay (ns) in a /proc/self/task/<tid>/schedstat file open as fd; -1 if unreadable.
int64_t ReadRunDelayNs(int fd);

}  // namespace hotpath
