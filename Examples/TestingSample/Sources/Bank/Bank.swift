import LockGraph

/// A bank whose two code paths take its two locks in opposite orders.
public final class Bank: Sendable {
    let accounts = TrackedMutex(name: "accounts")
    let audit = TrackedMutex(name: "audit")

    public init() {}

    /// Takes accounts, then audit.
    public func transfer() {
        accounts.withLock { audit.withLock {} }
    }

    /// Takes audit, then accounts: the opposite order.
    public func runAudit() {
        audit.withLock { accounts.withLock {} }
    }

    /// Takes the locks in the same order as transfer().
    public func statement() {
        accounts.withLock { audit.withLock {} }
    }

    /// Re-enters accounts: the helper it calls takes the lock this method already holds (with
    /// NSLock the thread would wait for itself forever).
    public func closeAccount() {
        accounts.withLock { recordClosure() }
    }

    func recordClosure() {
        accounts.withLock {}
    }
}
