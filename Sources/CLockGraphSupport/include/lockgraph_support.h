// The hot path's C surface: one thread-local word (the calling thread's LockGraph state) and a
// bounded frame-pointer walk that names an acquisition's call site without unwinding.
#ifndef LOCKGRAPH_SUPPORT_H
#define LOCKGRAPH_SUPPORT_H

#include <stdint.h>
#include <pthread.h>
#include <time.h>
#include "lockgraph_mutex_cache.h"
#include "lockgraph_plain_mutex.h"

/// The calling thread's `ThreadState` (unretained; owned by a pthread key whose destructor frees
/// it at thread exit and clears this word), or NULL before the thread first uses a tracked lock.
///
/// `initial-exec`: one load relative to the thread pointer, no `__tls_get_addr` call. That
/// model needs the library loaded at start-up (linked in, or LD_PRELOAD), which is how LockGraph
/// is used; glibc's static TLS surplus also covers a later dlopen of these 8 bytes.
extern __thread void *lockgraph_thread_state __attribute__((tls_model("initial-exec")));

static inline void *lockgraph_thread_state_get(void) {
    return lockgraph_thread_state;
}

static inline void lockgraph_thread_state_set(void *state) {
    lockgraph_thread_state = state;
}

/// The thread id glibc records as `mutex`'s owner (0 when unlocked), read atomically: another
/// thread may be taking or releasing it. For `RawMutex.unlockIfOwned`.
static inline int lockgraph_mutex_owner(pthread_mutex_t *mutex) {
    return __atomic_load_n(&mutex->__data.__owner, __ATOMIC_RELAXED);
}

/// Where LockGraph's own machine code lies ([low, high); both 0 until known), so the call-site
/// walk can step over LockGraph's frames to the user's. Written once, before any walk reads it.
extern uintptr_t lockgraph_internal_text_low;
extern uintptr_t lockgraph_internal_text_high;

/// Sets the range above (once, before the first walk), with no holes: all of it is internal.
void lockgraph_set_internal_text(uintptr_t low, uintptr_t high);

/// Sets the range above, and the holes inside it: `count` pairs of bounds [low, high) in
/// `holes` (sorted, disjoint, copied), functions of other code (a program's small object linked
/// between LockGraph's) that the walk must not step over. See `ModuleLayout`.
void lockgraph_set_internal_layout(uintptr_t low, uintptr_t high, const uintptr_t *holes, long count);

/// Whether `address` lies in LockGraph's own code: inside the range above and in none of its
/// holes. Async-signal-safe.
int lockgraph_is_internal_code(uintptr_t address);

/// Whether `address` lies in one of `count` ranges given as pairs of bounds [low, high) in
/// `bounds`, sorted and disjoint (a binary search; the holes' test above, and `ModuleLayout`'s).
int lockgraph_ranges_contain(const uintptr_t *bounds, long count, uintptr_t address);

/// Reads the range above (for tests).
void lockgraph_get_internal_text(uintptr_t *low, uintptr_t *high);

/// The loaded object whose segments contain `address`: copies its file path into `path` (the
/// main program's is "/proc/self/exe") and its load bias into `bias`. Returns 0 when found.
int lockgraph_image_containing(uintptr_t address, char *path, unsigned long capacity, uintptr_t *bias);

/// The return address of the innermost frame above the caller that is outside LockGraph's own
/// code: the user's call into LockGraph (one word, no unwinding), or 0 if none was found within
/// `max_depth` frames. Follows saved frame pointers (Swift keeps them on Linux); every frame read
/// must lie inside the calling thread's stack (`lockgraph_set_thread_stack`; no walk before it is
/// set), be 8-byte aligned and lie above the previous one, so a frame without a frame pointer
/// ends the walk instead of faulting. Async-signal-safe, allocates nothing.
uintptr_t lockgraph_call_site(int max_depth);

/// The user's call site as the interposer found it at its entry point (0 when it did not), set
/// only while one of its hooks runs on this thread: inside the interposer library, LockGraph's
/// frames, the hook's and the interposer's lie between any walk and the user's call, so the
/// entry point, one frame from it, names it for the walk (see `lockgraph_site_hint_at_entry`).
extern __thread uintptr_t lockgraph_site_hint __attribute__((tls_model("initial-exec")));

/// `lockgraph_call_site` with its common cases inline: the return address of the function this
/// is inlined into (one load from its own frame) when that lies outside LockGraph's code, as it
/// does in optimised builds, where the acquisition path is inlined into the entry point the
/// user called; else the interposer's hint (inside a hook, where LockGraph's code is all the
/// interposer library). Otherwise (unoptimised builds) the out-of-line walk goes on from there.
static inline __attribute__((always_inline)) uintptr_t lockgraph_call_site_inline(void) {
    const uintptr_t *frame = (const uintptr_t *)__builtin_frame_address(0);
    const uintptr_t return_address = frame[1];
    if (return_address < lockgraph_internal_text_low || return_address >= lockgraph_internal_text_high) {
        return return_address;
    }
    const uintptr_t hint = lockgraph_site_hint;
    if (hint) return hint;
    return lockgraph_call_site(48);
}

/// Captures up to `size` (at most 48) return addresses of the calling thread into `buffer`:
/// the frames `unwind` (libunwind) captured earlier for the same frame-pointer chain, else
/// `unwind`'s. Returns the number of frames written. Reports keep exact libunwind stacks.
///
/// Why: libunwind costs about 800 instructions a stack, a walk of the saved frame pointers
/// (Swift keeps them on Linux) under 100, and a thread records most new edges from a few code
/// paths. The walk is the key of a small per-thread cache of libunwind's stacks (8 entries,
/// two-way set-associative by a hash of the chain, the whole chain compared on a hit: a hash
/// collision is only a miss).
///
/// Why a chain cannot stand for another stack: an entry is kept only when its chain agreed with
/// libunwind's frames one by one, every frame libunwind found, except at most one frame below a
/// zero frame pointer (the ABI's mark of the outermost frame, which only a thread's or the
/// process's root sets: clone3 below start_thread). Whether a frame has a frame record at a
/// given return address is fixed by the code at that address, so a frame without one would have
/// been missing from the chain then, and is missing from any chain that matches it now: the same
/// chain means the same return addresses in every frame, to the root. Only that root's own
/// frame (which reports trim with the thread start) is not seen by the walk. A chain that skips
/// a frame without a frame pointer (C code of libdispatch, libc) or ends on a broken frame
/// pointer fails that agreement and is never cached: such stacks always go to libunwind.
///
/// Per-thread state in an mmap'ed block freed at thread exit; allocates nothing with malloc. A
/// signal handler that interrupts the cache unwinds without it.
///
/// `tag`: set to the cache entry's tag word when the frames written are that entry's (a hit, or
/// a capture just kept), else to NULL. The caller may store there an id of exactly these frames
/// (LockGraph: their `StackTable` id, which never changes meaning) and read it on a later hit; an
/// entry's tag is reset to 0 whenever the entry is refilled, and moves with its frames between
/// the two ways. The pointer is valid only until the calling thread's next capture.
int lockgraph_backtrace_cached(void **buffer, int size, int (*unwind)(void **, int), uint32_t **tag);

/// How many of the calling thread's captures `lockgraph_backtrace_cached` served from its cache.
long lockgraph_backtrace_cache_hits(void);

/// The calling thread's stack, [low, high), as `lockgraph_set_thread_stack` recorded it (both 0
/// before): every frame the walks read lies inside it.
extern __thread uintptr_t lockgraph_thread_stack_low __attribute__((tls_model("initial-exec")));
extern __thread uintptr_t lockgraph_thread_stack_high __attribute__((tls_model("initial-exec")));

/// For the interposer's entry points (inlined there, `frame` their own frame, `return_address`
/// theirs): the user's call site as `lockgraph_call_site` would find it from inside the hook,
/// in a few loads. The entry's caller when that is not wrapper code in [wrapper_low,
/// wrapper_high) (Foundation's: `NSLock.lock()`); else that wrapper's caller when it is not
/// wrapper code either and its frame record lies inside the thread's stack; else 0 (the walk).
/// The entry's caller is never LockGraph's own code: those calls pass straight through.
static inline __attribute__((always_inline)) uintptr_t lockgraph_site_hint_at_entry(const uintptr_t *frame, uintptr_t return_address,
                                                                                    uintptr_t wrapper_low, uintptr_t wrapper_high) {
    if (return_address < wrapper_low || return_address >= wrapper_high) return return_address;
    const uintptr_t next = frame[0];
    const uintptr_t high = lockgraph_thread_stack_high;
    if (next <= (uintptr_t)frame || high < 2 * sizeof(uintptr_t) || next > high - 2 * sizeof(uintptr_t) || (next & 7) != 0) return 0;
    const uintptr_t outer = ((const uintptr_t *)next)[1];
    if (outer >= wrapper_low && outer < wrapper_high) return 0;
    return outer;
}

/// Records the calling thread's stack bounds for `lockgraph_call_site` (thread-local). Returns 0
/// when they could be read.
int lockgraph_set_thread_stack(void);

// MARK: The interposer (LockGraphPreload)

/// The mutex functions (and `cond_init`), whose hooks take the real functions' arguments: the
/// same fields in `lockgraph_real_pthread` and `lockgraph_hook_table`.
#define LOCKGRAPH_MUTEX_FUNCTIONS \
    int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *); \
    int (*mutex_lock)(pthread_mutex_t *); \
    int (*mutex_trylock)(pthread_mutex_t *); \
    int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *); \
    int (*mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *); \
    int (*mutex_unlock)(pthread_mutex_t *); \
    int (*mutex_destroy)(pthread_mutex_t *); \
    int (*cond_init)(pthread_cond_t *, const pthread_condattr_t *);

/// The real pthread functions, behind the ones the interposer library (`CLockGraphPreload`)
/// defines. All NULL unless that library is loaded; it fills them (dlsym RTLD_NEXT) before it
/// first calls a LockGraph hook, so a hook always finds them set.
struct lockgraph_real_pthread {
    LOCKGRAPH_MUTEX_FUNCTIONS
    int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
    int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
    int (*cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);
    int (*cond_signal)(pthread_cond_t *);
    int (*cond_broadcast)(pthread_cond_t *);
    int (*cond_destroy)(pthread_cond_t *);
    int (*rwlock_init)(pthread_rwlock_t *, const pthread_rwlockattr_t *);
    int (*rwlock_rdlock)(pthread_rwlock_t *);
    int (*rwlock_tryrdlock)(pthread_rwlock_t *);
    int (*rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
    int (*rwlock_clockrdlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
    int (*rwlock_wrlock)(pthread_rwlock_t *);
    int (*rwlock_trywrlock)(pthread_rwlock_t *);
    int (*rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
    int (*rwlock_clockwrlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
    int (*rwlock_unlock)(pthread_rwlock_t *);
    int (*rwlock_destroy)(pthread_rwlock_t *);
};

extern struct lockgraph_real_pthread lockgraph_real;

/// The interposer's per-thread guard: while set, the thread's pthread calls pass straight
/// through to the real functions. The interposer sets it around each hook; LockGraph sets it for
/// good at the start of its own threads (`lockgraph_exempt_current_thread`), whose locks and
/// waits are the detector's, not the program's. Harmless without the interposer.
extern __thread int lockgraph_interposer_guard __attribute__((tls_model("initial-exec")));

/// The interposer's own exemption, when this LockGraph is a program's attached to it (see
/// `lockgraph_hook_table`): the interposer reads its own guard, not this copy's. NULL otherwise.
extern void (*lockgraph_interposer_exempt)(void);

static inline void lockgraph_exempt_current_thread(void) {
    lockgraph_interposer_guard = 1;
    if (lockgraph_interposer_exempt) lockgraph_interposer_exempt();
}

static inline int lockgraph_interposer_guard_get(void) {
    return lockgraph_interposer_guard;
}

static inline int lockgraph_real_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a) { return lockgraph_real.mutex_init(m, a); }
static inline int lockgraph_real_mutex_lock(pthread_mutex_t *m) { return lockgraph_real.mutex_lock(m); }
static inline int lockgraph_real_mutex_trylock(pthread_mutex_t *m) { return lockgraph_real.mutex_trylock(m); }
static inline int lockgraph_real_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t) { return lockgraph_real.mutex_timedlock(m, t); }
static inline int lockgraph_real_mutex_clocklock(pthread_mutex_t *m, clockid_t c, const struct timespec *t) { return lockgraph_real.mutex_clocklock(m, c, t); }
static inline int lockgraph_real_mutex_unlock(pthread_mutex_t *m) { return lockgraph_real.mutex_unlock(m); }
static inline int lockgraph_real_mutex_destroy(pthread_mutex_t *m) { return lockgraph_real.mutex_destroy(m); }
static inline int lockgraph_real_cond_init(pthread_cond_t *c, const pthread_condattr_t *a) { return lockgraph_real.cond_init(c, a); }
static inline int lockgraph_real_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) { return lockgraph_real.cond_wait(c, m); }
static inline int lockgraph_real_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t) { return lockgraph_real.cond_timedwait(c, m, t); }
/// `clock` < 0: `pthread_cond_timedwait` (the condition's own clock); else `pthread_cond_clockwait`.
static inline int lockgraph_real_cond_deadline_wait(pthread_cond_t *c, pthread_mutex_t *m, int clock, const struct timespec *t) {
    if (clock < 0) return lockgraph_real.cond_timedwait(c, m, t);
    return lockgraph_real.cond_clockwait(c, m, (clockid_t)clock, t);
}
static inline int lockgraph_real_cond_signal(pthread_cond_t *c) { return lockgraph_real.cond_signal(c); }
static inline int lockgraph_real_cond_broadcast(pthread_cond_t *c) { return lockgraph_real.cond_broadcast(c); }
static inline int lockgraph_real_cond_destroy(pthread_cond_t *c) { return lockgraph_real.cond_destroy(c); }
static inline int lockgraph_real_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a) { return lockgraph_real.rwlock_init(l, a); }
/// `write` 0: read; `deadline` NULL: blocking (`pthread_rwlock_rdlock`/`wrlock`), else timed:
/// `pthread_rwlock_timedrdlock`/`timedwrlock` when `clock` < 0, `clockrdlock`/`clockwrlock` on
/// that clock when not.
static inline int lockgraph_real_rwlock_lock(pthread_rwlock_t *l, int write, int clock, const struct timespec *deadline) {
    if (!deadline) return write ? lockgraph_real.rwlock_wrlock(l) : lockgraph_real.rwlock_rdlock(l);
    if (clock >= 0) {
        return write ? lockgraph_real.rwlock_clockwrlock(l, (clockid_t)clock, deadline)
            : lockgraph_real.rwlock_clockrdlock(l, (clockid_t)clock, deadline);
    }
    return write ? lockgraph_real.rwlock_timedwrlock(l, deadline) : lockgraph_real.rwlock_timedrdlock(l, deadline);
}
static inline int lockgraph_real_rwlock_trylock(pthread_rwlock_t *l, int write) {
    return write ? lockgraph_real.rwlock_trywrlock(l) : lockgraph_real.rwlock_tryrdlock(l);
}
static inline int lockgraph_real_rwlock_unlock(pthread_rwlock_t *l) { return lockgraph_real.rwlock_unlock(l); }
static inline int lockgraph_real_rwlock_destroy(pthread_rwlock_t *l) { return lockgraph_real.rwlock_destroy(l); }

/// The type of an initialised (or statically initialised) mutex: 0 normal, 1 recursive,
/// 2 error-checking, 3 adaptive (`PTHREAD_MUTEX_*_NP`). glibc keeps it in `__kind`, which its
/// static initialisers set too; its higher bits are flags (robust, priority protocols).
static inline int lockgraph_mutex_kind(const pthread_mutex_t *m) {
#ifdef __GLIBC__
    return m->__data.__kind & 3;
#else
    (void)m;
    return 0;
/// The name of the exported (dynamic) symbol containing `address` (`dladdr`), or NULL.
const char *lockgraph_dynamic_symbol(uintptr_t address);

#endif
}

/// Code that wraps pthread locks for its callers (Foundation's `NSLock` family, and the
/// interposer library when this LockGraph is a program's): the call-site walk steps over it as
/// it does over LockGraph's own code, so an `NSLock.lock()` is placed at the user's call.
/// Adds [low, high) to at most 4 such ranges (a fifth is ignored); none unless the interposer
/// added them.
void lockgraph_add_wrapper_text(uintptr_t low, uintptr_t high);

/// Whether `address` lies in LockGraph's own code or in a range added above.
int lockgraph_is_stepped_over(uintptr_t address);

// MARK: One LockGraph per process

/// The hooks of one LockGraph instance (Sources/LockGraph/Interposition, declared in
/// lockgraph_preload.h). A program that links LockGraph and runs under the interposer hands
/// its own to the interposer at start-up (`lockgraph_preload_attach`), so tracked and
/// interposed locks live in the program's one graph and each violation is reported once.
struct lockgraph_hook_table {
    void (*install)(uintptr_t own_low, uintptr_t own_high, uintptr_t wrapper_low, uintptr_t wrapper_high);
    LOCKGRAPH_MUTEX_FUNCTIONS
    int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *, int clock, const struct timespec *);
    int (*cond_signal)(pthread_cond_t *, int broadcast);
    int (*cond_destroy)(pthread_cond_t *);
    int (*rwlock_init)(pthread_rwlock_t *, const pthread_rwlockattr_t *);
    int (*rwlock_lock)(pthread_rwlock_t *, int write, int clock, const struct timespec *);
    int (*rwlock_trylock)(pthread_rwlock_t *, int write);
    int (*rwlock_unlock)(pthread_rwlock_t *);
    int (*rwlock_destroy)(pthread_rwlock_t *);
    /// That instance's copy of the real functions, filled by the interposer.
    struct lockgraph_real_pthread *real;
    /// That instance's own code (`lockgraph_get_internal_text`), read after `install`: the
    /// pthread calls made from it (tracked types' raw mutexes, internal locks) pass through.
    void (*internal_text)(uintptr_t *low, uintptr_t *high);
    /// Where the interposer stores its thread exemption (`lockgraph_interposer_exempt`).
    void (**exempt)(void);
};

/// This copy's hooks (the table above, for this copy of LockGraph).
const struct lockgraph_hook_table *lockgraph_own_hooks(void);

/// The name of the exported (dynamic) symbol containing `address` (`dladdr`), or NULL.
const char *lockgraph_dynamic_symbol(uintptr_t address);

/// What the dynamic loader knows of `address` (`dladdr`): the path of the image holding it
/// (the main program's may be its `argv[0]`), where that image is loaded, and the exported
/// symbol containing it (NULL when none). Returns 0 when no loaded image holds it.
int lockgraph_loader_info(uintptr_t address, const char **image, uintptr_t *base, const char **symbol);

#endif
