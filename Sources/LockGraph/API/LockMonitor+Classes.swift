#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension LockMonitor {
    /// Whether lock ordering is also checked between lock classes, as lockdep does: a class is a
    /// lock's name, or its creation site when unnamed (plus its `subclass:`), so an inversion
    /// between two code paths is found even when they never took the same two instances (two
    /// different `Account` locks, say). Off by default; `LOCKGRAPH_CLASSES=1` turns it on at
    /// start. Turning it on makes every thread relearn its orders, so orders taken from then on
    /// count; orders taken only before are not replayed.
    ///
    /// Class checking considers exclusive acquisitions (mutexes, write locks). Two locks of one
    /// class nested in each other cannot be ordered by class: that is reported once per class as
    /// ``LockViolation/Kind/sameClassNesting`` (a hint, not an inversion); give the inner lock a
    /// `subclass:` at creation (for example `TrackedMutex(name: "node", subclass: "child")`)
    /// to make it a class of its own.
    public static var checksLockClasses: Bool {
        get { LockGraphStore.shared.state.withLock { $0.classes != nil } }
        set {
            let changed = LockGraphStore.shared.state.withLock { state in
                guard (state.classes != nil) != newValue else { return false }
                state.classes = newValue ? OrderGraph() : nil
                state.classEndpoints.removeAll()
                state.reportedSameClass.removeAll()
                return true
            }
            if changed && newValue {
                for thread in ThreadRegistry.shared.all() {
                    thread.cacheResets.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
    }
}
