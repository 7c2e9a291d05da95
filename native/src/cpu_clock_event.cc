#include "cpu_clock_event.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hotpath {

int OpenCpuClockEvent(pid_t tid, int signal, int64_t periodNs) {
  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.type = PERF_TYPE_SOFTWARE;
  a.config = PERF_COUNT_SW_TASK_CLOCK;
  a.sample_period = uint64_t(periodNs);
  a.disabled = 1;
  // Kernel time stays in: the thread's CPU clock counts it too, and a sample taken in a system
  // call is booked, at the return to user space, on the JS that made the call.
  int fd = int(syscall(SYS_perf_event_open, &a, 0 /* this thread */, -1, -1, PERF_FLAG_FD_CLOEXEC));
  if (fd < 0) return -errno;
  // fcntl by system call: glibc 2.28's fcntl64 symbol would raise the prebuilds' glibc floor.
  struct f_owner_ex owner = {F_OWNER_TID, tid};
  if (syscall(SYS_fcntl, fd, F_SETOWN_EX, &owner) != 0 || syscall(SYS_fcntl, fd, F_SETSIG, signal) != 0 ||
      syscall(SYS_fcntl, fd, F_SETFL, O_ASYNC) != 0 || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

void SetCpuClockPeriod(int fd, int64_t periodNs) {
  uint64_t p = uint64_t(periodNs);
  ioctl(fd, PERF_EVENT_IOC_PERIOD, &p);
}

void CloseCpuClockEvent(int fd) {
  ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
  close(fd);
}

}  // namespace hotpath
