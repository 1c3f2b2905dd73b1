// Storage for the interposer's per-thread state: its cache (see lockgraph_mutex_cache.h),
// its guard and its call-site hint (see lockgraph_support.h).
#include "lockgraph_support.h"

__thread int lockgraph_interposer_guard __attribute__((tls_model("initial-exec"))) = 0;

__thread struct lockgraph_mutex_cache_slot lockgraph_mutex_cache[LOCKGRAPH_MUTEX_CACHE_SLOTS]
    __attribute__((tls_model("initial-exec")));

uintptr_t lockgraph_mutex_epochs[LOCKGRAPH_MUTEX_EPOCH_SHARDS];

__thread uintptr_t lockgraph_site_hint __attribute__((tls_model("initial-exec"))) = 0;
