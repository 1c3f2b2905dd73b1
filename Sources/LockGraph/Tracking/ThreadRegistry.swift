/// All threads that have used a tracked lock and are still alive, for snapshots.
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
