/// All threads that have used a tracked lock and are still alive: what `observe()` reads.
final class ThreadRegistry: Sendable {
    static let shared = ThreadRegistry()
    private let threads = InternalProtected<[ObjectIdentifier: ThreadState]>([:])

    func add(_ state: ThreadState) {
        threads.withLock { $0[ObjectIdentifier(state)] = state }
    }

    func remove(_ state: ThreadState) {
        threads.withLock { $0[ObjectIdentifier(state)] = nil }
    }

    /// After `fork()`, only the forking thread exists: forget the others (their held locks and
    /// waits are gone with them). Their thread-local slots, which own them, are never freed.
    func keepOnly(_ survivor: ThreadState?) {
        threads.withLock { threads in
            threads = threads.filter { $0.value === survivor }
        }
    }

    func all() -> [ThreadState] {
        threads.withLock { Array($0.values) }
    }
}

// MARK: Reading other threads

/// One thread's tracked state as another thread read it (see `ThreadRegistry.observe()`): plain
/// values, read without stopping the thread, so only as current as the reading.
struct ObservedThread {
    /// The thread, its name read from the kernel at the reading.
    let thread: ThreadDescriptor
    /// The locks it held, outermost first (position `i` is its held entry `i`), each with the
    /// time it was acquired (see `ThreadState.observedHeld()`).
    let held: [(id: UInt64, since: UInt64)]
    /// The lock it was blocked on, since when, and how.
    let wait: (lock: UInt64, since: UInt64, kind: ThreadState.WaitKind)?
    /// Kept only to read acquisition stacks later (see `acquisitionStack(at:)`).
    private let state: ThreadState

    fileprivate init(_ state: ThreadState, held: [(id: UInt64, since: UInt64)], wait: (lock: UInt64, since: UInt64, kind: ThreadState.WaitKind)?) {
        thread = ThreadDescriptor(threadID: state.threadID)
        self.held = held
        self.wait = wait
        self.state = state
    }

    /// The stack that acquired `held[index]`, read now: empty when none was captured, or when
    /// another lock has since taken that position; never another lock's stack.
    func acquisitionStack(at index: Int) -> StackTrace {
        guard held.indices.contains(index) else { return .empty }
        return state.acquisitionStack(at: index, expecting: held[index].id)
    }

    /// The stack that acquired `lock` (its outermost hold), as `acquisitionStack(at:)` reads it.
    func acquisitionStack(of lock: UInt64) -> StackTrace {
        held.firstIndex { $0.id == lock }.map(acquisitionStack(at:)) ?? .empty
    }
}

extension ThreadRegistry {
    /// Every registered thread that holds or waits for a tracked lock, in thread-id order, read
    /// without stopping it (best effort while it runs). The one reader of other threads' state:
    /// the watchdog's wait graph, the dump, snapshots and destruction checks use it.
    func observe() -> [ObservedThread] {
        all().compactMap { state -> ObservedThread? in
            let held = state.observedHeld()
            let wait = state.observedWait()
            guard !held.isEmpty || wait != nil else { return nil }
            return ObservedThread(state, held: held, wait: wait)
        }.sorted { $0.thread.id < $1.thread.id }
    }
}

extension ThreadDescriptor {
    /// Thread `threadID` of this process as reports show it, its name read from the kernel now
    /// (none if the thread has no name or has exited). The one place a descriptor is made from a
    /// bare thread id; a thread describing itself uses `ThreadState.descriptor(refreshName:)`.
    init(threadID: Int) {
        self.init(id: threadID, name: ThreadState.name(ofThread: threadID))
    }
}
