// The interposer's contract with LockGraph: the hooks it calls (Swift `@_cdecl` functions in
// Sources/LockGraph/Interposition). Each hook is entered with the calling thread's guard set,
// so every pthread call made inside it (LockGraph's own locks, the Swift runtime's, malloc's)
// passes straight through to the real function.
#ifndef LOCKGRAPH_PRELOAD_H
#define LOCKGRAPH_PRELOAD_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/// Called once per instance, after the real functions are resolved (from the library's
/// constructor for its own copy, at attach for a program's): `own` is this library's code,
/// `wrapper` the code of the lock wrappers whose frames name no lock (Foundation), so call
/// sites and names step over both.
void lockgraph_hook_install(uintptr_t own_low, uintptr_t own_high, uintptr_t wrapper_low, uintptr_t wrapper_high);

int lockgraph_hook_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attributes);
int lockgraph_hook_mutex_lock(pthread_mutex_t *mutex);
int lockgraph_hook_mutex_trylock(pthread_mutex_t *mutex);
int lockgraph_hook_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *deadline);
/// `pthread_mutex_clocklock` (glibc 2.30+): `pthread_mutex_timedlock` on a chosen clock.
int lockgraph_hook_mutex_clocklock(pthread_mutex_t *mutex, clockid_t clock, const struct timespec *deadline);
int lockgraph_hook_mutex_unlock(pthread_mutex_t *mutex);
int lockgraph_hook_mutex_destroy(pthread_mutex_t *mutex);

int lockgraph_hook_cond_init(pthread_cond_t *condition, const pthread_condattr_t *attributes);
/// `deadline` NULL: `pthread_cond_wait`; otherwise `pthread_cond_timedwait` when `clock` < 0,
/// `pthread_cond_clockwait` on that clock when not.
int lockgraph_hook_cond_wait(pthread_cond_t *condition, pthread_mutex_t *mutex, int clock, const struct timespec *deadline);
/// `broadcast` 0: `pthread_cond_signal`; otherwise `pthread_cond_broadcast`.
int lockgraph_hook_cond_signal(pthread_cond_t *condition, int broadcast);
int lockgraph_hook_cond_destroy(pthread_cond_t *condition);

int lockgraph_hook_rwlock_init(pthread_rwlock_t *rwlock, const pthread_rwlockattr_t *attributes);
/// `write` 0: a read lock; `deadline` NULL: blocking, otherwise timed: on the lock's clock
/// (`timedrdlock`/`timedwrlock`) when `clock` < 0, on that clock (`clockrdlock`/`clockwrlock`,
/// glibc 2.30+) when not.
int lockgraph_hook_rwlock_lock(pthread_rwlock_t *rwlock, int write, int clock, const struct timespec *deadline);
int lockgraph_hook_rwlock_trylock(pthread_rwlock_t *rwlock, int write);
int lockgraph_hook_rwlock_unlock(pthread_rwlock_t *rwlock);
int lockgraph_hook_rwlock_destroy(pthread_rwlock_t *rwlock);

#endif
