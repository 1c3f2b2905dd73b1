// One LockGraph per process: a program that links LockGraph (tracked types) and runs under
// `lockgraph run` holds two copies of it, its own and the interposer library's. At start-up this
// copy offers its hooks to the interposer (`lockgraph_preload_attach`, looked up by name, present
// only when the library is preloaded), which from then on sends every interposed call to them:
// tracked and interposed locks share the program's graph, its handlers and its test integration,
// and each violation is reported once. The interposer library's own copy of this constructor
// offers the library's own hooks, which the interposer declines.
#define _GNU_SOURCE
#include "lockgraph_support.h"
#include <dlfcn.h>

// The hooks, defined in Swift (`@_cdecl`, Sources/LockGraph/Interposition).
void lockgraph_hook_install(uintptr_t, uintptr_t, uintptr_t, uintptr_t);
int lockgraph_hook_mutex_init(pthread_mutex_t *, const pthread_mutexattr_t *);
int lockgraph_hook_mutex_lock(pthread_mutex_t *);
int lockgraph_hook_mutex_trylock(pthread_mutex_t *);
int lockgraph_hook_mutex_timedlock(pthread_mutex_t *, const struct timespec *);
int lockgraph_hook_mutex_clocklock(pthread_mutex_t *, clockid_t, const struct timespec *);
int lockgraph_hook_mutex_unlock(pthread_mutex_t *);
int lockgraph_hook_mutex_destroy(pthread_mutex_t *);
int lockgraph_hook_cond_init(pthread_cond_t *, const pthread_condattr_t *);
int lockgraph_hook_cond_wait(pthread_cond_t *, pthread_mutex_t *, int, const struct timespec *);
int lockgraph_hook_cond_signal(pthread_cond_t *, int);
int lockgraph_hook_cond_destroy(pthread_cond_t *);
int lockgraph_hook_rwlock_init(pthread_rwlock_t *, const pthread_rwlockattr_t *);
int lockgraph_hook_rwlock_lock(pthread_rwlock_t *, int, int, const struct timespec *);
int lockgraph_hook_rwlock_trylock(pthread_rwlock_t *, int);
int lockgraph_hook_rwlock_unlock(pthread_rwlock_t *);
int lockgraph_hook_rwlock_destroy(pthread_rwlock_t *);

void (*lockgraph_interposer_exempt)(void) = 0;

static const struct lockgraph_hook_table own_hooks = {
    .install = lockgraph_hook_install,
    .mutex_init = lockgraph_hook_mutex_init, .mutex_lock = lockgraph_hook_mutex_lock,
    .mutex_trylock = lockgraph_hook_mutex_trylock, .mutex_timedlock = lockgraph_hook_mutex_timedlock,
    .mutex_clocklock = lockgraph_hook_mutex_clocklock, .mutex_unlock = lockgraph_hook_mutex_unlock,
    .mutex_destroy = lockgraph_hook_mutex_destroy,
    .cond_init = lockgraph_hook_cond_init, .cond_wait = lockgraph_hook_cond_wait,
    .cond_signal = lockgraph_hook_cond_signal, .cond_destroy = lockgraph_hook_cond_destroy,
    .rwlock_init = lockgraph_hook_rwlock_init, .rwlock_lock = lockgraph_hook_rwlock_lock,
    .rwlock_trylock = lockgraph_hook_rwlock_trylock, .rwlock_unlock = lockgraph_hook_rwlock_unlock,
    .rwlock_destroy = lockgraph_hook_rwlock_destroy,
    .real = &lockgraph_real, .internal_text = lockgraph_get_internal_text, .exempt = &lockgraph_interposer_exempt,
};

const struct lockgraph_hook_table *lockgraph_own_hooks(void) {
    return &own_hooks;
}

// Runs before main (after the preloaded library's constructor: a program's own initialisers
// run last), while the program has only its main thread.
__attribute__((constructor))
static void lockgraph_offer_hooks(void) {
    void (*attach)(const struct lockgraph_hook_table *) = (void (*)(const struct lockgraph_hook_table *))dlsym(RTLD_DEFAULT, "lockgraph_preload_attach");
    if (attach) attach(&own_hooks);
}
