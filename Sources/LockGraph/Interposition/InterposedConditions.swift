#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The interposed condition variables by address: each one's identity is a `LockInfo` whose
/// signal node (`LockNode.signal(of:)`) carries the wait rule's evidence (`Tracking.signalled`,
/// `Tracking.recordWait`).
///
/// Invariant (no false evidence from a reused address), as for `InterposedMutexes`:
/// `pthread_cond_destroy` forgets the condition's identity, and `pthread_cond_init` gives the
/// address a new one (its never-reused id is the new generation), so the signals of a
/// condition freed without destroy never count for the one later made at its address.
enum InterposedConditions {
    private static let table = AddressTable<LockInfo>(shardCount: 16)

    /// The condition's identity, registered now (named by the calling site) when it has none
    /// (a static initialiser, or one initialised before the interposer was ready).
    static func identity(of condition: UnsafeMutablePointer<pthread_cond_t>) -> LockInfo {
        let identity = table.entry(UInt(bitPattern: condition)) { make() }
        if identity.created { Tracking.register(identity.value) }
        return identity.value
    }

    /// A condition initialised at `condition`: a new identity named by its creation site,
    /// replacing (and forgetting) any left at the address by one freed without destroy.
    static func initialised(_ condition: UnsafeMutablePointer<pthread_cond_t>) {
        let created = make()
        if let stale = table.replace(UInt(bitPattern: condition), with: created) { Tracking.unregister(stale) }
        Tracking.register(created)
    }

    /// A condition destroyed: its identity, and its evidence edges, are forgotten.
    static func forget(_ condition: UnsafeMutablePointer<pthread_cond_t>) {
        if let stale = table.remove(UInt(bitPattern: condition)) { Tracking.unregister(stale) }
    }

    private static func make() -> LockInfo {
        InterposedNaming.newLock(defaultKind: .pthreadCondition)
    }
}
