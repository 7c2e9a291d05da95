#include "thread_registry.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <cstdlib>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <thread>

namespace hotpath {

namespace {

constexpr int kMaxThreads = 1024;

// Lock-free lookup for the signal handler: a slot's pthread is published after its state.
std::atomic<ThreadState*> gSlotState[kMaxThreads];
std::atomic<pthread_t> gSlotThread[kMaxThreads];

// Everything the sampler thread touches lives in one object that is never destroyed: at
// process exit static destructors run while the sampler thread may still be running (no
// cleanup hook stops it on process.exit()), and a destroyed mutex, vector or std::thread there
// crashes or aborts the process.
struct Globals {
  std::mutex registryLock;
  std::vector<ThreadState*> threads;  // guarded by registryLock
  std::thread* sampler = nullptr;
  std::mutex samplerLock;  // guards samplerRun/samplerInterval; taken before registryLock
  std::condition_variable samplerWake;
  bool samplerRun = false;
  int samplerIntervalMicros = 10000;
  std::mutex chainLock;
};
Globals& G() {
  static Globals* g = new Globals();
  return *g;
}

// The handler that ran before ours (V8's). Plain data: read by the signal handler.
struct sigaction gChained;
std::atomic<bool> gChainedValid{false};

void OnSigprof(int sig, siginfo_t* info, void* context) {
  int savedErrno = errno;
  pthread_t self = pthread_self();
  for (int i = 0; i < kMaxThreads; i++) {
    if (pthread_equal(gSlotThread[i].load(std::memory_order_acquire), self)) {
      ThreadState* s = gSlotState[i].load(std::memory_order_acquire);
      if (s == nullptr || s->ring == nullptr) break;
      struct timespec ts;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      int64_t cpu = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      int64_t t = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
      uint64_t h = s->head.load(std::memory_order_relaxed);
      SignalRecord& r = s->ring[h & s->ringMask];
      r.t = t;
      r.cpu = cpu;
      r.label = s->labelSlot ? __atomic_load_n(s->labelSlot, __ATOMIC_RELAXED) : 0;
      r.flags = s->flags.load(std::memory_order_relaxed);
      r.turn = s->loopTurn.load(std::memory_order_relaxed);
      std::atomic_signal_fence(std::memory_order_release);
      s->head.store(h + 1, std::memory_order_release);
      s->signals.fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  errno = savedErrno;
  if (gChainedValid.load(std::memory_order_acquire)) {
    if (gChained.sa_flags & SA_SIGINFO) {
      if (gChained.sa_sigaction) gChained.sa_sigaction(sig, info, context);
    } else if (gChained.sa_handler != SIG_DFL && gChained.sa_handler != SIG_IGN && gChained.sa_handler) {
      gChained.sa_handler(sig);
    }
  }
  errno = savedErrno;
}

void SamplerMain() {
  // Named so that the profiler's own CPU can be measured from /proc (src/own-cpu.ts).
  pthread_setname_np(pthread_self(), "hotpath-sampler");
  Globals& g = G();
  std::unique_lock<std::mutex> lk(g.samplerLock);
  auto next = std::chrono::steady_clock::now();
  bool readsRunDelay = false;
  while (g.samplerRun) {
    // Each tick wakes this thread and reads other threads' CPU clocks (~20 us in all, measured
    // on a VM): at 100 Hz that is 0.2% of a core, paid only when run-queue delays are needed.
    next += std::chrono::microseconds(g.samplerIntervalMicros * (readsRunDelay ? 1 : 10));
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // fell behind (machine overloaded): do not burst
    g.samplerWake.wait_until(lk, next, [&g] { return !g.samplerRun; });
    if (!g.samplerRun) break;
    std::lock_guard<std::mutex> reg(g.registryLock);
    readsRunDelay = false;
    for (ThreadState* s : g.threads) {
      if (s->schedstatFd >= 0) readsRunDelay = true;
      struct timespec ts;
      if (clock_gettime(s->cpuClock, &ts) == 0) {
        s->samplerCpu.store(int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec, std::memory_order_relaxed);
      }
      int64_t delay = ReadRunDelayNs(s->schedstatFd);
      if (delay >= 0) {
        s->runDelayNs.store(delay, std::memory_order_relaxed);
        s->runDelayReadAtNs.store(MonotonicNs(), std::memory_order_relaxed);
      }
      uint32_t f = s->flags.load(std::memory_order_relaxed);
      s->samplerTicks.fetch_add(1, std::memory_order_relaxed);
      if (f & kFlagInGc) {
        s->samplerGc.fetch_add(1, std::memory_order_relaxed);
      } else if (f & kFlagLoopIdle) {
        s->samplerIdle.fetch_add(1, std::memory_order_relaxed);
      } else {
        s->samplerJs.fetch_add(1, std::memory_order_relaxed);  // busy: JS or native work
      }
    }
  }
}

}  // namespace

std::mutex& RegistryLock() { return G().registryLock; }

int64_t ReadRunDelayNs(int fd) {
  if (fd < 0) return -1;
  // "<on-cpu ns> <run-queue wait ns> <timeslices>\n"
  char buf[96];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = 0;
  char* end = nullptr;
  strtoull(buf, &end, 10);
  if (!end || *end != ' ') return -1;
  return int64_t(strtoull(end + 1, nullptr, 10));
}

bool RegisterThread(ThreadState* s, int samplerIntervalMicros) {
  Globals& g = G();
  std::lock_guard<std::mutex> sl(g.samplerLock);
  {
    std::lock_guard<std::mutex> lk(g.registryLock);
    int slot = -1;
    for (int i = 0; i < kMaxThreads; i++) {
      if (gSlotState[i].load(std::memory_order_relaxed) == nullptr) {
        slot = i;
        break;
      }
    }
    if (slot < 0) return false;
    gSlotState[slot].store(s, std::memory_order_release);
    gSlotThread[slot].store(s->pthread, std::memory_order_release);
    g.threads.push_back(s);
  }
  if (!g.samplerRun) {
    g.samplerRun = true;
    g.samplerIntervalMicros = std::max(100, samplerIntervalMicros);
    g.sampler = new std::thread(SamplerMain);
  } else if (samplerIntervalMicros < g.samplerIntervalMicros) {
    g.samplerIntervalMicros = std::max(100, samplerIntervalMicros);
  }
  return true;
}

void SetSamplerInterval(int micros) {
  Globals& g = G();
  std::lock_guard<std::mutex> lk(g.samplerLock);
  g.samplerIntervalMicros = std::max(100, micros);
}

void UnregisterThread(ThreadState* s) {
  Globals& g = G();
  std::thread* toJoin = nullptr;
  {
    std::lock_guard<std::mutex> sl(g.samplerLock);
    {
      std::lock_guard<std::mutex> lk(g.registryLock);
      for (int i = 0; i < kMaxThreads; i++) {
        if (gSlotState[i].load(std::memory_order_relaxed) == s) {
          gSlotThread[i].store(pthread_t{}, std::memory_order_release);
          gSlotState[i].store(nullptr, std::memory_order_release);
        }
      }
      g.threads.erase(std::remove(g.threads.begin(), g.threads.end(), s), g.threads.end());
      if (g.threads.empty() && g.samplerRun) {
        g.samplerRun = false;
        toJoin = g.sampler;
        g.sampler = nullptr;
      }
    }
    g.samplerWake.notify_all();
  }
  if (toJoin) {
    toJoin->join();
    delete toJoin;
  }
}

std::vector<int32_t> RegisteredThreadIds() {
  Globals& g = G();
  std::lock_guard<std::mutex> lk(g.registryLock);
  std::vector<int32_t> ids;
  for (ThreadState* s : g.threads) ids.push_back(s->threadId);
  return ids;
}

void EnsureSignalChain() {
  std::lock_guard<std::mutex> lk(G().chainLock);
  struct sigaction current;
  if (sigaction(SIGPROF, nullptr, &current) != 0) return;
  bool ours = (current.sa_flags & SA_SIGINFO) && current.sa_sigaction == OnSigprof;
  if (ours) return;
  // Whatever is there now (V8's handler) becomes the one we call after recording.
  gChainedValid.store(false, std::memory_order_release);
  gChained = current;
  gChainedValid.store(true, std::memory_order_release);
  struct sigaction mine;
  memset(&mine, 0, sizeof(mine));
  mine.sa_sigaction = OnSigprof;
  sigemptyset(&mine.sa_mask);
  mine.sa_flags = SA_RESTART | SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGPROF, &mine, nullptr);
}

int64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t ThreadCpuNs() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace hotpath
