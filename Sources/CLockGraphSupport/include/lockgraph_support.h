// The hot path's C surface: one thread-local word (the calling thread's LockGraph state) and a
// bounded frame-pointer walk that names an acquisition's call site without unwinding.
#ifndef LOCKGRAPH_SUPPORT_H
#define LOCKGRAPH_SUPPORT_H

#include <stdint.h>

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

/// Where LockGraph's own machine code lies ([low, high); both 0 until known), so the call-site
/// walk can step over LockGraph's frames to the user's. Written once, before any walk reads it.
extern uintptr_t lockgraph_internal_text_low;
extern uintptr_t lockgraph_internal_text_high;

/// Sets the range above (once, before the first walk).
void lockgraph_set_internal_text(uintptr_t low, uintptr_t high);

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

/// `lockgraph_call_site` with its common case inline: the return address of the function this
/// is inlined into (one load from its own frame) when that lies outside LockGraph's code, as it
/// does in optimised builds, where the acquisition path is inlined into the entry point the
/// user called. Otherwise (unoptimised builds) the out-of-line walk goes on from there.
static inline __attribute__((always_inline)) uintptr_t lockgraph_call_site_inline(void) {
    const uintptr_t *frame = (const uintptr_t *)__builtin_frame_address(0);
    const uintptr_t return_address = frame[1];
    if (return_address < lockgraph_internal_text_low || return_address >= lockgraph_internal_text_high) {
        return return_address;
    }
    return lockgraph_call_site(48);
}

/// Records the calling thread's stack bounds for `lockgraph_call_site` (thread-local). Returns 0
/// when they could be read.
int lockgraph_set_thread_stack(void);

#endif
