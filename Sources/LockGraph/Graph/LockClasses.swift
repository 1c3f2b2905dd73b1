/// Class-level ordering (see `LockMonitor.checksLockClasses`), fed by the instance edges the
/// slow path records, under the store's lock.
enum LockClasses {
    /// `LOCKGRAPH_CLASSES`: whether class checking is on before `LockMonitor.checksLockClasses` is set.
    static var enabledAtStart: Bool {
        Configuration.settings.checksLockClasses
    }

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
        let cycles = added.cycles.map { cycle in EdgeRecord.cycle(cycle, closing: key) { state.classRecord($0) } }.filter { !$0.isEmpty }
        // A class cycle made of one instance cycle is the instance report's business.
        outcome.classCycles += cycles.filter { !closesAtInstanceLevel($0) }
    }

    private static func closesAtInstanceLevel(_ cycle: [EdgeRecord]) -> Bool {
        cycle.indices.allSatisfy { cycle[$0].to.id == cycle[(cycle.index(after: $0)) % cycle.count].from.id }
    }
}
