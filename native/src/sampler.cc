#include "sampler.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <v8-unwinder.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <thread>

#include "code_map.h"
#include "cpu_clock_event.h"
#include "symbolize.h"

namespace hotpath {

namespace {

// In sigev_value of hotpath's timers: the magic in the upper bits, the clock in the lowest.
constexpr int kTimerMagic = 0x48500000;  // "HP"
constexpr int kTimerMagicMask = ~0xff;

// Initial-exec: one load from the thread pointer, no __tls_get_addr (not signal-safe) in the
// handler.
__attribute__((tls_model("initial-exec"))) thread_local ThreadSampler* tSampler = nullptr;
// This thread opened a CPU perf event (a SIGIO the kernel sends it in its stead is ours).
__attribute__((tls_model("initial-exec"))) thread_local bool tOpenedCpuEvent = false;

// The signal, and the handler signals that are not our timers' go to: the one there before ours
// (SIG_DFL when we took the signal: those are then dropped), or one installed over ours later
// (ReclaimSamplingSignal). Plain data, read by the handler.
int gSignal = 0;
bool gSigioGuard = false;  // SIGIO guarded from now on (OnSigio; under signalLock)
// Two slots, so that a handler running on another thread never reads one half-written.
struct PreviousHandler {
  struct sigaction slots[2];
  std::atomic<int> slot{0};
};
PreviousHandler gSignalPrevious, gSigioPrevious;
// Time spent in the handler on every thread, ever: the overhead cap counts it.
std::atomic<int64_t> gHandlerNsTotal{0};

// Everything the drain thread touches lives in one object that is never destroyed (static
// destructors run at exit while it may still run).
struct Registry {
  std::mutex lock;
  std::vector<ThreadSampler*> live;   // guarded by lock
  std::vector<ThreadSampler*> ended;  // guarded by lock
  std::thread* drainer = nullptr;
  std::mutex drainerLock;  // guards run, runDelayMicros and drainer; taken before lock
  std::condition_variable wake;
  bool run = false;
  int runDelayMicros = 0;
  std::mutex signalLock;
};
Registry& R() {
  static Registry* r = new Registry();
  return *r;
}

// Timers by raw system call: glibc 2.34 moved timer_* into libc under new symbol versions, and
// a build here must load on older glibc; SIGEV_THREAD_ID needs no glibc help anyway.
int CreateTimer(clockid_t clock, int code, pid_t tid) {
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = gSignal;
  sev.sigev_value.sival_int = code;
  sev._sigev_un._tid = tid;
  int id = -1;
  if (syscall(SYS_timer_create, clock, &sev, &id) != 0) return -1;
  return id;
}

// atNs: absolute on the timer's clock (0 disarms).
inline void SetTimer(int timer, int64_t atNs, int64_t intervalNs) {
  struct itimerspec its;
  its.it_value.tv_sec = atNs / 1000000000;
  its.it_value.tv_nsec = atNs % 1000000000;
  its.it_interval.tv_sec = intervalNs / 1000000000;
  its.it_interval.tv_nsec = intervalNs % 1000000000;
  syscall(SYS_timer_settime, timer, TIMER_ABSTIME, &its, nullptr);
}

// A gap uniform in [interval/2, 3*interval/2): samples neither lock onto the program's own
// periodic timers nor line up across threads; the mean spacing stays one interval.
inline int64_t Jitter(ThreadSampler* s, int64_t intervalNs) {
  uint64_t x = s->rng;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  s->rng = x;
  return intervalNs / 2 + int64_t(x % uint64_t(intervalNs));
}

// Arms a timer for `next` (absolute), then every interval: a delivery later than the next
// interval counts the expirations it missed as overruns (the sample's weight).
inline void Arm(int timer, int64_t* nextNs, int64_t at, int64_t intervalNs) {
  *nextNs = at;
  SetTimer(timer, at, intervalNs);
}

// The word at the interrupted thread's stack pointer: always its own mapped stack, but in C++
// code it may be a slot AddressSanitizer poisons (a frame's redzone), which the ASan build
// (scripts/test-asan.sh) would report as a stack-buffer-underflow.
__attribute__((no_sanitize("address"))) inline uintptr_t TopOfStack(uintptr_t sp) {
  return sp ? *reinterpret_cast<const uintptr_t*>(sp) : 0;
}

void TakeSample(ThreadSampler* s, int clock, int overrun, ucontext_t* uc, int64_t t0) {
  s->signals.fetch_add(1, std::memory_order_relaxed);
  uintptr_t pc = 0, sp = 0, fp = 0, tos = 0;
#if defined(__x86_64__)
  pc = uintptr_t(uc->uc_mcontext.gregs[REG_RIP]);
  sp = uintptr_t(uc->uc_mcontext.gregs[REG_RSP]);
  fp = uintptr_t(uc->uc_mcontext.gregs[REG_RBP]);
  tos = TopOfStack(sp);  // the return address of a frameless call
  s->regs.lr = nullptr;
#elif defined(__aarch64__)
  pc = uintptr_t(uc->uc_mcontext.pc);
  sp = uintptr_t(uc->uc_mcontext.sp);
  fp = uintptr_t(uc->uc_mcontext.regs[29]);
  tos = uintptr_t(uc->uc_mcontext.regs[30]);  // the link register
  s->regs.lr = reinterpret_cast<void*>(tos);
#endif
  s->regs.pc = reinterpret_cast<void*>(pc);
  s->regs.sp = reinterpret_cast<void*>(sp);
  s->regs.fp = reinterpret_cast<void*>(fp);
  v8::SampleInfo info;
  info.frames_count = 0;
  info.external_callback_entry = nullptr;
  info.vm_state = v8::OTHER;
  // Only a thread that owns its isolate now (never one being torn down: the timers are gone
  // before that).
  // (V8's own handler first resets pkey permissions, ThreadIsolatedAllocator::
  // SetDefaultPermissionsForSignalHandler on 12.x-13.x: Node builds V8 without thread isolation
  // and does not export it, so there is nothing to reset.)
  if (v8::Isolate::TryGetCurrent() == s->isolate) {
    s->isolate->GetStackSample(s->regs, s->scratch, kMaxFrames, &info);
  }
  uint32_t flags = s->flags.load(std::memory_order_relaxed);
  uint32_t n = uint32_t(std::min<size_t>(info.frames_count, kMaxFrames));
  uint32_t weight = 1 + uint32_t(std::max(0, overrun));
  int64_t interval = s->intervalNs.load(std::memory_order_relaxed);
  // The expirations this signal stands for: next, next + interval, ... (the overruns).
  bool wall = clock == kClockWall;
  int64_t& next = wall ? s->wallNextNs : s->cpuNextNs;
  int64_t& covered = wall ? s->wallCoveredNs : s->cpuCoveredNs;
  int64_t last = next + int64_t(weight - 1) * interval;
  int64_t span = std::max<int64_t>(0, last - covered);
  covered = last;
  uint64_t hh = s->headerHead.load(std::memory_order_relaxed);
  uint64_t fh = s->frameHead.load(std::memory_order_relaxed);
  if (hh - s->headerTail.load(std::memory_order_acquire) >= kHeaderRing ||
      fh + n - s->frameTail.load(std::memory_order_acquire) > kFrameRing) {
    s->droppedSamples.fetch_add(1, std::memory_order_relaxed);
    s->droppedWeight.fetch_add(weight, std::memory_order_relaxed);
  } else {
    for (uint32_t i = 0; i < n; i++) s->frames[(fh + i) & (kFrameRing - 1)] = reinterpret_cast<uintptr_t>(s->scratch[i]);
    RawSample& r = s->headers[hh & (kHeaderRing - 1)];
    r.frameStart = fh;
    r.codeSeq = CodeMapSeq();
    r.t = t0;
    r.pc = pc;
    r.tos = tos;
    r.externalCallback = reinterpret_cast<uintptr_t>(info.external_callback_entry);
    r.weight = weight;
    r.label = s->labelSlot ? __atomic_load_n(s->labelSlot, __ATOMIC_RELAXED) : 0;
    // Outside JavaScript (no frames, and not in a GC, which has none either) no callback runs,
    // and the slot still holds the last one's span (trace-context.ts has no `after` hook).
    if (s->traceSlot && (n > 0 || info.vm_state == v8::GC)) {
      const int32_t* cur = s->traceSlot + 1 + (__atomic_load_n(s->traceSlot, __ATOMIC_ACQUIRE) & 1) * kTraceInts;
      for (int k = 0; k < kTraceInts; k++) r.trace[k] = uint32_t(cur[k]);
    } else {
      for (int k = 0; k < kTraceInts; k++) r.trace[k] = 0;
    }
    r.turn = s->loopTurn.load(std::memory_order_relaxed);
    r.spanNs = span;
    r.frameCount = uint16_t(n);
    r.clock = uint8_t(clock);
    r.vmState = uint8_t(info.vm_state);
    r.flags = uint8_t(flags);
    s->frameHead.store(fh + n, std::memory_order_release);
    s->headerHead.store(hh + 1, std::memory_order_release);
  }
  if (wall && (flags & kFlagLoopIdle) && n == 0) {
    // Waiting in the event loop: no more wall signals until the wait ends (UnparkWallTimer).
    SetTimer(s->wallTimer, 0, 0);
    s->parked = 1;
  } else if (wall || s->cpuEventFd < 0) {
    Arm(wall ? s->wallTimer : s->cpuTimer, &next, last + Jitter(s, interval), interval);
  } else {
    SetCpuClockPeriod(s->cpuEventFd, Jitter(s, interval));  // the event's next period, jittered like the timers'
  }
}

// Passes a signal that is not hotpath's to the handler before ours. Its default action is
// carried out only when asked (SIGIO's; our real-time signal's would end the process).
void Chain(const PreviousHandler& p, bool defaultAction, int sig, siginfo_t* info, void* context) {
  const struct sigaction& previous = p.slots[p.slot.load(std::memory_order_acquire)];
  if (previous.sa_flags & SA_SIGINFO) {
    if (previous.sa_sigaction) previous.sa_sigaction(sig, info, context);
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN && previous.sa_handler) {
    previous.sa_handler(sig);
  } else if (previous.sa_handler == SIG_DFL && defaultAction) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, nullptr);
    raise(sig);  // delivered when the handler returns: the default action
  }
}

void SetPrevious(PreviousHandler& p, const struct sigaction& a) {
  int next = 1 - p.slot.load(std::memory_order_relaxed);
  p.slots[next] = a;
  p.slot.store(next, std::memory_order_release);
}

void Sample(ThreadSampler* s, int clock, int overrun, void* context) {
  if (s == nullptr || !s->armed.load(std::memory_order_acquire)) return;
  int64_t t0 = MonotonicNs();
  TakeSample(s, clock, overrun, static_cast<ucontext_t*>(context), t0);
  int64_t spent = MonotonicNs() - t0;
  s->handlerNs.fetch_add(spent, std::memory_order_relaxed);
  gHandlerNsTotal.fetch_add(spent, std::memory_order_relaxed);
}

// The CPU perf event's sample: one signal per period, no overruns. It stands for the thread's
// CPU since the previous one, read now: a new period starts when the handler sets it, not at
// the overflow (booking the periods lost the signal's delivery time, 3% of the CPU at 1 kHz).
void SampleCpuEvent(ThreadSampler* s, void* context) {
  s->cpuNextNs = ThreadCpuNs();  // unused unless Sample() finds the thread armed
  Sample(s, kClockCpu, 0, context);
}

void OnSignal(int sig, siginfo_t* info, void* context) {
  int savedErrno = errno;
  ThreadSampler* s = tSampler;
  if (info != nullptr && info->si_code == SI_TIMER && (info->si_value.sival_int & kTimerMagicMask) == kTimerMagic) {
    Sample(s, info->si_value.sival_int & 1, info->si_overrun, context);
  } else if (info != nullptr && info->si_code == POLL_IN && s != nullptr && s->cpuEventFd >= 0 && info->si_fd == s->cpuEventFd) {
    SampleCpuEvent(s, context);
  } else {
    Chain(gSignalPrevious, false, sig, info, context);  // not one of our timers: whoever had the signal before us
  }
  errno = savedErrno;
}

// The kernel sends a perf event's F_SETSIG signal with its siginfo, and when it cannot queue
// one (the user's pending signals at RLIMIT_SIGPENDING, `ulimit -i`) a plain SIGIO instead
// (fs/fcntl.c, send_sigio_to_task), whose default action ends the process and which the
// application's handler (signal-exit's, say) may take for a real one. Such a SIGIO (si_code
// SI_KERNEL, to a thread that opened an event) is the event's sample, taken here and counted;
// any other goes to the handler before ours, or gets the default action.
void OnSigio(int sig, siginfo_t* info, void* context) {
  int savedErrno = errno;
  if (info != nullptr && info->si_code == SI_KERNEL && tOpenedCpuEvent) {
    ThreadSampler* s = tSampler;
    if (s != nullptr && s->cpuEventFd >= 0) {
      s->cpuSigioSamples.fetch_add(1, std::memory_order_relaxed);
      SampleCpuEvent(s, context);
    }
  } else {
    Chain(gSigioPrevious, true, sig, info, context);
  }
  errno = savedErrno;
}

void DrainMain() {
  // Named so that the profiler's own CPU can be measured from /proc (src/collect/own-cpu.ts).
  pthread_setname_np(pthread_self(), "hotpath-sampler");
  Registry& g = R();
  std::unique_lock<std::mutex> lk(g.drainerLock);
  auto next = std::chrono::steady_clock::now();
  int64_t sleepUs = 100000;
  while (g.run) {
    // 100 ms between drains while samples come (the rings hold ~2.5 s at 100 Hz); while every
    // ring stays empty (idle threads, parked timers) the wait doubles, up to what the fastest
    // thread's ring holds at its interval (at most 1 s), so that an idle pool costs ~nothing.
    next += std::chrono::microseconds(g.runDelayMicros > 0 ? g.runDelayMicros : sleepUs);
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;  // fell behind (machine overloaded): do not burst
    g.wake.wait_until(lk, next, [&g] { return !g.run; });
    if (!g.run) break;
    uint64_t seq = CodeMapSeq();
    bool any = false;
    int64_t fastest = INT64_MAX;
    {
      std::lock_guard<std::mutex> reg(g.lock);
      for (ThreadSampler* s : g.live) {
        int64_t delay = ReadRunDelayNs(s->schedstatFd);
        if (delay >= 0) {
          s->runDelayNs.store(delay, std::memory_order_relaxed);
          s->runDelayReadAtNs.store(MonotonicNs(), std::memory_order_relaxed);
        }
        fastest = std::min(fastest, s->intervalNs.load(std::memory_order_relaxed));
        std::lock_guard<std::mutex> st(s->storeLock);
        if (s->headerHead.load(std::memory_order_acquire) != s->headerTail.load(std::memory_order_relaxed)) any = true;
        DrainRing(s);
      }
    }
    // Every sample taken before `seq` is now in a store: retired code older than it can go.
    CodeMapTrim(seq);
    // A ring fills in kHeaderRing / 2 samples at its two timers' rate: wait at most a quarter of that.
    int64_t most = fastest == INT64_MAX ? 1000000 : std::clamp<int64_t>(fastest / 1000 * kHeaderRing / 8, 100000, 1000000);
    sleepUs = any ? 100000 : std::min(most, sleepUs * 2);
  }
}

using Handler = void (*)(int, siginfo_t*, void*);
bool IsOurs(const struct sigaction& a, Handler h) { return (a.sa_flags & SA_SIGINFO) && a.sa_sigaction == h; }

// Installs hotpath's handler h for sig; `previous` gets the signals that are not hotpath's.
bool InstallOurs(int sig, Handler h, PreviousHandler& p, const struct sigaction& previous) {
  SetPrevious(p, previous);
  struct sigaction mine;
  memset(&mine, 0, sizeof mine);
  mine.sa_sigaction = h;
  sigemptyset(&mine.sa_mask);
  // V8's SIGPROF handler (--cpu-prof, another profiler in the process) must not run nested
  // inside ours, nor our two handlers inside each other (both write the thread's rings).
  sigaddset(&mine.sa_mask, SIGPROF);
  sigaddset(&mine.sa_mask, SIGIO);
  if (gSignal != 0) sigaddset(&mine.sa_mask, gSignal);
  mine.sa_flags = SA_RESTART | SA_SIGINFO | SA_ONSTACK;
  return sigaction(sig, &mine, nullptr) == 0;
}

// Puts OnSigio in front of SIGIO's handler (caller holds signalLock). Not over SIG_IGN: such a
// SIGIO is ignored anyway, and a handler would reset the children's SIGIO to its default at exec.
void GuardSigio() {
  struct sigaction current;
  if (sigaction(SIGIO, nullptr, &current) != 0 || IsOurs(current, OnSigio)) return;
  if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) return;
  InstallOurs(SIGIO, OnSigio, gSigioPrevious, current);
}

// Guards SIGIO from the first perf event on (before it is opened).
void EnsureSigioGuard() {
  std::lock_guard<std::mutex> lk(R().signalLock);
  if (gSigioGuard) return;
  gSigioGuard = true;
  GuardSigio();
}

}  // namespace

bool EnsureSamplingSignal(std::string* error) {
  Registry& g = R();
  std::lock_guard<std::mutex> lk(g.signalLock);
  if (gSignal != 0) return true;
  // From the top of the real-time range down: glibc and most libraries that use one take
  // SIGRTMIN and up. A signal is free when nobody set a handler for it.
  for (int sig = SIGRTMAX - 1; sig >= SIGRTMIN + 4; sig--) {
    struct sigaction current;
    if (sigaction(sig, nullptr, &current) != 0) continue;
    if (IsOurs(current, OnSignal)) {
      gSignal = sig;
      return true;
    }
    if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL) continue;
    if (!InstallOurs(sig, OnSignal, gSignalPrevious, current)) continue;
    gSignal = sig;
    return true;
  }
  *error = "no free real-time signal for the time sampler";
  return false;
}

bool ReclaimSamplingSignal() {
  Registry& g = R();
  std::lock_guard<std::mutex> lk(g.signalLock);
  struct sigaction current;
  // SIGIO's handler, put back in front silently: the application's own SIGIO handler
  // (process.on('SIGIO'), signal-exit) is normal, and gets every SIGIO that is not hotpath's.
  if (gSigioGuard) GuardSigio();
  if (gSignal == 0 || sigaction(gSignal, nullptr, &current) != 0 || IsOurs(current, OnSignal)) return true;
  // Someone installed a handler over ours: ours goes back in front (our timers keep signalling,
  // and a real-time signal nobody handles would kill the process), theirs gets every signal
  // that is not one of our timers'.
  InstallOurs(gSignal, OnSignal, gSignalPrevious, current);
  return false;
}

int SamplingSignal() { return gSignal; }

int64_t HandlerNsTotal() { return gHandlerNsTotal.load(std::memory_order_relaxed); }

bool StartSampling(ThreadSampler* s, std::string* error) {
  if (!EnsureSamplingSignal(error)) return false;
  s->osThreadId = pid_t(syscall(SYS_gettid));
  s->periodStartNs = MonotonicNs();
  s->rng ^= uint64_t(s->osThreadId) * 0x2545f4914f6cdd1dull ^ uint64_t(MonotonicNs());
  s->wallTimer = CreateTimer(CLOCK_MONOTONIC, kTimerMagic | kClockWall, s->osThreadId);
  int64_t interval = s->intervalNs.load();
  EnsureSigioGuard();
  int fd = OpenCpuClockEvent(s->osThreadId, gSignal, Jitter(s, interval));
  if (fd >= 0) tOpenedCpuEvent = true;
  s->cpuEventFd = fd >= 0 ? fd : -1;
  s->cpuClockError = fd >= 0 ? 0 : -fd;
  if (fd < 0) s->cpuTimer = CreateTimer(CLOCK_THREAD_CPUTIME_ID, kTimerMagic | kClockCpu, s->osThreadId);
  if (s->wallTimer < 0 || (s->cpuTimer < 0 && s->cpuEventFd < 0)) {
    *error = std::string("timer_create failed: ") + strerror(errno);
    if (s->wallTimer >= 0) syscall(SYS_timer_delete, s->wallTimer);
    if (s->cpuTimer >= 0) syscall(SYS_timer_delete, s->cpuTimer);
    s->wallTimer = s->cpuTimer = -1;
    if (s->cpuEventFd >= 0) CloseCpuClockEvent(s->cpuEventFd);
    s->cpuEventFd = -1;
    return false;
  }
  Registry& g = R();
  {
    std::lock_guard<std::mutex> dl(g.drainerLock);
    {
      std::lock_guard<std::mutex> lk(g.lock);
      g.live.push_back(s);
    }
    if (!g.run) {
      g.run = true;
      g.drainer = new std::thread(DrainMain);
    }
  }
  tSampler = s;
  s->armed.store(true, std::memory_order_release);
  s->wallCoveredNs = MonotonicNs();
  s->cpuCoveredNs = ThreadCpuNs();
  Arm(s->wallTimer, &s->wallNextNs, s->wallCoveredNs + Jitter(s, interval), interval);
  if (s->cpuEventFd < 0) Arm(s->cpuTimer, &s->cpuNextNs, s->cpuCoveredNs + Jitter(s, interval), interval);
  return true;
}

void UnparkWallTimer(ThreadSampler* s, int64_t nowNs) {
  if (!s->parked) return;
  s->parked = 0;
  // The wait since the last wall sample's expiry is idle time; the next sample covers from now.
  s->parkedIdleNs.fetch_add(std::max<int64_t>(0, nowNs - s->wallCoveredNs), std::memory_order_relaxed);
  s->wallCoveredNs = nowNs;
  if (s->armed.load(std::memory_order_relaxed)) {
    int64_t interval = s->intervalNs.load(std::memory_order_relaxed);
    Arm(s->wallTimer, &s->wallNextNs, nowNs + Jitter(s, interval), interval);
  }
}

void EndSampling(ThreadSampler* s, bool handOff) {
  s->armed.store(false, std::memory_order_release);
  if (s->wallTimer >= 0) syscall(SYS_timer_delete, s->wallTimer);
  if (s->cpuTimer >= 0) syscall(SYS_timer_delete, s->cpuTimer);
  s->wallTimer = s->cpuTimer = -1;
  // The handler reads cpuEventFd: it is cleared first, and only this thread's handler reads it.
  int fd = s->cpuEventFd;
  s->cpuEventFd = -1;
  if (fd >= 0) CloseCpuClockEvent(fd);
  if (tSampler == s) tSampler = nullptr;  // a signal still queued finds nothing to sample
  if (s->parked) UnparkWallTimer(s, MonotonicNs());
  Registry& g = R();
  std::thread* toJoin = nullptr;
  {
    std::lock_guard<std::mutex> dl(g.drainerLock);
    {
      std::lock_guard<std::mutex> lk(g.lock);
      {
        std::lock_guard<std::mutex> st(s->storeLock);
        DrainRing(s);
      }
      g.live.erase(std::remove(g.live.begin(), g.live.end(), s), g.live.end());
      // The drain thread no longer reads it; the slots' memory goes with the isolate.
      if (s->schedstatFd >= 0) close(s->schedstatFd);
      s->schedstatFd = -1;
      s->labelSlot = nullptr;
      s->traceSlot = nullptr;
      s->ended = true;
      if (handOff) g.ended.push_back(s);
      if (g.live.empty() && g.run) {
        g.run = false;
        toJoin = g.drainer;
        g.drainer = nullptr;
      }
      // No thread samples any more and every ring is drained: no retired code is needed.
      if (g.live.empty()) CodeMapTrim(CodeMapSeq());
    }
    g.wake.notify_all();
  }
  if (toJoin) {
    toJoin->join();
    delete toJoin;
  }
}

void DrainRing(ThreadSampler* s) {
  uint64_t tail = s->headerTail.load(std::memory_order_relaxed);
  uint64_t head = s->headerHead.load(std::memory_order_acquire);
  uintptr_t frames[kMaxFrames];
  for (; tail < head; tail++) {
    RawSample r = s->headers[tail & (kHeaderRing - 1)];
    for (uint32_t i = 0; i < r.frameCount; i++) frames[i] = s->frames[(r.frameStart + i) & (kFrameRing - 1)];
    if (s->store.samples.size() < kMaxStoredSamples) Symbolize(s->store, r, frames);
    else s->storeFullDropped++;
    s->frameTail.store(r.frameStart + r.frameCount, std::memory_order_release);
    s->headerTail.store(tail + 1, std::memory_order_release);
  }
  s->store.idleNs += s->parkedIdleNs.exchange(0, std::memory_order_relaxed);
}

TakenPeriod TakePeriod(ThreadSampler* s) {
  TakenPeriod t{s, {}, {}, 0, 0, 0, 0, 0, 0, 0, 0, false};
  std::lock_guard<std::mutex> st(s->storeLock);
  DrainRing(s);
  std::swap(t.store, s->store);
  t.blocks.swap(s->blocks);
  t.blocksDropped = s->blocksDropped;
  s->blocksDropped = 0;
  uint64_t signals = s->signals.load(), dropped = s->droppedWeight.load();
  int64_t handler = s->handlerNs.load();
  t.signals = signals - s->periodStartSignals;
  t.droppedWeight = dropped - s->periodStartDroppedWeight;
  t.handlerNs = handler - s->periodStartHandlerNs;
  t.cpuSigioSamples = s->cpuSigioSamples.exchange(0, std::memory_order_relaxed);
  t.storeFullDropped = s->storeFullDropped;
  s->storeFullDropped = 0;
  s->periodStartSignals = signals;
  s->periodStartDroppedWeight = dropped;
  s->periodStartHandlerNs = handler;
  t.startNs = s->periodStartNs;
  t.endNs = MonotonicNs();
  s->periodStartNs = t.endNs;
  t.ended = s->ended;
  return t;
}

std::vector<TakenPeriod> TakeLive(ThreadSampler* self) {
  Registry& g = R();
  std::lock_guard<std::mutex> lk(g.lock);
  std::vector<TakenPeriod> out;
  for (ThreadSampler* s : g.live) {
    if (s != self) out.push_back(TakePeriod(s));
  }
  return out;
}

std::vector<ThreadSampler*> TakeEnded() {
  Registry& g = R();
  std::lock_guard<std::mutex> lk(g.lock);
  std::vector<ThreadSampler*> out;
  out.swap(g.ended);
  return out;
}

std::vector<int32_t> LiveThreadIds() {
  Registry& g = R();
  std::lock_guard<std::mutex> lk(g.lock);
  std::vector<int32_t> ids;
  for (ThreadSampler* s : g.live) ids.push_back(s->threadId);
  return ids;
}

void SetRunDelayInterval(int micros) {
  Registry& g = R();
  std::lock_guard<std::mutex> lk(g.drainerLock);
  g.runDelayMicros = micros > 0 ? std::max(100, micros) : 0;
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

}  // namespace hotpath
