import Foundation

/// Two NSLocks that `transfer()` and `audit()` take in opposite orders.
public final class Ledger: @unchecked Sendable {
    private let accounts = NSLock()
    private let journal = NSLock()

    public init() {}

    public func transfer() {
        accounts.lock()
        journal.lock()
        journal.unlock()
        accounts.unlock()
    }

    public func audit() {
        journal.lock()
        accounts.lock()
        accounts.unlock()
        journal.unlock()
    }

    public func balance() {
        accounts.lock()
        accounts.unlock()
    }
}
