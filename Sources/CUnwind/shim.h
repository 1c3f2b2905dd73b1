// Tiny C surface for LockGraph: libunwind capture (signal-safe) and gettid.
// libunwind's local-only API is mostly macros; wrap what Swift needs as static inline functions.
#ifndef LOCKGRAPH_CUNWIND_SHIM_H
#define LOCKGRAPH_CUNWIND_SHIM_H

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/// Captures up to `size` return addresses of the calling thread into `buffer`.
/// Async-signal-safe (libunwind local unwinding); returns the number of frames written.
static inline int lockgraph_backtrace(void **buffer, int size) {
    return unw_backtrace(buffer, size);
}

/// The kernel thread id of the calling thread (glibc's gettid is not importable from Swift).
static inline pid_t lockgraph_gettid(void) {
    return (pid_t)syscall(SYS_gettid);
}

/// Sends `signal` to one thread of this process (tgkill(2)); used to sample another thread's
/// current stack. Returns 0 or -1 with errno set.
static inline int lockgraph_tgkill(pid_t process, pid_t thread, int signal) {
    return (int)syscall(SYS_tgkill, process, thread, signal);
}

#endif
