// Force-included into every source file of the addon on Linux (binding.gyp's cflags_cc:
// -include). With -static-libstdc++ (no GLIBCXX_ versions) it holds the prebuilds to glibc
// 2.28 (RHEL 8, Debian 10, Ubuntu 20.04) though they are built on a newer glibc (Debian 12:
// 2.36): glibc 2.34 moved libpthread into libc under new symbol versions, 2.29 gave exp() a new
// one, and the libstdc++ archive built on 2.36 reaches for arc4random (2.36) and
// __libc_single_threaded (2.32). test/native/package-glibc.test.ts checks every prebuild with
// objdump -T.
#pragma once
#if defined(__linux__) && defined(__cplusplus)
#include <bits/c++config.h>  // features.h (__GLIBC__) and libstdc++'s configuration
#endif
#if defined(__linux__) && defined(__GLIBC__) && defined(__cplusplus) && (defined(__x86_64__) || defined(__aarch64__))
#include <math.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define HOTPATH_GLIBC_BASE "GLIBC_2.2.5"
#define HOTPATH_GLIBC_SETNAME "GLIBC_2.12"
#else
#define HOTPATH_GLIBC_BASE "GLIBC_2.17"
#define HOTPATH_GLIBC_SETNAME "GLIBC_2.17"
#endif

// This file's own calls: bound to the versions every glibc of the architecture has (before
// 2.34 the pthread ones are found in libpthread, which Node itself links).
__asm__(".symver exp,exp@" HOTPATH_GLIBC_BASE);
__asm__(".symver pthread_getcpuclockid,pthread_getcpuclockid@" HOTPATH_GLIBC_BASE);
__asm__(".symver pthread_setname_np,pthread_setname_np@" HOTPATH_GLIBC_SETNAME);

// The static libstdc++'s calls: binding.gyp links with --wrap=<name> for each of these, which
// sends them to __wrap_<name> here, and that calls the old version.
#define HOTPATH_WRAP(ret, name, params, args)                                        \
  extern "C" ret hotpath_glibc_##name params;                                        \
  __asm__(".symver hotpath_glibc_" #name "," #name "@" HOTPATH_GLIBC_BASE);          \
  extern "C" __attribute__((weak, visibility("hidden"))) ret __wrap_##name params {  \
    return hotpath_glibc_##name args;                                                \
  }
HOTPATH_WRAP(int, pthread_create, (pthread_t* t, const pthread_attr_t* a, void* (*f)(void*), void* arg), (t, a, f, arg))
HOTPATH_WRAP(int, pthread_join, (pthread_t t, void** r), (t, r))
HOTPATH_WRAP(int, pthread_detach, (pthread_t t), (t))
HOTPATH_WRAP(int, pthread_once, (pthread_once_t* o, void (*f)(void)), (o, f))
HOTPATH_WRAP(int, pthread_key_create, (pthread_key_t* k, void (*d)(void*)), (k, d))
HOTPATH_WRAP(int, __pthread_key_create, (pthread_key_t* k, void (*d)(void*)), (k, d))
HOTPATH_WRAP(int, pthread_key_delete, (pthread_key_t k), (k))
HOTPATH_WRAP(void*, pthread_getspecific, (pthread_key_t k), (k))
HOTPATH_WRAP(int, pthread_setspecific, (pthread_key_t k, const void* v), (k, v))
#undef HOTPATH_WRAP

// std::random_device's arc4random (glibc 2.36), from the kernel's getrandom instead.
extern "C" __attribute__((weak, visibility("hidden"))) unsigned int __wrap_arc4random(void) {
  unsigned int v = 0;
  while (syscall(SYS_getrandom, &v, sizeof v, 0) != static_cast<long>(sizeof v)) {}
  return v;
}

// libstdc++'s shortcut for single-threaded processes (glibc 2.32): never taken, so its atomic
// reference counts stay atomic. A definition of the addon's own, not exported.
extern "C" {
__attribute__((weak, visibility("hidden"))) char __libc_single_threaded = 0;
}

// std::condition_variable's waits on steady_clock use pthread_cond_clockwait (glibc 2.30)
// when libstdc++ was configured with it; without, they wait on the system clock instead.
#undef _GLIBCXX_USE_PTHREAD_COND_CLOCKWAIT

#endif
