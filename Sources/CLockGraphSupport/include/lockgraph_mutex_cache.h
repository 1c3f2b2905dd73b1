// The interposer's per-thread cache of address -> entry, for mutexes (an unretained
// `InterposedMutex`) and reader-writer locks (an unretained `LockInfo`), so that an interposed
// lock or unlock of one the thread used recently costs a few loads instead of a look-up in the
// shared address table under one of its locks. Each slot's key carries the kind in the
// address's low bit (objects are 8-byte aligned), so memory that held one kind and now holds
// the other never yields an entry of the wrong type.
//
// Invariant (a cached entry is never used after its lock was destroyed or replaced): every
// address belongs to one of `LOCKGRAPH_MUTEX_EPOCH_SHARDS` epoch counters. The table's owner
// bumps the address's counter after removing or replacing its entry (and before releasing the
// old one); a filler reads the counter before looking the address up in the table and stores
// that value with the entry. A slot is used only while its stored epoch equals the current
// counter, so an entry removed after the fill can never be returned. The slot never keeps the
// entry alive: a hit is used only on the path of a pthread call on that lock, which POSIX
// forbids to race with its destruction.
#ifndef LOCKGRAPH_MUTEX_CACHE_H
#define LOCKGRAPH_MUTEX_CACHE_H

#include <stdint.h>

#define LOCKGRAPH_MUTEX_CACHE_SLOTS 16
#define LOCKGRAPH_MUTEX_EPOCH_SHARDS 64

struct lockgraph_mutex_cache_slot {
    uintptr_t address;
    void *entry;
    uintptr_t epoch;
};

/// Direct-mapped, one per thread (`initial-exec`: one load relative to the thread pointer).
extern __thread struct lockgraph_mutex_cache_slot lockgraph_mutex_cache[LOCKGRAPH_MUTEX_CACHE_SLOTS]
    __attribute__((tls_model("initial-exec")));

/// Which entries: `LOCKGRAPH_CACHE_MUTEX` or `LOCKGRAPH_CACHE_RWLOCK` (a constant at every call,
/// folded once inlined).
enum lockgraph_cache_kind { LOCKGRAPH_CACHE_MUTEX = 0, LOCKGRAPH_CACHE_RWLOCK = 1 };

/// The epoch counters (see the invariant above). Written only by the tables' owners.
extern uintptr_t lockgraph_mutex_epochs[LOCKGRAPH_MUTEX_EPOCH_SHARDS];

static inline unsigned lockgraph_mutex_cache_index(uintptr_t address) {
    // Mutexes are 8-byte aligned, usually 48 or 64 bytes apart (one malloc block each).
    return (unsigned)(((address >> 3) * 0x9E3779B97F4A7C15ull) >> 60) & (LOCKGRAPH_MUTEX_CACHE_SLOTS - 1);
}

static inline unsigned lockgraph_mutex_epoch_index(uintptr_t address) {
    return (unsigned)((address >> 3) ^ (address >> 9)) & (LOCKGRAPH_MUTEX_EPOCH_SHARDS - 1);
}

/// The address's current epoch: read before looking the address up in the table.
static inline uintptr_t lockgraph_mutex_epoch(uintptr_t address) {
    return __atomic_load_n(&lockgraph_mutex_epochs[lockgraph_mutex_epoch_index(address)], __ATOMIC_ACQUIRE);
}

/// Called after the address's entry was removed or replaced, before the old one is released.
static inline void lockgraph_mutex_epoch_bump(uintptr_t address) {
    __atomic_fetch_add(&lockgraph_mutex_epochs[lockgraph_mutex_epoch_index(address)], 1, __ATOMIC_RELEASE);
}

/// The calling thread's cached entry of kind `kind` for `address`, or NULL.
static inline __attribute__((always_inline)) void *lockgraph_cache_find(enum lockgraph_cache_kind kind, uintptr_t address) {
    const struct lockgraph_mutex_cache_slot *slot = &lockgraph_mutex_cache[lockgraph_mutex_cache_index(address)];
    if (slot->address != (address | (uintptr_t)kind)) return 0;
    if (slot->epoch != __atomic_load_n(&lockgraph_mutex_epochs[lockgraph_mutex_epoch_index(address)], __ATOMIC_RELAXED)) {
        return 0;
    }
    return slot->entry;
}

/// Caches `entry` of kind `kind` for `address`, found in the table after reading `epoch`.
static inline void lockgraph_cache_store(enum lockgraph_cache_kind kind, uintptr_t address, void *entry, uintptr_t epoch) {
    struct lockgraph_mutex_cache_slot *slot = &lockgraph_mutex_cache[lockgraph_mutex_cache_index(address)];
    slot->address = address | (uintptr_t)kind;
    slot->entry = entry;
    slot->epoch = epoch;
}

#endif
