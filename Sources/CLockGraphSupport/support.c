#define _GNU_SOURCE
#include "lockgraph_support.h"
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <string.h>

__thread void *lockgraph_thread_state __attribute__((tls_model("initial-exec"))) = 0;

// The calling thread's stack, [low, high): 0, 0 until lockgraph_set_thread_stack.
__thread uintptr_t lockgraph_thread_stack_low __attribute__((tls_model("initial-exec"))) = 0;
__thread uintptr_t lockgraph_thread_stack_high __attribute__((tls_model("initial-exec"))) = 0;

uintptr_t lockgraph_internal_text_low = 0;
uintptr_t lockgraph_internal_text_high = 0;
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
    const uintptr_t low = lockgraph_internal_text_low;
    const uintptr_t high = lockgraph_internal_text_high;
    // frame[0]: the caller's saved frame pointer; frame[1]: the return address into the caller.
    uintptr_t *frame = (uintptr_t *)__builtin_frame_address(0);
    for (int depth = 0; depth <= max_depth; depth++) {
        uintptr_t address = (uintptr_t)frame;
        if (address < stack_low || address > stack_high - 2 * sizeof(uintptr_t) || (address & 7) != 0) return 0;
        uintptr_t return_address = frame[1];
        if (return_address == 0) return 0;
        // Depth 0 returns into LockGraph's caller of this function: never the user's site.
        if (depth >= 1 && (return_address < low || return_address >= high) && !in_wrapper_text(return_address)) return return_address;
        uintptr_t *next = (uintptr_t *)frame[0];
        if ((uintptr_t)next <= address) return 0;
        frame = next;
    }
    return 0;
}

void lockgraph_set_internal_text(uintptr_t low, uintptr_t high) {
    lockgraph_internal_text_low = low;
    lockgraph_internal_text_high = high;
}

void lockgraph_add_wrapper_text(uintptr_t low, uintptr_t high) {
    if (low >= high || wrapper_text_count == MAX_WRAPPER_TEXT) return;
    wrapper_text_low[wrapper_text_count] = low;
    wrapper_text_high[wrapper_text_count] = high;
    wrapper_text_count++;
}

int lockgraph_is_stepped_over(uintptr_t address) {
    return (address >= lockgraph_internal_text_low && address < lockgraph_internal_text_high) || in_wrapper_text(address);
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
