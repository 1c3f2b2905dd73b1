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

/// Class-level ordering (see `LockMonitor.checksLockClasses`), fed by the instance edges the
/// slow path records, under the store's lock.
enum LockClasses {
    static let enabledAtStart: Bool = {
        guard let raw = Configuration.environment("LOCKGRAPH_CLASSES")?.lowercased(), !raw.isEmpty else { return false }
        switch raw {
        case "1", "on", "true", "yes": return true
        case "0", "off", "false", "no": return false
        default:
            writeToStandardError("LockGraph: ignoring LOCKGRAPH_CLASSES=\(raw): valid values are 1, 0 (also on/off, true/false); using 0.\n")
            return false
        }
    }()

    /// Maps an instance edge onto its class edge. Guards map to their classes too, so a gate lock
    /// serialises class-level cycles as it does instance ones.
    static func add(_ record: EdgeRecord, to state: inout LockGraphStore.State, outcome: inout EdgeOutcome) {
        let targetRole = LockNode.role(of: record.toNode)
        guard LockNode.isExclusiveHold(record.fromNode), targetRole == .plain || targetRole == .writeIn else { return }
        let fromClass = state.classID(of: record.from)
        let toClass = state.classID(of: record.to)
        if fromClass == toClass {
            if state.reportedSameClass.insert(record.from.classKey).inserted {
                outcome.sameClassNesting.append(record)
            }
            return
        }
        var guards: Set<UInt64> = []
        for guardID in record.guards {
            if let lock = state.liveLocks[guardID] { guards.insert(state.classID(of: lock)) }
        }
        guards.remove(fromClass)
        guards.remove(toClass)
        let key = EdgeKey(from: fromClass, to: toClass)
        // Mutated in place through the optional (a copy would duplicate the whole class graph).
        guard state.classes != nil else { return }
        if state.classes?.lookup(key) == nil { state.classEndpoints[key] = (record.from, record.to) }
        guard let added = state.classes?.add(key, record.data, guards: guards) else { return }
        let cycles = added.cycles.map { cycle in cycle.compactMap { state.classRecord($0) } }.filter { !$0.isEmpty }
        // A class cycle made of one instance cycle is the instance report's business.
        outcome.classCycles += cycles.filter { !closesAtInstanceLevel($0) }
    }

    private static func closesAtInstanceLevel(_ cycle: [EdgeRecord]) -> Bool {
        cycle.indices.allSatisfy { cycle[$0].to.id == cycle[(cycle.index(after: $0)) % cycle.count].from.id }
    }
}
