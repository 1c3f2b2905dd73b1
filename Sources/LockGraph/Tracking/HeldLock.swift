/// One lock held by a thread: plain values, no reference, so pushing and popping costs no
/// reference counting. The lock itself is found by id (the graph store's registry) when needed.
struct HeldLock {
    var id: UInt64
    /// The graph node edges leave from: the lock id, or for a reader-writer lock its read-hold
    /// or write-hold node (see `LockNode`).
    var node: UInt64
    /// A hash of the ids held from the bottom of the stack up to this entry (lockdep's "chain
    /// key"): one cache probe tells whether every edge from this exact held stack into a lock
    /// is already known, whatever the nesting depth.
    var chain: UInt64
    /// How many times a recursive lock is held (1 for others).
    var recursion: Int32
    /// Of `recursion`, the levels granted without a raw acquisition: re-entries of a
    /// non-recursive lock allowed to proceed (see `Tracking.reentryProceeds`). Their unlocks
    /// release nothing. Invariant: `0 <= virtualLevels < recursion`.
    var virtualLevels: Int32 = 0
    /// Frames captured at acquisition, in this entry's stack slot (0 = not captured).
    var stackDepth: Int32
    /// Monotonic time of the acquisition, kept only for locks that collect statistics (else 0).
    var acquiredAt: UInt64 = 0
    /// The return address of the user's call into LockGraph that took the lock (see
    /// `ThreadState.callSite()`), 0 if unknown. Always recorded: when no stack was kept for this
    /// acquisition, it still names the file:line that took the lock.
    var site: UInt = 0
    /// The acquisition stack's id in `StackTable`, interned the first time an edge needs it
    /// (0: not yet, or no stack).
    var stackID: UInt32 = 0
}

/// The state the hot path touches, behind a pointer: stored properties of a class are subject
/// to dynamic exclusivity checks on every access, memory behind an `UnsafeMutablePointer` is not.
/// Only the owning thread reads or writes it (others see held locks through `ThreadState`'s
/// mirrors). Invariants: `held[0..<heldCount]` initialised, `heldCount <= heldCapacity`, each
/// entry's `chain` is `ThreadState.chain(chain of the entry below, or 0, its node)`.
struct HotThreadState {
    var held: UnsafeMutablePointer<HeldLock>
    var heldCount = 0
    var heldCapacity: Int
    var knownEdges = KnownEdgeCache()
    /// (chain key of the held stack, acquired lock) pairs whose edges are all known.
    var knownChains = KnownEdgeCache()
    /// The value of `ThreadState.cacheResets` the cache was last cleared for.
    var cacheGeneration: UInt64 = 0
    /// True while this thread delivers a report: locks taken by handlers are tracked but not
    /// checked, so a handler can never recurse into another report.
    var isReporting = false
    #if DEBUG
    /// Acquisitions taken by the steady-state path (`Tracking.lockKnown`), counted in debug
    /// builds only, so tests can tell that path from the general one.
    var knownAcquisitions = 0
    #endif
}
