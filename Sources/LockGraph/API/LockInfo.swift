import Synchronization

/// The identity of one tracked lock: a never-reused id plus what reports print about it.
/// Every tracked type owns exactly one and registers it while it is alive.
final class LockInfo: Sendable {
    private static let nextID = Atomic<UInt64>(1)

    // The steady state (`Tracking.lockKnown`) reads `id`, `isRegistered`, `statistics`,
    // `stackBudget` and `rootChain`: declared first, so they share the object's first cache line.
    let id: UInt64
    /// The chain key of a held stack of this lock alone (`ThreadState.chain(0, id)`), computed
    /// once for the steady state's outermost acquisitions.
    let rootChain: UInt64
    /// Whether the lock is tracked: it was created while tracking was on. A lock created in mode
    /// `off` stays a plain lock for its whole life, whatever the mode later.
    let isRegistered: Bool
    /// The class's contention counters, when statistics were on at creation.
    let statistics: ClassStatistics?
    /// Remaining acquisitions that capture their stack (see `Configuration.holderStackBudget`).
    private let stackBudget: Atomic<Int>
    let name: String?
    /// The creation site: the initializer's `#fileID`/`#line`, or the first frame outside the
    /// declared wrappers (see `LockCreationSite`). Resolved once, here, so the class key is
    /// the same for the lock's whole life.
    let file: String
    let line: UInt
    /// The tracked type.
    let kind: LockKind
    /// The type's name, as the descriptor shows it.
    var type: String { kind.typeName }
    /// The wrapper type the creation site was resolved past, if any (see `LockDescriptor.wrapperType`).
    let wrapperType: String?
    /// The nesting subclass (see `LockDescriptor.subclass`).
    let subclass: String?
    /// A reader-writer lock: four graph nodes instead of one (see `LockNode`).
    var isReaderWriter: Bool { kind.isReaderWriter }
    /// The integration scope (a test) current when the lock was created; see `ViolationScope`.
    let scope: UInt64?
    /// New edges this lock has taken part in (see `renewStackBudget`).
    private let newEdges = Atomic<Int>(0)

    init(name: String?, file: StaticString, line: UInt, kind: LockKind, subclass: String? = nil,
         creationSite: LockCreationSite = .initializerCall) {
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        rootChain = ThreadState.chain(0, id)
        self.name = name
        self.kind = kind
        self.subclass = subclass
        isRegistered = Configuration.mode != .off
        // An untracked lock is never reported: its site is not worth a stack capture.
        let site = isRegistered
            ? CreationSiteResolver.resolve(creationSite, file: file, line: line)
            : ResolvedCreationSite(file: String(describing: file), line: line, wrapperType: nil)
        self.file = site.file
        self.line = site.line
        wrapperType = site.wrapperType
        scope = isRegistered ? ViolationScope.current : nil
        stackBudget = Atomic(Configuration.holderStackBudget)
        statistics = isRegistered
            ? Statistics.forNewLock(classKey: LockDescriptor.classKey(name: name, file: self.file, line: self.line, subclass: subclass))
            : nil
    }

    /// A lock whose creation site is known only at run time (an interposed pthread mutex).
    init(name: String?, site file: String, line: UInt, kind: LockKind, subclass: String? = nil, wrapperType: String? = nil) {
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        rootChain = ThreadState.chain(0, id)
        self.name = name
        self.file = file
        self.line = line
        self.kind = kind
        self.subclass = subclass
        self.wrapperType = wrapperType
        isRegistered = Configuration.mode != .off
        scope = isRegistered ? ViolationScope.current : nil
        stackBudget = Atomic(Configuration.holderStackBudget)
        statistics = isRegistered
            ? Statistics.forNewLock(classKey: LockDescriptor.classKey(name: name, file: file, line: line, subclass: subclass))
            : nil
    }

    var descriptor: LockDescriptor {
        LockDescriptor(name: name, id: id, file: file, line: line, kind: kind, subclass: subclass, wrapperType: wrapperType)
    }

    var classKey: String { descriptor.classKey }

    /// True when this acquisition should capture its stack. In steady state this is one
    /// relaxed load that finds zero.
    @inline(__always)
    func takeStackBudget() -> Bool {
        let remaining = stackBudget.load(ordering: .relaxed)
        guard remaining > 0 else { return false }
        if remaining != Int.max {
            stackBudget.wrappingSubtract(1, ordering: .relaxed)
        }
        return true
    }

    /// Whether the next acquisition would capture a stack (`takeStackBudget` would return true),
    /// without taking from the budget.
    @inline(__always)
    var hasStackBudget: Bool { stackBudget.load(ordering: .relaxed) > 0 }

    /// A new edge touched this lock: its next acquisitions are worth a stack again, on the
    /// lock's 1st, 2nd, 4th, 8th... new edge (each power of two).
    ///
    /// Why not on every new edge: a lock taken with a thousand others (1,000 accounts locked in
    /// pairs) makes a new edge on almost every acquisition, so a renewal per edge captured a
    /// stack on every acquisition (a fifth of that workload's cost, and of the edges' stacks
    /// most came from one code path). Renewing at powers of two keeps a few stacks per doubling
    /// of the lock's edges: a lock in E edges captures at most the budget times (1 + log2 E)
    /// stacks. A lock in a few edges, the usual case, renews on nearly each. An edge made while
    /// its held lock keeps no stack still names the line that took it (`HeldLock.site`).
    /// An edge queued by two threads at once counts twice: a renewal may come one edge early.
    func renewStackBudget() {
        let count = newEdges.wrappingAdd(1, ordering: .relaxed).newValue
        guard count & (count &- 1) == 0 else { return }
        let budget = Configuration.holderStackBudget
        if stackBudget.load(ordering: .relaxed) < budget {
            stackBudget.store(budget, ordering: .relaxed)
        }
    }
}
