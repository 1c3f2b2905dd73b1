// The steady state's try-lock and the unlock of a tracked non-recursive mutex, inline, for the
// mutexes LockGraph creates itself as glibc's plain type (`PTHREAD_MUTEX_DEFAULT` set through an
// attribute, private). They perform the steps glibc's own `pthread_mutex_trylock` and
// `pthread_mutex_unlock` take for that kind, on the same fields, so the two can be mixed freely on
// one mutex: the general path's blocking lock, timed lock and try-lock, and `pthread_cond_wait`,
// still go through glibc.
//
// Why: glibc's try-lock reads the lock word before its compare-exchange, and on this machine
// that read costs about 4 ns per pair once a thread has started; its call, type dispatch and
// elision check about 1 ns more (BENCHMARKS.md section 24, `Benchmarks/mutex-steps.c`).
//
// Such a mutex's `__kind` is `PTHREAD_MUTEX_NO_ELISION_NP` (512): glibc's
// `pthread_mutexattr_settype` marks the default type so, which also keeps a tunable that forces
// lock elision from ever eliding it. The protocol for that kind (glibc 2.36 nptl, the same since
// at least 2.17; `struct __pthread_mutex_s` is public in <bits/struct_mutex.h>):
// - `__lock`: 0 free, 1 held, 2 held with possible waiters (set by a blocked `pthread_mutex_lock`).
// - A taker sets `__lock` 0 -> 1 with an acquiring compare-exchange, then `__owner` to its thread
//   id and `__nusers` one up (`pthread_mutex_destroy` refuses a mutex whose count is not 0).
// - A releaser clears `__owner`, counts `__nusers` down, swaps 0 into `__lock` releasing, and
//   wakes one waiter when the old value was above 1.
// - While the process has never started a second thread (`__libc_single_threaded`), glibc takes
//   and releases with plain stores; so do these. No other thread exists to race with them, and
//   glibc clears the flag before a second thread can start.
//
// Any other kind (recursive, error-checking, process-shared, eliding, or a default mutex made
// without an attribute) goes to glibc. `lockgraph_plain_mutexes_supported` tells Swift whether to
// make default mutexes at all: not under ThreadSanitizer (these atomics, inlined into Swift code,
// are not instrumented, so it would not see the lock).
#ifndef LOCKGRAPH_PLAIN_MUTEX_H
#define LOCKGRAPH_PLAIN_MUTEX_H

#include <pthread.h>

#if defined(__GLIBC__) && __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define LOCKGRAPH_PLAIN_MUTEXES 1
#else
#define LOCKGRAPH_PLAIN_MUTEXES 0
#endif

/// glibc's `__kind` of a private default mutex made with an attribute (nptl's internal
/// `PTHREAD_MUTEX_NO_ELISION_NP`; `PlainMutexTests` checks that LockGraph's mutexes have it).
#define LOCKGRAPH_PLAIN_MUTEX_KIND 512

/// 1 when LockGraph may make its non-recursive mutexes of the default type and take them with
/// the inline functions below: glibc, and no ThreadSanitizer in this build. Valgrind's thread
/// checkers are excluded on the Swift side.
int lockgraph_plain_mutexes_supported(void);

/// `mutex`'s whole `__kind` word, flags included (-1 without glibc).
static inline int lockgraph_mutex_kind_word(pthread_mutex_t *mutex) {
#if LOCKGRAPH_PLAIN_MUTEXES
    return __atomic_load_n(&mutex->__data.__kind, __ATOMIC_RELAXED);
#else
    (void)mutex;
    return -1;
#endif
}

/// `mutex`'s lock word: 0 free, 1 held, 2 held with possible waiters (for tests; -1 without glibc).
static inline int lockgraph_mutex_lock_word(pthread_mutex_t *mutex) {
#if LOCKGRAPH_PLAIN_MUTEXES
    return __atomic_load_n(&mutex->__data.__lock, __ATOMIC_RELAXED);
#else
    (void)mutex;
    return -1;
#endif
}

/// Wakes one thread blocked in `pthread_mutex_lock` on `word` (a private futex).
void lockgraph_futex_wake_one(int *word);

/// Takes `mutex` if it is free: 1 when taken (owned by `thread_id`), 0 when held by any thread,
/// the caller included. Never blocks.
__attribute__((always_inline)) static inline int lockgraph_mutex_trylock_plain(pthread_mutex_t *mutex, int thread_id) {
#if LOCKGRAPH_PLAIN_MUTEXES
    if (lockgraph_mutex_kind_word(mutex) == LOCKGRAPH_PLAIN_MUTEX_KIND) {
        int *word = &mutex->__data.__lock;
        if (__libc_single_threaded) {
            if (__atomic_load_n(word, __ATOMIC_RELAXED) != 0) return 0;
            __atomic_store_n(word, 1, __ATOMIC_RELAXED);
        } else {
            // No read first (glibc reads the word first; that read is what costs here).
            int expected = 0;
            if (!__atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return 0;
        }
        // The holder is the only writer of these two; others may read `__owner`.
        __atomic_store_n(&mutex->__data.__owner, thread_id, __ATOMIC_RELAXED);
        __atomic_store_n(&mutex->__data.__nusers, __atomic_load_n(&mutex->__data.__nusers, __ATOMIC_RELAXED) + 1,
                         __ATOMIC_RELAXED);
        return 1;
    }
#endif
    (void)thread_id;
    return pthread_mutex_trylock(mutex) == 0;
}

/// Releases `mutex`, held by the calling thread: 0, or for a kind glibc handles, its result.
__attribute__((always_inline)) static inline int lockgraph_mutex_unlock_plain(pthread_mutex_t *mutex) {
#if LOCKGRAPH_PLAIN_MUTEXES
    if (lockgraph_mutex_kind_word(mutex) == LOCKGRAPH_PLAIN_MUTEX_KIND) {
        int *word = &mutex->__data.__lock;
        __atomic_store_n(&mutex->__data.__owner, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&mutex->__data.__nusers, __atomic_load_n(&mutex->__data.__nusers, __ATOMIC_RELAXED) - 1,
                         __ATOMIC_RELAXED);
        if (__libc_single_threaded) {
            __atomic_store_n(word, 0, __ATOMIC_RELAXED);
        } else if (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) > 1) {
            lockgraph_futex_wake_one(word);
        }
        return 0;
    }
#endif
    return pthread_mutex_unlock(mutex);
}

#endif
