#define _GNU_SOURCE
#include "lockgraph_support.h"
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

__thread void *lockgraph_thread_state __attribute__((tls_model("initial-exec"))) = 0;

// The calling thread's stack, [low, high): 0, 0 until lockgraph_set_thread_stack.
__thread uintptr_t lockgraph_thread_stack_low __attribute__((tls_model("initial-exec"))) = 0;
__thread uintptr_t lockgraph_thread_stack_high __attribute__((tls_model("initial-exec"))) = 0;

uintptr_t lockgraph_internal_text_low = 0;
uintptr_t lockgraph_internal_text_high = 0;
// The holes in that range: a count and that many pairs of bounds, sorted; published whole with
// one releasing store, before the range itself is set. Never freed (set at most twice per
// process), so a walk still reading a replaced table reads valid memory.
struct internal_holes {
    long count;
    uintptr_t bounds[];
};
static struct internal_holes *internal_holes = 0;

int lockgraph_ranges_contain(const uintptr_t *bounds, long count, uintptr_t address) {
    // The last range starting at or below `address`.
    long low = 0, high = count;
    while (low < high) {
        const long middle = low + (high - low) / 2;
        if (bounds[2 * middle] <= address) low = middle + 1; else high = middle;
    }
    return low > 0 && address < bounds[2 * (low - 1) + 1];
}

int lockgraph_is_internal_code(uintptr_t address) {
    if (address < lockgraph_internal_text_low || address >= lockgraph_internal_text_high) return 0;
    const struct internal_holes *table = __atomic_load_n(&internal_holes, __ATOMIC_ACQUIRE);
    return !table || !lockgraph_ranges_contain(table->bounds, table->count, address);
}

#define MAX_WRAPPER_TEXT 4
static uintptr_t wrapper_text_low[MAX_WRAPPER_TEXT];
static uintptr_t wrapper_text_high[MAX_WRAPPER_TEXT];
static int wrapper_text_count = 0;

static int in_wrapper_text(uintptr_t address) {
    for (int index = 0; index < wrapper_text_count; index++) {
        if (address >= wrapper_text_low[index] && address < wrapper_text_high[index]) return 1;
    }
    return 0;
}

struct lockgraph_real_pthread lockgraph_real;

// noinline: the walk starts from this function's own frame, so depth 0 is always its caller.
// __builtin_frame_address forces a frame pointer here even when optimised.
__attribute__((noinline))
uintptr_t lockgraph_call_site(int max_depth) {
    const uintptr_t stack_low = lockgraph_thread_stack_low;
    const uintptr_t stack_high = lockgraph_thread_stack_high;
    if (stack_high <= stack_low + 2 * sizeof(uintptr_t)) return 0;
    // frame[0]: the caller's saved frame pointer; frame[1]: the return address into the caller.
    uintptr_t *frame = (uintptr_t *)__builtin_frame_address(0);
    for (int depth = 0; depth <= max_depth; depth++) {
        uintptr_t address = (uintptr_t)frame;
        if (address < stack_low || address > stack_high - 2 * sizeof(uintptr_t) || (address & 7) != 0) return 0;
        uintptr_t return_address = frame[1];
        if (return_address == 0) return 0;
        // Depth 0 returns into LockGraph's caller of this function: never the user's site.
        if (depth >= 1 && !lockgraph_is_internal_code(return_address) && !in_wrapper_text(return_address)) return return_address;
        uintptr_t *next = (uintptr_t *)frame[0];
        if ((uintptr_t)next <= address) return 0;
        frame = next;
    }
    return 0;
}

void lockgraph_set_internal_text(uintptr_t low, uintptr_t high) {
    lockgraph_set_internal_layout(low, high, 0, 0);
}

void lockgraph_set_internal_layout(uintptr_t low, uintptr_t high, const uintptr_t *holes, long count) {
    struct internal_holes *table = 0;
    if (count > 0 && holes) {
        // Allocation failure leaves no holes: the whole range counts as internal.
        table = malloc(sizeof(struct internal_holes) + sizeof(uintptr_t) * 2 * (size_t)count);
        if (table) {
            table->count = count;
            memcpy(table->bounds, holes, sizeof(uintptr_t) * 2 * (size_t)count);
        }
    }
    __atomic_store_n(&internal_holes, table, __ATOMIC_RELEASE);
    __atomic_store_n(&lockgraph_internal_text_low, low, __ATOMIC_RELEASE);
    __atomic_store_n(&lockgraph_internal_text_high, high, __ATOMIC_RELEASE);
}

void lockgraph_add_wrapper_text(uintptr_t low, uintptr_t high) {
    if (low >= high || wrapper_text_count == MAX_WRAPPER_TEXT) return;
    wrapper_text_low[wrapper_text_count] = low;
    wrapper_text_high[wrapper_text_count] = high;
    wrapper_text_count++;
}

int lockgraph_is_stepped_over(uintptr_t address) {
    return lockgraph_is_internal_code(address) || in_wrapper_text(address);
}

void lockgraph_get_internal_text(uintptr_t *low, uintptr_t *high) {
    *low = lockgraph_internal_text_low;
    *high = lockgraph_internal_text_high;
}

struct image_search {
    uintptr_t address;
    char *path;
    unsigned long capacity;
    uintptr_t bias;
    int found;
};

static int image_search_visit(struct dl_phdr_info *info, size_t size, void *context) {
    (void)size;
    struct image_search *search = context;
    for (int index = 0; index < info->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[index];
        if (header->p_type != PT_LOAD) continue;
        uintptr_t start = info->dlpi_addr + header->p_vaddr;
        if (search->address < start || search->address >= start + header->p_memsz) continue;
        const char *name = (info->dlpi_name && info->dlpi_name[0]) ? info->dlpi_name : "/proc/self/exe";
        strncpy(search->path, name, search->capacity - 1);
        search->path[search->capacity - 1] = 0;
        search->bias = info->dlpi_addr;
        search->found = 1;
        return 1;
    }
    return 0;
}

int lockgraph_image_containing(uintptr_t address, char *path, unsigned long capacity, uintptr_t *bias) {
    if (capacity == 0) return -1;
    struct image_search search = { address, path, capacity, 0, 0 };
    dl_iterate_phdr(image_search_visit, &search);
    if (!search.found) return -1;
    *bias = search.bias;
    return 0;
}

int lockgraph_set_thread_stack(void) {
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) != 0) return -1;
    void *base = 0;
    size_t size = 0;
    int result = pthread_attr_getstack(&attributes, &base, &size);
    pthread_attr_destroy(&attributes);
    if (result != 0 || base == 0) return -1;
    lockgraph_thread_stack_low = (uintptr_t)base;
    lockgraph_thread_stack_high = (uintptr_t)base + size;
    return 0;
}

const char *lockgraph_dynamic_symbol(uintptr_t address) {
    Dl_info info;
    if (dladdr((const void *)address, &info) == 0) return 0;
    return info.dli_sname;
}

int lockgraph_loader_info(uintptr_t address, const char **image, uintptr_t *base, const char **symbol) {
    Dl_info info;
    if (dladdr((const void *)address, &info) == 0 || info.dli_fname == 0) return 0;
    *image = info.dli_fname;
    *base = (uintptr_t)info.dli_fbase;
    *symbol = info.dli_sname;
    return 1;
}

// MARK: Stack capture keyed by the frame-pointer chain (see the header)

enum {
    STACK_CACHE_ENTRIES = 8, STACK_CACHE_FRAMES = 48, STACK_CACHE_TAIL = 1,
    // After this many stacks in a row that could not be kept, the next STACK_CACHE_PAUSE
    // captures skip the walk (a thread whose stacks never qualify, such as the main thread, whose
    // root is several frames below its last frame record, pays libunwind alone).
    STACK_CACHE_FAILURES = 8, STACK_CACHE_PAUSE = 1024
};

struct stack_cache_entry {
    uint64_t hash;     // of key[0 ..< key_depth]; the entry is empty while depth is 0
    int key_depth;     // frame records walked
    int depth;         // frames libunwind captured
    uint32_t tag;      // the caller's id for frames[0 ..< depth] (0: none yet); see the header
    uintptr_t key[STACK_CACHE_FRAMES];
    void *frames[STACK_CACHE_FRAMES];
};

struct stack_cache {
    int busy;          // set while this thread is inside the cache: a signal handler then unwinds
    int failures;      // stacks in a row that could not be kept
    int paused;        // captures left that go straight to libunwind
    long hits;         // captures served from the cache (for tests)
    struct stack_cache_entry entries[STACK_CACHE_ENTRIES];
};

static __thread struct stack_cache *thread_stack_cache __attribute__((tls_model("initial-exec"))) = 0;
static __thread int thread_stack_cache_gone __attribute__((tls_model("initial-exec"))) = 0;
static pthread_key_t stack_cache_key;
static pthread_once_t stack_cache_once = PTHREAD_ONCE_INIT;
static int stack_cache_key_made = 0;

static void stack_cache_release(void *cache) {
    // Runs on the exiting thread: later thread-exit code unwinds without the cache.
    thread_stack_cache = 0;
    thread_stack_cache_gone = 1;
    munmap(cache, sizeof(struct stack_cache));
}

static void stack_cache_make_key(void) {
    stack_cache_key_made = pthread_key_create(&stack_cache_key, stack_cache_release) == 0;
}

// The calling thread's cache, made on first use (mmap, not malloc: a lock taken in a signal
// handler may get here), or 0 when there is none (thread exiting, no memory).
static struct stack_cache *stack_cache_get(void) {
    struct stack_cache *cache = thread_stack_cache;
    if (cache != 0 || thread_stack_cache_gone) return cache;
    pthread_once(&stack_cache_once, stack_cache_make_key);
    if (!stack_cache_key_made) return 0;
    void *memory = mmap(0, sizeof(struct stack_cache), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return 0;
    if (pthread_setspecific(stack_cache_key, memory) != 0) {
        munmap(memory, sizeof(struct stack_cache));
        return 0;
    }
    thread_stack_cache = memory;
    return memory;
}

static inline uint64_t stack_cache_mix(uint64_t hash, uint64_t value) {
    hash = (hash ^ value) * 0x9E3779B97F4A7C15ull;
    return hash ^ (hash >> 29);
}

__attribute__((noinline))
int lockgraph_backtrace_cached(void **buffer, int size, int (*unwind)(void **, int), uint32_t **tag) {
    *tag = 0;
    struct stack_cache *cache = stack_cache_get();
    if (cache == 0 || cache->busy || size > STACK_CACHE_FRAMES) return unwind(buffer, size);
    if (cache->paused > 0) {
        cache->paused--;
        return unwind(buffer, size);
    }
    cache->busy = 1;
    // The frame-record chain from this function's own frame, checked as lockgraph_call_site
    // checks it. `ended`: it stopped at a zero frame pointer, the ABI's mark of the outermost frame.
    const uintptr_t stack_low = lockgraph_thread_stack_low, stack_high = lockgraph_thread_stack_high;
    uintptr_t key[STACK_CACHE_FRAMES];
    int key_depth = 0, ended = 0;
    uint64_t hash = 0;
    uintptr_t *frame = (uintptr_t *)__builtin_frame_address(0);
    while (key_depth < STACK_CACHE_FRAMES) {
        uintptr_t address = (uintptr_t)frame;
        if (address < stack_low || address > stack_high - 2 * sizeof(uintptr_t) || (address & 7) != 0) break;
        uintptr_t return_address = frame[1];
        if (return_address == 0) break;
        key[key_depth++] = return_address;
        hash = stack_cache_mix(hash, return_address);
        uintptr_t *next = (uintptr_t *)frame[0];
        if (next == 0) {
            ended = 1;
            break;
        }
        if ((uintptr_t)next <= address) break;
        frame = next;
    }
    hash |= 1;
    // Two-way: a stack is looked for in both entries of its pair, and a new one moves the first
    // to the second (a thread's holder and acquirer stacks must not evict each other).
    struct stack_cache_entry *entry = &cache->entries[(hash >> 32) & (STACK_CACHE_ENTRIES - 2)];
    for (int way = 0; way < 2 && key_depth > 0; way++) {
        const struct stack_cache_entry *candidate = entry + way;
        struct stack_cache_entry *const found = entry + way;
        if (candidate->depth > 0 && candidate->depth <= size && candidate->hash == hash && candidate->key_depth == key_depth
            && memcmp(candidate->key, key, (size_t)key_depth * sizeof(uintptr_t)) == 0) {
            memcpy(buffer, candidate->frames, (size_t)candidate->depth * sizeof(void *));
            cache->failures = 0;
            cache->hits++;
            cache->busy = 0;
            *tag = &found->tag;
            return candidate->depth;
        }
    }
    int depth = unwind(buffer, size);
    // Kept only if the walk agrees with libunwind frame by frame from where the walk starts
    // (libunwind also lists this function, at most a few frames earlier), to libunwind's last
    // frame or to a zero frame pointer with only the thread's root below it.
    int start = 0;
    while (start < depth && start < 4 && (uintptr_t)buffer[start] != key[0]) start++;
    const int tail = depth - start - key_depth;
    if (key_depth > 0 && start < depth && tail >= 0 && (tail == 0 || (ended && tail <= STACK_CACHE_TAIL))
        && memcmp(buffer + start, key, (size_t)key_depth * sizeof(uintptr_t)) == 0) {
        if (entry->depth > 0) entry[1] = entry[0];
        entry->hash = hash;
        entry->key_depth = key_depth;
        entry->depth = depth;
        entry->tag = 0;
        memcpy(entry->key, key, (size_t)key_depth * sizeof(uintptr_t));
        memcpy(entry->frames, buffer, (size_t)depth * sizeof(void *));
        *tag = &entry->tag;
        cache->failures = 0;
    } else if (++cache->failures >= STACK_CACHE_FAILURES) {
        cache->failures = 0;
        cache->paused = STACK_CACHE_PAUSE;
    }
    cache->busy = 0;
    return depth;
}

long lockgraph_backtrace_cache_hits(void) {
    const struct stack_cache *cache = thread_stack_cache;
    return cache != 0 ? cache->hits : 0;
}
