// Preloaded (LD_PRELOAD) into the node of time-safety's "another handler" test: one second
// after start it installs its own handler over hotpath's sampling signal, as another library
// taking a free-looking real-time signal would. It counts the signals that reach it, by origin,
// and prints the counts at exit: "USURPER <signal> <from kill()> <from timers>".
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t fromUser, fromTimer;
static volatile int usurped;

static void onSignal(int sig, siginfo_t* info, void* context) {
  (void)sig;
  (void)context;
  if (info->si_code == SI_USER) fromUser++;
  else if (info->si_code == SI_TIMER) fromTimer++;
}

static void* usurpLater(void* arg) {
  (void)arg;
  sleep(1);
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++) {
    struct sigaction current;
    Dl_info where;
    if (sigaction(sig, NULL, &current) != 0 || !(current.sa_flags & SA_SIGINFO)) continue;
    if (!dladdr((void*)current.sa_sigaction, &where) || !where.dli_fname || !strstr(where.dli_fname, "hotpath")) continue;
    struct sigaction mine;
    memset(&mine, 0, sizeof mine);
    mine.sa_sigaction = onSignal;
    mine.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&mine.sa_mask);
    sigaction(sig, &mine, NULL);
    usurped = sig;
    fprintf(stderr, "USURPED %d\n", sig);
    break;
  }
  return NULL;
}

__attribute__((constructor)) static void start(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, usurpLater, NULL) == 0) pthread_detach(t);
}

__attribute__((destructor)) static void report(void) {
  fprintf(stderr, "USURPER %d %d %d\n", usurped, (int)fromUser, (int)fromTimer);
}
