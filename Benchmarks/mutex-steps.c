// What a glibc default mutex's uncontended pair costs, step by step, after a thread has started
// (or not): glibc's lock + unlock, its try-lock + unlock, and the same steps done inline as
// LockGraph's steady state does them (Sources/CLockGraphSupport/include/lockgraph_plain_mutex.h),
// with and without the read of the lock word that glibc's try-lock makes before its
// compare-exchange (BENCHMARKS.md section 24). Knows nothing of LockGraph.
//
//   cc -O2 -o /tmp/mutex-steps Benchmarks/mutex-steps.c -lpthread
//   /tmp/mutex-steps lock|trylock|inline|inline-read-first [PAIRS] [threaded]
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>

static void *warm_up(void *argument) { return argument; }

static double nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e9 + (double)now.tv_nsec;
}

__attribute__((noinline)) static void wake_one(int *word) { syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0); }

static inline __attribute__((always_inline)) int try_inline(pthread_mutex_t *mutex, int thread_id, int read_first) {
    int *word = &mutex->__data.__lock;
    if (__libc_single_threaded) {
        if (__atomic_load_n(word, __ATOMIC_RELAXED) != 0) return 0;
        __atomic_store_n(word, 1, __ATOMIC_RELAXED);
    } else {
        if (read_first && __atomic_load_n(word, __ATOMIC_RELAXED) != 0) return 0;
        int expected = 0;
        if (!__atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return 0;
    }
    __atomic_store_n(&mutex->__data.__owner, thread_id, __ATOMIC_RELAXED);
    __atomic_store_n(&mutex->__data.__nusers, __atomic_load_n(&mutex->__data.__nusers, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
    return 1;
}

static inline __attribute__((always_inline)) void unlock_inline(pthread_mutex_t *mutex) {
    int *word = &mutex->__data.__lock;
    __atomic_store_n(&mutex->__data.__owner, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&mutex->__data.__nusers, __atomic_load_n(&mutex->__data.__nusers, __ATOMIC_RELAXED) - 1, __ATOMIC_RELAXED);
    if (__libc_single_threaded) __atomic_store_n(word, 0, __ATOMIC_RELAXED);
    else if (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) > 1) wake_one(word);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    long pairs = argc > 2 ? atol(argv[2]) : 20000000;
    int threaded = argc > 3 && strcmp(argv[3], "threaded") == 0;
    int lock = !strcmp(mode, "lock"), trylock = !strcmp(mode, "trylock"), inline_ = !strcmp(mode, "inline"),
        read_first = !strcmp(mode, "inline-read-first");
    if (!(lock || trylock || inline_ || read_first) || pairs <= 0) {
        fprintf(stderr, "usage: mutex-steps lock|trylock|inline|inline-read-first [PAIRS > 0] [threaded]\n");
        return 2;
    }
    if (threaded) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, warm_up, NULL) != 0 || pthread_join(thread, NULL) != 0) return 2;
    }
    // On the heap, made as LockGraph makes its mutexes (the default type, set through an attribute).
    pthread_mutex_t *mutex = malloc(sizeof *mutex);
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_DEFAULT);
    pthread_mutex_init(mutex, &attributes);
    const int thread_id = gettid();
    double best = 1e18;
    for (int round = 0; round < 3; round++) {
        const double start = nanoseconds();
        // One loop per mode, each with its steps fixed at compile time.
        if (lock) for (long pair = 0; pair < pairs; pair++) { pthread_mutex_lock(mutex); pthread_mutex_unlock(mutex); }
        if (trylock) for (long pair = 0; pair < pairs; pair++) { pthread_mutex_trylock(mutex); pthread_mutex_unlock(mutex); }
        if (inline_) for (long pair = 0; pair < pairs; pair++) { try_inline(mutex, thread_id, 0); unlock_inline(mutex); }
        if (read_first) for (long pair = 0; pair < pairs; pair++) { try_inline(mutex, thread_id, 1); unlock_inline(mutex); }
        const double each = (nanoseconds() - start) / (double)pairs;
        if (each < best) best = each;
    }
    printf("%s%s: %.1f ns per pair (best of 3 rounds)\n", mode, threaded ? " threaded" : "", best);
    return pthread_mutex_destroy(mutex) == 0 ? 0 : 1;
}
