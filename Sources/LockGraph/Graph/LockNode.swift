/// Graph node ids. A plain lock is one node, its id. A reader-writer lock is four: the side a
/// thread enters by (read or write acquisition) and the side it holds from (read or write
/// hold), joined inside the lock by the edges that can block:
///
///     write-in -> write-out,  write-in -> read-out,  read-in -> write-out
///
/// and no read-in -> read-out. So a cycle in the graph passes through a reader-writer lock only
/// where one thread's acquisition of it could wait for another thread's hold of it; a cycle that
/// can only meet readers at some lock (readers never wait for readers: LockGraph's rwlocks
/// prefer readers) is no cycle at all, which is lockdep's rule for read locks.
///
/// A condition (or semaphore) also has a signal node: an edge `H -> signal` says a thread waited
/// for the signal while holding H; `signal -> L` says a thread signalled while holding L, so the
/// signal can need L. A cycle through a signal node is a wait that its own signaller can block
/// (see `Tracking.recordWait`). Signal nodes are never held, so they never guard an edge.
enum LockNode {
    /// The role occupies the bits above the lock id (ids count up from 1 and never get near).
    private static let roleShift: UInt64 = 58
    private static let idMask: UInt64 = (1 << 58) - 1

    enum Role: UInt64 {
        case plain = 0, readIn = 1, writeIn = 2, readOut = 3, writeOut = 4, signal = 5
    }

    @inline(__always)
    static func make(_ lock: UInt64, _ role: Role) -> UInt64 { lock | role.rawValue << roleShift }

    @inline(__always)
    static func lock(of node: UInt64) -> UInt64 { node & idMask }

    static func role(of node: UInt64) -> Role { Role(rawValue: node >> roleShift) ?? .plain }

    /// True when a thread holding from this node excludes every other thread (a plain lock or a
    /// write hold): only such holds can serialise two code paths (see gate locks).
    static func isExclusiveHold(_ node: UInt64) -> Bool {
        let role = role(of: node)
        return role == .plain || role == .writeOut
    }

    /// Every node a lock may have, for removal.
    static func all(of lock: UInt64) -> [UInt64] {
        [Role.plain, .readIn, .writeIn, .readOut, .writeOut, .signal].map { make(lock, $0) }
    }

    /// The node of a condition's or semaphore's signal (see above).
    @inline(__always)
    static func signal(of lock: UInt64) -> UInt64 { make(lock, .signal) }

    static func isSignal(_ node: UInt64) -> Bool { role(of: node) == .signal }

    /// What a signal node's class key adds to its lock's.
    static let signalClassSuffix = " (signal)"

    /// The class key of a node of `lock`: the lock's, with ` (signal)` for a signal node, so
    /// a condition's lock and its signal stay apart in class graphs and records.
    static func classKey(of node: UInt64, lock: LockInfo) -> String {
        isSignal(node) ? lock.classKey + signalClassSuffix : lock.classKey
    }

    /// The edges inside a reader-writer lock (see above).
    static func internalEdges(of lock: UInt64) -> [(UInt64, UInt64)] {
        [(make(lock, .writeIn), make(lock, .writeOut)),
         (make(lock, .writeIn), make(lock, .readOut)),
         (make(lock, .readIn), make(lock, .writeOut))]
    }

    /// " for reading" / " for writing" for reader-writer nodes, "" for plain locks.
    static func modeSuffix(_ node: UInt64) -> String {
        switch role(of: node) {
        case .plain, .signal: ""
        case .readIn, .readOut: " for reading"
        case .writeIn, .writeOut: " for writing"
        }
    }
}
