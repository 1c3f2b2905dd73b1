/// The lock graph's state behind a sharded ("big reader") lock.
///
/// Why: in a real program most new edges agree with the order the graph already has (a lock
/// nested under one taken earlier, a new lock under an old one). Such an edge needs no search
/// and no reordering: only the knowledge that nothing reorders the graph while it is checked
/// and queued. One global lock made every thread wait behind every other thread's new edge
/// (8 threads, 1,000 locks: most of the run went to futex waits on that lock).
///
/// How:
/// - `withShared(shard:)` takes one of `shardCount` internal locks. Under it a thread may read
///   the whole state and append to that shard's `pending` list; it mutates nothing else. Threads
///   use different shards (by thread), so they rarely wait for one another.
/// - `withLock` takes every shard in index order (so two exclusive callers cannot deadlock,
///   and a shared holder never waits for an exclusive one while holding a shard). It then owns
///   the state: it bumps `State.generation`, moves every pending edge into the graph (`drain`),
///   then runs the body. So two shared sections that read one generation read one state.
///
/// Invariants:
/// - the state changes only under all shards; a shared holder reads it and appends to its own
///   shard's queue, nothing else;
/// - drain before any exclusive change: `withLock` moves every queued edge into the graph before
///   its body runs, so the body sees all of them, and every queue is empty whenever the state
///   changes otherwise;
/// - so a shared holder's reading (two ranks, "no inversion edge exists", see
///   `OrderGraph.sharedDecision`) stays true until the next exclusive holder, which drains the
///   edge queued on that reading before changing anything: a queued edge still agrees with the
///   order when it is inserted (`addApproved` never meets a cycle), and no cycle search ever
///   misses it. Queued edges are only inserted, in any order: two edges approved against one
///   order cannot form a cycle together.
///
/// All shards are `InternalLock`s, so `fork()` takes them like every internal lock.
final class GraphState: @unchecked Sendable {
    typealias State = LockGraphStore.State
    typealias PendingEdge = (key: EdgeKey, data: EdgeData)

    /// Enough that 2-16 threads rarely share one; each costs one mutex for exclusive callers.
    static let shardCount = 8

    private let shards: [InternalLock]
    /// The state, behind a pointer: shared holders read it concurrently, and a stored property
    /// of a class would add dynamic exclusivity checks.
    private let value: UnsafeMutablePointer<State>
    /// One queue per shard, written only under that shard.
    private let pending: UnsafeMutablePointer<[PendingEdge]>

    init(_ initial: State) {
        shards = (0..<Self.shardCount).map { _ in InternalLock() }
        value = .allocate(capacity: 1)
        value.initialize(to: initial)
        pending = .allocate(capacity: Self.shardCount)
        pending.initialize(repeating: [], count: Self.shardCount)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pending.deinitialize(count: Self.shardCount)
        pending.deallocate()
    }

    /// Runs `body` with the state to read (through a pointer: no copy, so no reference-count
    /// traffic on the shared dictionaries) and `shard`'s pending queue to append to.
    @inline(__always)
    func withShared<Result>(shard: Int, _ body: (UnsafePointer<State>, inout [PendingEdge]) throws -> Result) rethrows -> Result {
        let index = shard & (Self.shardCount - 1)
        shards[index].lock()
        defer { shards[index].unlock() }
        return try body(UnsafePointer(value), &pending[index])
    }

    /// Runs `body` with the state to itself, every queued edge moved into the graph first.
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        lockAll()
        defer { unlockAll() }
        value.pointee.generation &+= 1
        drain()
        return try body(&value.pointee)
    }

    // Plain index loops: this runs for every lock created and destroyed, and unoptimised builds
    // (where tests run) pay for every generic sequence adapter.
    private func lockAll() {
        var index = 0
        while index < Self.shardCount {
            shards[index].lock()
            index += 1
        }
    }

    private func unlockAll() {
        var index = Self.shardCount - 1
        while index >= 0 {
            shards[index].unlock()
            index -= 1
        }
    }

    private func drain() {
        for index in 0..<Self.shardCount where !pending[index].isEmpty {
            for edge in pending[index] {
                value.pointee.instances.addApproved(edge.key, edge.data)
            }
            pending[index].removeAll(keepingCapacity: false)
        }
    }
}
