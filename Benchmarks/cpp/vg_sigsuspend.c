// vg_sigsuspend.so: lets valgrind 3.19 run Swift programs. Preloaded under valgrind only (Benchmarks/profile).
//
// An async Swift main ends in dispatch_main(), whose parked main thread calls sigsuspend() with a mask that
// lives in libdispatch's read-only data. Valgrind's rt_sigsuspend wrapper edits the mask in place and dies
// with an internal SIGSEGV ("the 'impossible' happened"), even for `--tool=none`. Passing a copy avoids it.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
