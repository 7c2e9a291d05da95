// A thread's CPU clock as a perf event (the kernel's task-clock): it counts the thread's time on
// a CPU with a high-resolution timer that runs only while the thread does, and sends a signal to
// the thread when a period of that time is used up, at the instruction it was running. A POSIX
// CPU-clock timer is checked only at the scheduler tick the thread happens to be running at: under
// CPU contention its signals fell several ms of CPU late, on the code after the one that used the
// CPU (a 5 ms / 10 ms pair of functions read 7-25% for a truth of 33%; this event 33.0-33.6%).
#pragma once
#include <sys/types.h>

#include <cstdint>

namespace hotpath {

// Opens the calling thread's task-clock event: every periodNs of its CPU time, `signal` goes to
// thread `tid` (the caller) with si_code POLL_IN and si_fd the returned fd. -errno when the
// kernel refuses (perf_event_paranoid above 2, a seccomp filter, no perf events).
// (The kernel falls back to a plain SIGIO only when it cannot allocate the signal's queue entry:
// signals it generates itself are not held to RLIMIT_SIGPENDING.)
int OpenCpuClockEvent(pid_t tid, int signal, int64_t periodNs);
// The next signal after periodNs more of CPU time from now (async-signal-safe: one ioctl).
void SetCpuClockPeriod(int fd, int64_t periodNs);
// Stops the event's signals and closes it.
void CloseCpuClockEvent(int fd);

}  // namespace hotpath
