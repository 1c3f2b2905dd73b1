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
//   through, chosen by return address. So do the test frameworks' (XCTest, Swift Testing)
//   initialisations and acquisitions, but not their releases: `NSLock.lock()`/`unlock()` are
//   inlinable, so a framework may take a Foundation lock through Foundation (tracked) and
//   release it inline (ignored). Ignored, that release left the hold in the graph for good, a
//   gate lock over every later test on that thread that hid their inversions; hooked, a release
//   of a hold the graph never saw passes through.
// - The real lock call is made through the real function pointer (`lockgraph_real`), never
//   through the interposed symbol.
// - `LOCKGRAPH_PRELOAD_ONLY` (suffixes separated by ':', set by `lockgraph test`) limits the
//   library to the processes whose executable path ends with one of them: in any other (the
//   build driver, a shell a test starts) it never becomes ready and every call passes through.
// - The hooks called are those of one LockGraph instance (`hooks`): this library's own copy, or
//   the program's when the program links LockGraph too and attaches (`lockgraph_preload_attach`).
#define _GNU_SOURCE
#include "lockgraph_preload.h"
#include "lockgraph_support.h"
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The per-thread guard is `lockgraph_interposer_guard` (lockgraph_support.h), where LockGraph
// can set it for its own threads for good.
#define guard lockgraph_interposer_guard
static int ready = 0;

// The LockGraph instance the hooks go to. Written by the constructor before `ready`, and by an
// attach before the program's main (one thread); read-only after.
static struct lockgraph_hook_table hooks;

// This library's code and Foundation's, found by the constructor, for an attaching instance.
static uintptr_t own_low, own_high, wrapper_low, wrapper_high;

// Code whose pthread calls are never the program's own locks: [low, high) pairs.
#define MAX_IGNORED 16
static uintptr_t ignored_low[MAX_IGNORED];
static uintptr_t ignored_high[MAX_IGNORED];
static int ignored_count = 0;

// 1: every call passes through; 2: all but releases pass through (a test framework's code).
static int ignored_class[MAX_IGNORED];

static void add_ignored(uintptr_t low, uintptr_t high, int class) {
    if (low >= high || ignored_count == MAX_IGNORED) return;
    ignored_low[ignored_count] = low;
    ignored_high[ignored_count] = high;
    ignored_class[ignored_count] = class;
    ignored_count++;
}

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

// The class of the code at `address` (see `ignored_class`), 0 for the program's.
static int ignored_caller(uintptr_t address) {
    for (int index = 0; index < ignored_count; index++) {
        if (address >= ignored_low[index] && address < ignored_high[index]) return ignored_class[index];
    }
    return 0;
}

// `ignored_caller`'s answers by return address, so that an entry point costs a few instructions
// instead of a scan of the ranges: a program calls its locks from few places (one in Foundation
// for every `NSLock`). Direct-mapped, shared by all threads; each slot is one word,
// `address << 2 | class` (user-space addresses leave the top bits free), written whole, so a
// racing reader sees an old answer or a new one, both right. Cleared when a range is added.
#define CALLER_SLOTS 256
static uintptr_t caller_classes[CALLER_SLOTS];

static void forget_caller_classes(void) {
    for (int slot = 0; slot < CALLER_SLOTS; slot++) __atomic_store_n(&caller_classes[slot], 0, __ATOMIC_RELAXED);
}

__attribute__((noinline))
static int classify_caller(uintptr_t address, unsigned slot) {
    int class = ignored_caller(address);
    __atomic_store_n(&caller_classes[slot], address << 2 | (uintptr_t)class, __ATOMIC_RELAXED);
    return class;
}

static inline __attribute__((always_inline)) int caller_class(uintptr_t address) {
    unsigned slot = (unsigned)((address * 0x9E3779B97F4A7C15ull) >> 56);
    uintptr_t word = __atomic_load_n(&caller_classes[slot], __ATOMIC_RELAXED);
    if (word >> 2 == address) return (int)(word & 3);
    return classify_caller(address, slot);
}

// Whether this call goes to the hook; false passes it straight through.
#define HOOKED() (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) && !guard && !caller_class((uintptr_t)__builtin_return_address(0)))
// The same for a release, which only the runtime's own code (class 1) keeps from the hook.
#define HOOKED_RELEASE() (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) && !guard && caller_class((uintptr_t)__builtin_return_address(0)) != 1)

// The hook runs with the guard set. The frame address is taken so that this function keeps a
// frame record: the call-site walk goes through it to the caller.
#define CALL_HOOK(call) do { \
        guard = 1; \
        __asm__ volatile("" : : "r"(__builtin_frame_address(0))); \
        int result = (call); \
        guard = 0; \
        return result; \
    } while (0)

// CALL_HOOK for an acquisition, which names its call site: found here, where it is one frame
// away, it saves the hook's walk through LockGraph's and this function's frames
// (`lockgraph_site_hint`; this library's own LockGraph reads it, an attached program's walks).
#define CALL_HOOK_AT_SITE(call) do { \
        guard = 1; \
        lockgraph_site_hint = lockgraph_site_hint_at_entry((const uintptr_t *)__builtin_frame_address(0), \
            (uintptr_t)__builtin_return_address(0), wrapper_low, wrapper_high); \
        int result = (call); \
        lockgraph_site_hint = 0; \
        guard = 0; \
        return result; \
    } while (0)

int pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attributes) {
    if (!HOOKED()) return REAL(mutex_init, "pthread_mutex_init")(mutex, attributes);
    CALL_HOOK(hooks.mutex_init(mutex, attributes));
}

int pthread_mutex_lock(pthread_mutex_t *mutex) {
    if (!HOOKED()) return REAL(mutex_lock, "pthread_mutex_lock")(mutex);
    CALL_HOOK_AT_SITE(hooks.mutex_lock(mutex));
}

int pthread_mutex_trylock(pthread_mutex_t *mutex) {
    if (!HOOKED()) return REAL(mutex_trylock, "pthread_mutex_trylock")(mutex);
    CALL_HOOK_AT_SITE(hooks.mutex_trylock(mutex));
}

int pthread_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *deadline) {
    if (!HOOKED()) return REAL(mutex_timedlock, "pthread_mutex_timedlock")(mutex, deadline);
    CALL_HOOK_AT_SITE(hooks.mutex_timedlock(mutex, deadline));
}

// glibc 2.30+: a timed lock against a chosen clock (what C++'s timed_mutex uses).
int pthread_mutex_clocklock(pthread_mutex_t *mutex, clockid_t clock, const struct timespec *deadline) {
    if (!HOOKED()) return REAL(mutex_clocklock, "pthread_mutex_clocklock")(mutex, clock, deadline);
    CALL_HOOK_AT_SITE(hooks.mutex_clocklock(mutex, clock, deadline));
}

int pthread_mutex_unlock(pthread_mutex_t *mutex) {
    if (!HOOKED_RELEASE()) return REAL(mutex_unlock, "pthread_mutex_unlock")(mutex);
    CALL_HOOK(hooks.mutex_unlock(mutex));
}

int pthread_mutex_destroy(pthread_mutex_t *mutex) {
    if (!HOOKED()) return REAL(mutex_destroy, "pthread_mutex_destroy")(mutex);
    CALL_HOOK(hooks.mutex_destroy(mutex));
}

int pthread_cond_init(pthread_cond_t *condition, const pthread_condattr_t *attributes) {
    if (!HOOKED()) return REAL_COND(cond_init, "pthread_cond_init")(condition, attributes);
    CALL_HOOK(hooks.cond_init(condition, attributes));
}

// The wait releases the mutex in the graph for its duration and re-takes it with the ordinary
// checks; passed straight through, the mutex would look held for the whole wait.
int pthread_cond_wait(pthread_cond_t *condition, pthread_mutex_t *mutex) {
    if (!HOOKED()) return REAL_COND(cond_wait, "pthread_cond_wait")(condition, mutex);
    CALL_HOOK_AT_SITE(hooks.cond_wait(condition, mutex, -1, 0));
}

int pthread_cond_timedwait(pthread_cond_t *condition, pthread_mutex_t *mutex, const struct timespec *deadline) {
    if (!HOOKED()) return REAL_COND(cond_timedwait, "pthread_cond_timedwait")(condition, mutex, deadline);
    // A NULL deadline is the program's error: pass it through for pthread to answer.
    if (!deadline) return REAL_COND(cond_timedwait, "pthread_cond_timedwait")(condition, mutex, deadline);
    CALL_HOOK_AT_SITE(hooks.cond_wait(condition, mutex, -1, deadline));
}

// glibc 2.30+: a wait against a chosen clock (what C++'s condition_variable uses).
int pthread_cond_clockwait(pthread_cond_t *condition, pthread_mutex_t *mutex, clockid_t clock, const struct timespec *deadline) {
    if (!HOOKED() || !deadline) return REAL(cond_clockwait, "pthread_cond_clockwait")(condition, mutex, clock, deadline);
    CALL_HOOK_AT_SITE(hooks.cond_wait(condition, mutex, (int)clock, deadline));
}

int pthread_cond_signal(pthread_cond_t *condition) {
    if (!HOOKED()) return REAL_COND(cond_signal, "pthread_cond_signal")(condition);
    CALL_HOOK(hooks.cond_signal(condition, 0));
}

int pthread_cond_broadcast(pthread_cond_t *condition) {
    if (!HOOKED()) return REAL_COND(cond_broadcast, "pthread_cond_broadcast")(condition);
    CALL_HOOK(hooks.cond_signal(condition, 1));
}

int pthread_cond_destroy(pthread_cond_t *condition) {
    if (!HOOKED()) return REAL_COND(cond_destroy, "pthread_cond_destroy")(condition);
    CALL_HOOK(hooks.cond_destroy(condition));
}

// Reader-writer locks. A NULL deadline to a timed call is the program's error: passed through.
#define RWLOCK_CALL(field, name, args, hook) do { \
        if (!HOOKED()) return REAL(field, name) args; \
        CALL_HOOK(hook); \
    } while (0)

// RWLOCK_CALL for an acquisition (see CALL_HOOK_AT_SITE).
#define RWLOCK_ACQUIRE(field, name, args, hook) do { \
        if (!HOOKED()) return REAL(field, name) args; \
        CALL_HOOK_AT_SITE(hook); \
    } while (0)

int pthread_rwlock_init(pthread_rwlock_t *rwlock, const pthread_rwlockattr_t *attributes) {
    RWLOCK_CALL(rwlock_init, "pthread_rwlock_init", (rwlock, attributes), hooks.rwlock_init(rwlock, attributes));
}

int pthread_rwlock_rdlock(pthread_rwlock_t *rwlock) {
    RWLOCK_ACQUIRE(rwlock_rdlock, "pthread_rwlock_rdlock", (rwlock), hooks.rwlock_lock(rwlock, 0, -1, 0));
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *rwlock) {
    RWLOCK_ACQUIRE(rwlock_tryrdlock, "pthread_rwlock_tryrdlock", (rwlock), hooks.rwlock_trylock(rwlock, 0));
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *rwlock, const struct timespec *deadline) {
    if (!deadline) return REAL(rwlock_timedrdlock, "pthread_rwlock_timedrdlock")(rwlock, deadline);
    RWLOCK_ACQUIRE(rwlock_timedrdlock, "pthread_rwlock_timedrdlock", (rwlock, deadline), hooks.rwlock_lock(rwlock, 0, -1, deadline));
}

// glibc 2.30+: the timed calls against a chosen clock.
int pthread_rwlock_clockrdlock(pthread_rwlock_t *rwlock, clockid_t clock, const struct timespec *deadline) {
    if (!deadline) return REAL(rwlock_clockrdlock, "pthread_rwlock_clockrdlock")(rwlock, clock, deadline);
    RWLOCK_ACQUIRE(rwlock_clockrdlock, "pthread_rwlock_clockrdlock", (rwlock, clock, deadline),
                hooks.rwlock_lock(rwlock, 0, (int)clock, deadline));
}

int pthread_rwlock_wrlock(pthread_rwlock_t *rwlock) {
    RWLOCK_ACQUIRE(rwlock_wrlock, "pthread_rwlock_wrlock", (rwlock), hooks.rwlock_lock(rwlock, 1, -1, 0));
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *rwlock) {
    RWLOCK_ACQUIRE(rwlock_trywrlock, "pthread_rwlock_trywrlock", (rwlock), hooks.rwlock_trylock(rwlock, 1));
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *rwlock, const struct timespec *deadline) {
    if (!deadline) return REAL(rwlock_timedwrlock, "pthread_rwlock_timedwrlock")(rwlock, deadline);
    RWLOCK_ACQUIRE(rwlock_timedwrlock, "pthread_rwlock_timedwrlock", (rwlock, deadline), hooks.rwlock_lock(rwlock, 1, -1, deadline));
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t *rwlock, clockid_t clock, const struct timespec *deadline) {
    if (!deadline) return REAL(rwlock_clockwrlock, "pthread_rwlock_clockwrlock")(rwlock, clock, deadline);
    RWLOCK_ACQUIRE(rwlock_clockwrlock, "pthread_rwlock_clockwrlock", (rwlock, clock, deadline),
                hooks.rwlock_lock(rwlock, 1, (int)clock, deadline));
}

int pthread_rwlock_unlock(pthread_rwlock_t *rwlock) {
    if (!HOOKED_RELEASE()) return REAL(rwlock_unlock, "pthread_rwlock_unlock")(rwlock);
    CALL_HOOK(hooks.rwlock_unlock(rwlock));
}

int pthread_rwlock_destroy(pthread_rwlock_t *rwlock) {
    RWLOCK_CALL(rwlock_destroy, "pthread_rwlock_destroy", (rwlock), hooks.rwlock_destroy(rwlock));
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
        int framework = base_name_starts(name, "libTesting.so") || base_name_starts(name, "libXCTest.so");
        if (own || runtime) add_ignored(low, high, 1);
        else if (framework) add_ignored(low, high, 2);
    }
    return 0;
}

// Whether this process's executable is one `LOCKGRAPH_PRELOAD_ONLY` selects (any, when unset).
static int executable_selected(void) {
    const char *only = getenv("LOCKGRAPH_PRELOAD_ONLY");
    if (!only || !*only) return 1;
    char path[4096];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    if (length <= 0) return 0;
    path[length] = 0;
    while (*only) {
        const char *end = strchr(only, ':');
        size_t count = end ? (size_t)(end - only) : strlen(only);
        if (count > 0 && count <= (size_t)length && memcmp(path + length - count, only, count) == 0) return 1;
        only += count + (end ? 1 : 0);
    }
    return 0;
}

static void exempt_current_thread(void) {
    guard = 1;
}

// Called by a program's own copy of LockGraph before its main (hook_table.c), or by this
// library's copy, which is declined. From then on every hook goes to the program's instance,
// which gets the real functions, this library's thread exemption, and its code passed through.
__attribute__((visibility("default")))
void lockgraph_preload_attach(const struct lockgraph_hook_table *program) {
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE) || program->install == hooks.install) return;
    guard = 1;
    *program->real = lockgraph_real;
    *program->exempt = exempt_current_thread;
    hooks = *program;
    hooks.install(own_low, own_high, wrapper_low, wrapper_high);
    uintptr_t low = 0, high = 0;
    hooks.internal_text(&low, &high);
    add_ignored(low, high, 1);
    forget_caller_classes();
    guard = 0;
}

__attribute__((constructor))
static void lockgraph_preload_start(void) {
    guard = 1;
    REAL(cond_clockwait, "pthread_cond_clockwait");
    REAL(mutex_init, "pthread_mutex_init");
    REAL(mutex_lock, "pthread_mutex_lock");
    REAL(mutex_trylock, "pthread_mutex_trylock");
    REAL(mutex_timedlock, "pthread_mutex_timedlock");
    REAL(mutex_clocklock, "pthread_mutex_clocklock");
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
    REAL(rwlock_clockrdlock, "pthread_rwlock_clockrdlock");
    REAL(rwlock_wrlock, "pthread_rwlock_wrlock");
    REAL(rwlock_trywrlock, "pthread_rwlock_trywrlock");
    REAL(rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
    REAL(rwlock_clockwrlock, "pthread_rwlock_clockwrlock");
    REAL(rwlock_unlock, "pthread_rwlock_unlock");
    REAL(rwlock_destroy, "pthread_rwlock_destroy");
    if (!executable_selected()) {
        guard = 0;
        return;
    }
    struct text_search search = { (uintptr_t)&lockgraph_preload_start, 0, 0, 0, 0 };
    dl_iterate_phdr(visit_image, &search);
    own_low = search.own_low;
    own_high = search.own_high;
    wrapper_low = search.wrapper_low;
    wrapper_high = search.wrapper_high;
    hooks = *lockgraph_own_hooks();
    hooks.install(own_low, own_high, wrapper_low, wrapper_high);
    guard = 0;
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
}
