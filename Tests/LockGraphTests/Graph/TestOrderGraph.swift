@testable import LockGraph

/// An `OrderGraph` that takes and returns whole `EdgeRecord`s, as the store does, so the order
/// graph's tests read in terms of locks: the graph itself keeps only keys and compact data.
struct TestOrderGraph {
    var graph = OrderGraph()
    private var locks: [UInt64: LockInfo] = [:]

    var edges: EdgeTable { graph.edges }
    var inversionEdges: [EdgeKey: EdgeData] { graph.inversionEdges }
    var gatedCycles: Set<[UInt64]> { graph.gatedCycles }

    mutating func addInternalEdges(of lock: LockInfo) {
        locks[lock.id] = lock
        graph.addInternalEdges(of: lock)
    }

    mutating func add(_ record: EdgeRecord) -> (cycles: [[EdgeRecord]], unguarded: Bool) {
        locks[record.from.id] = record.from
        locks[record.to.id] = record.to
        let result = graph.add(EdgeKey(from: record.fromNode, to: record.toNode), record.data, guards: record.guards)
        let cycles = result.cycles.map { keys in
            keys.compactMap { key -> EdgeRecord? in
                guard let data = graph.lookup(key), let from = locks[LockNode.lock(of: key.from)],
                      let to = locks[LockNode.lock(of: key.to)]
                else { return nil }
                return EdgeRecord(from: from, to: to, fromNode: key.from, toNode: key.to, data: data, guards: graph.guards(of: key))
            }
        }
        return (cycles, result.unguarded)
    }

    mutating func remove(_ nodes: [UInt64]) {
        graph.remove(nodes)
    }
}
