#define _GNU_SOURCE
#include "lockgraph_plain_mutex.h"
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOCKGRAPH_UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define LOCKGRAPH_UNDER_TSAN 1
#endif

void lockgraph_futex_wake_one(int *word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int lockgraph_plain_mutexes_supported(void) {
#if !LOCKGRAPH_PLAIN_MUTEXES || defined(LOCKGRAPH_UNDER_TSAN)
    return 0;
#else
    return 1;
#endif
}
