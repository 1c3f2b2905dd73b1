// LD_PRELOAD interposer: defines the pthread mutex, condition and rwlock API so that every lock of an unmodified
// program reaches LockGraph's hooks, and forwards to the real functions.
//
// Rules that keep it correct inside any process:
// - The real functions are resolved lazily (dlsym RTLD_NEXT): libswiftCore and libc take locks
//   before any constructor of this library runs. Until the constructor has installed the hooks
//   (`ready`), every call passes straight through.
// - A per-thread guard is set while a hook runs: the detector's own allocations and locks, and
//   any call re-entering from inside a hook, pass straight through.
// - Calls from code whose locks are not the program's (this library itself, the Swift runtime,
//   the concurrency runtime, Dispatch, ICU, and libunwind, which LockGraph loads) pass straight
//   through, chosen by return address.
// - The real lock call is made through the real function pointer (`lockgraph_real`), never
//   through the interposed symbol.
#define _GNU_SOURCE
#include "lockgraph_preload.h"
#include "lockgraph_support.h"
#include <dlfcn.h>
#include <link.h>
#include <string.h>

// The per-thread guard is `lockgraph_interposer_guard` (lockgraph_support.h), where LockGraph
// can set it for its own threads for good.
#define guard lockgraph_interposer_guard
static int ready = 0;

// Code whose pthread calls are never the program's own locks: [low, high) pairs.
#define MAX_IGNORED 16
static uintptr_t ignored_low[MAX_IGNORED];
static uintptr_t ignored_high[MAX_IGNORED];
static int ignored_count = 0;

static void *resolve(const char *name) {
    return dlsym(RTLD_NEXT, name);
}

#define REAL(field, name) \
    (lockgraph_real.field ? lockgraph_real.field : (lockgraph_real.field = resolve(name)))

// glibc keeps an old pthread_cond_* ABI (GLIBC_2.2.5) beside the current one; plain dlsym may
// hand back the old one, which misreads a condition the program initialised with the new.
static void *resolve_cond(const char *name) {
    void *current = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");
    return current ? current : dlsym(RTLD_NEXT, name);
}

#define REAL_COND(field, name) \
    (lockgraph_real.field ? lockgraph_real.field : (lockgraph_real.field = resolve_cond(name)))

static int ignored_caller(uintptr_t address) {
    for (int index = 0; index < ignored_count; index++) {
        if (address >= ignored_low[index] && address < ignored_high[index]) return 1;
    }
    return 0;
}

// Whether this call goes to the hook; false passes it straight through.
#define HOOKED() (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) && !guard && !ignored_caller((uintptr_t)__builtin_return_address(0)))

// The hook runs with the guard set. The frame address is taken so that this function keeps a
// frame record: the call-site walk goes through it to the caller.
#define CALL_HOOK(call) do { \
        guard = 1; \
        __asm__ volatile("" : : "r"(__builtin_frame_address(0))); \
        int result = (call); \
        guard = 0; \
        return result; \
    } while (0)

int pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attributes) {
    if (!HOOKED()) return REAL(mutex_init, "pthread_mutex_init")(mutex, attributes);
    CALL_HOOK(lockgraph_hook_mutex_init(mutex, attributes));
}

int pthread_mutex_lock(pthread_mutex_t *mutex) {
    if (!HOOKED()) return REAL(mutex_lock, "pthread_mutex_lock")(mutex);
    CALL_HOOK(lockgraph_hook_mutex_lock(mutex));
}

int pthread_mutex_trylock(pthread_mutex_t *mutex) {
    if (!HOOKED()) return REAL(mutex_trylock, "pthread_mutex_trylock")(mutex);
    CALL_HOOK(lockgraph_hook_mutex_trylock(mutex));
}

int pthread_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *deadline) {
    if (!HOOKED()) return REAL(mutex_timedlock, "pthread_mutex_timedlock")(mutex, deadline);
    CALL_HOOK(lockgraph_hook_mutex_timedlock(mutex, deadline));
}

int pthread_mutex_unlock(pthread_mutex_t *mutex) {
    if (!HOOKED()) return REAL(mutex_unlock, "pthread_mutex_unlock")(mutex);
    CALL_HOOK(lockgraph_hook_mutex_unlock(mutex));
}

int pthread_mutex_destroy(pthread_mutex_t *mutex) {
    if (!HOOKED()) return REAL(mutex_destroy, "pthread_mutex_destroy")(mutex);
    CALL_HOOK(lockgraph_hook_mutex_destroy(mutex));
}

int pthread_cond_init(pthread_cond_t *condition, const pthread_condattr_t *attributes) {
    if (!HOOKED()) return REAL_COND(cond_init, "pthread_cond_init")(condition, attributes);
    CALL_HOOK(lockgraph_hook_cond_init(condition, attributes));
}

// The wait releases the mutex in the graph for its duration and re-takes it with the ordinary
// checks; passed straight through, the mutex would look held for the whole wait.
int pthread_cond_wait(pthread_cond_t *condition, pthread_mutex_t *mutex) {
    if (!HOOKED()) return REAL_COND(cond_wait, "pthread_cond_wait")(condition, mutex);
    CALL_HOOK(lockgraph_hook_cond_wait(condition, mutex, 0));
}

int pthread_cond_timedwait(pthread_cond_t *condition, pthread_mutex_t *mutex, const struct timespec *deadline) {
    if (!HOOKED()) return REAL_COND(cond_timedwait, "pthread_cond_timedwait")(condition, mutex, deadline);
    // A NULL deadline is the program's error: pass it through for pthread to answer.
    if (!deadline) return REAL_COND(cond_timedwait, "pthread_cond_timedwait")(condition, mutex, deadline);
    CALL_HOOK(lockgraph_hook_cond_wait(condition, mutex, deadline));
}

int pthread_cond_signal(pthread_cond_t *condition) {
    if (!HOOKED()) return REAL_COND(cond_signal, "pthread_cond_signal")(condition);
    CALL_HOOK(lockgraph_hook_cond_signal(condition, 0));
}

int pthread_cond_broadcast(pthread_cond_t *condition) {
    if (!HOOKED()) return REAL_COND(cond_broadcast, "pthread_cond_broadcast")(condition);
    CALL_HOOK(lockgraph_hook_cond_signal(condition, 1));
}

int pthread_cond_destroy(pthread_cond_t *condition) {
    if (!HOOKED()) return REAL_COND(cond_destroy, "pthread_cond_destroy")(condition);
    CALL_HOOK(lockgraph_hook_cond_destroy(condition));
}

// Reader-writer locks. A NULL deadline to a timed call is the program's error: passed through.
#define RWLOCK_CALL(field, name, args, hook) do { \
        if (!HOOKED()) return REAL(field, name) args; \
        CALL_HOOK(hook); \
    } while (0)

int pthread_rwlock_init(pthread_rwlock_t *rwlock, const pthread_rwlockattr_t *attributes) {
    RWLOCK_CALL(rwlock_init, "pthread_rwlock_init", (rwlock, attributes), lockgraph_hook_rwlock_init(rwlock, attributes));
}

int pthread_rwlock_rdlock(pthread_rwlock_t *rwlock) {
    RWLOCK_CALL(rwlock_rdlock, "pthread_rwlock_rdlock", (rwlock), lockgraph_hook_rwlock_lock(rwlock, 0, 0));
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *rwlock) {
    RWLOCK_CALL(rwlock_tryrdlock, "pthread_rwlock_tryrdlock", (rwlock), lockgraph_hook_rwlock_trylock(rwlock, 0));
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *rwlock, const struct timespec *deadline) {
    if (!deadline) return REAL(rwlock_timedrdlock, "pthread_rwlock_timedrdlock")(rwlock, deadline);
    RWLOCK_CALL(rwlock_timedrdlock, "pthread_rwlock_timedrdlock", (rwlock, deadline), lockgraph_hook_rwlock_lock(rwlock, 0, deadline));
}

int pthread_rwlock_wrlock(pthread_rwlock_t *rwlock) {
    RWLOCK_CALL(rwlock_wrlock, "pthread_rwlock_wrlock", (rwlock), lockgraph_hook_rwlock_lock(rwlock, 1, 0));
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *rwlock) {
    RWLOCK_CALL(rwlock_trywrlock, "pthread_rwlock_trywrlock", (rwlock), lockgraph_hook_rwlock_trylock(rwlock, 1));
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *rwlock, const struct timespec *deadline) {
    if (!deadline) return REAL(rwlock_timedwrlock, "pthread_rwlock_timedwrlock")(rwlock, deadline);
    RWLOCK_CALL(rwlock_timedwrlock, "pthread_rwlock_timedwrlock", (rwlock, deadline), lockgraph_hook_rwlock_lock(rwlock, 1, deadline));
}

int pthread_rwlock_unlock(pthread_rwlock_t *rwlock) {
    RWLOCK_CALL(rwlock_unlock, "pthread_rwlock_unlock", (rwlock), lockgraph_hook_rwlock_unlock(rwlock));
}

int pthread_rwlock_destroy(pthread_rwlock_t *rwlock) {
    RWLOCK_CALL(rwlock_destroy, "pthread_rwlock_destroy", (rwlock), lockgraph_hook_rwlock_destroy(rwlock));
}

// MARK: Set-up

struct text_search {
    uintptr_t own;       // an address inside this library
    uintptr_t own_low, own_high;
    uintptr_t wrapper_low, wrapper_high;
};

static int base_name_starts(const char *path, const char *prefix) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    return strncmp(base, prefix, strlen(prefix)) == 0;
}

// The executable segments of each loaded image: this library's own and the runtime libraries'
// become ignored callers; Foundation's is the wrapper code.
static int visit_image(struct dl_phdr_info *info, size_t size, void *context) {
    (void)size;
    struct text_search *search = context;
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    for (int index = 0; index < info->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[index];
        if (header->p_type != PT_LOAD || !(header->p_flags & PF_X)) continue;
        uintptr_t low = info->dlpi_addr + header->p_vaddr;
        uintptr_t high = low + header->p_memsz;
        int own = search->own >= low && search->own < high;
        if (own) {
            search->own_low = low;
            search->own_high = high;
        }
        if (base_name_starts(name, "libFoundation.so")) {
            search->wrapper_low = low;
            search->wrapper_high = high;
        }
        int runtime = base_name_starts(name, "libswiftCore.so") || base_name_starts(name, "libswift_Concurrency.so")
            || base_name_starts(name, "libdispatch.so") || base_name_starts(name, "libBlocksRuntime.so")
            || base_name_starts(name, "lib_FoundationICU.so") || base_name_starts(name, "libunwind");
        if ((own || runtime) && ignored_count < MAX_IGNORED) {
            ignored_low[ignored_count] = low;
            ignored_high[ignored_count] = high;
            ignored_count++;
        }
    }
    return 0;
}

__attribute__((constructor))
static void lockgraph_preload_start(void) {
    guard = 1;
    REAL(mutex_init, "pthread_mutex_init");
    REAL(mutex_lock, "pthread_mutex_lock");
    REAL(mutex_trylock, "pthread_mutex_trylock");
    REAL(mutex_timedlock, "pthread_mutex_timedlock");
    REAL(mutex_unlock, "pthread_mutex_unlock");
    REAL(mutex_destroy, "pthread_mutex_destroy");
    REAL_COND(cond_init, "pthread_cond_init");
    REAL_COND(cond_wait, "pthread_cond_wait");
    REAL_COND(cond_timedwait, "pthread_cond_timedwait");
    REAL_COND(cond_signal, "pthread_cond_signal");
    REAL_COND(cond_broadcast, "pthread_cond_broadcast");
    REAL_COND(cond_destroy, "pthread_cond_destroy");
    REAL(rwlock_init, "pthread_rwlock_init");
    REAL(rwlock_rdlock, "pthread_rwlock_rdlock");
    REAL(rwlock_tryrdlock, "pthread_rwlock_tryrdlock");
    REAL(rwlock_timedrdlock, "pthread_rwlock_timedrdlock");
    REAL(rwlock_wrlock, "pthread_rwlock_wrlock");
    REAL(rwlock_trywrlock, "pthread_rwlock_trywrlock");
    REAL(rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
    REAL(rwlock_unlock, "pthread_rwlock_unlock");
    REAL(rwlock_destroy, "pthread_rwlock_destroy");
    struct text_search search = { (uintptr_t)&lockgraph_preload_start, 0, 0, 0, 0 };
    dl_iterate_phdr(visit_image, &search);
    lockgraph_hook_install(search.own_low, search.own_high, search.wrapper_low, search.wrapper_high);
    guard = 0;
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
}
