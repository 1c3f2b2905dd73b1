#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport

/// A pthread mutex of a program that does not use LockGraph, as the interposer sees it: the
/// `LockInfo` that is its identity in the graph, and its pthread type.
final class InterposedMutex: Sendable {
    enum Kind: Sendable {
        /// Normal and adaptive: re-locking by the holder deadlocks.
        case normal
        /// The holder may re-lock; each lock needs an unlock.
        case recursive
        /// Re-locking by the holder fails with `EDEADLK`; unlocking by another thread, `EPERM`.
        case errorCheck
    }

    let info: LockInfo
    let kind: Kind

    init(info: LockInfo, kind: Kind) {
        self.info = info
        self.kind = kind
    }

    /// The type pthread gave `mutex` at its initialisation (or static initialiser).
    static func kind(of mutex: UnsafePointer<pthread_mutex_t>) -> Kind {
        switch lockgraph_mutex_kind(mutex) {
        case 1: .recursive
        case 2: .errorCheck
        default: .normal
        }
    }
}

/// The interposed mutexes by address.
///
/// Invariant (no false edge from a reused address): an address maps to the `LockInfo` of the
/// mutex initialised there most recently. `pthread_mutex_destroy` removes the entry (and the
/// lock's edges); `pthread_mutex_init` on an address that still has one (memory freed without
/// destroy, then reused) replaces it with a new `LockInfo`, whose never-reused id is the
/// address's new generation: the old lock's edges are forgotten and never attach to the new
/// one. A mutex used without any init call we saw (a static initialiser, or one initialised
/// before the interposer was ready) gets its entry at its first acquisition.
///
/// The table is an `AddressTable` (sharded, under internal locks).
///
/// In front of the table, each thread caches the entries it used last (`cached(_:)`, see
/// `ThreadCachedTable`). Removing or replacing an entry bumps the address's epoch (after the
/// table change, before the old entry is released), which invalidates every cached copy, so a
/// reused address never reaches an old entry through a cache either.
enum InterposedMutexes: ThreadCachedTable {
    private static let table = AddressTable<InterposedMutex>(shardCount: 64)

    static var cacheKind: lockgraph_cache_kind { LOCKGRAPH_CACHE_MUTEX }

    static func lookup(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> InterposedMutex? {
        table.lookup(UInt(bitPattern: mutex))
    }

    static func entry(for mutex: UnsafeMutablePointer<pthread_mutex_t>) -> InterposedMutex {
        let entry = table.entry(UInt(bitPattern: mutex)) { make(mutex) }
        if entry.created { Tracking.register(entry.value.info) }
        return entry.value
    }

    /// Registers a mutex just initialised at `mutex`, replacing (and forgetting) any entry left
    /// at that address by a mutex freed without `pthread_mutex_destroy`.
    static func initialised(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        let created = make(mutex)
        let address = UInt(bitPattern: mutex)
        if let stale = table.replace(address, with: created) {
            lockgraph_mutex_epoch_bump(address)
            Tracking.unregister(stale.info)
        }
        Tracking.register(created.info)
    }

    /// Removes and returns the entry of a mutex being destroyed.
    static func remove(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> InterposedMutex? {
        let address = UInt(bitPattern: mutex)
        let removed = table.remove(address)
        if removed != nil { lockgraph_mutex_epoch_bump(address) }
        return removed
    }

    private static func make(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> InterposedMutex {
        InterposedMutex(info: InterposedNaming.newLock(defaultKind: .pthreadMutex), kind: InterposedMutex.kind(of: mutex))
    }
}

/// The pthread mutex of an interposed lock, driven through the real functions, for
/// `Tracking.destroy` (which destroys it only when no other thread holds it). The memory is
/// the program's: it is never freed here.
struct InterposedRawMutex: RawLock, @unchecked Sendable {
    let pointer: UnsafeMutablePointer<pthread_mutex_t>

    func tryLockExclusively() -> Bool { lockgraph_real_mutex_trylock(pointer) == 0 }

    @discardableResult func unlock() -> Int32 { lockgraph_real_mutex_unlock(pointer) }

    func destroy() { _ = lockgraph_real_mutex_destroy(pointer) }
}
