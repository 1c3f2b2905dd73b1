#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// A blocking FIFO queue shaped like Python's `queue.Queue`, whose lock is a node of the graph.
///
/// Elements live in a ring buffer. As in many ring-buffer queues, a slot keeps its element
/// until a later `put` reuses it, so an element's `deinit` can run inside a later `put`, on the
/// producer's thread, under the queue's lock. If that `deinit` uses the same queue (the classic
/// "log from deinit" bug, a self-deadlock with an ordinary queue), TrackedQueue reports a
/// ``LockViolation/Kind/reentrantAcquire`` with both stacks and completes anyway:
/// - a re-entrant `put`/`tryPut`/`put(_:timeout:)` enqueues its element right after the outer
///   operation finishes, in order, never blocking and never dropped (it may exceed `capacity`);
/// - a re-entrant `tryGet`/`get(timeout:)` returns the oldest element or nil at once (no other
///   thread can put while this one holds the lock);
/// - a re-entrant `get()` on an empty queue could never return: it is reported and the process
///   terminates (even in a test scope: there is no element to proceed with).
/// Each queue's reentrancy is reported once.
///
/// Threads: any thread may put and get. The ring buffer and its counters are touched only by
/// the thread holding the queue's lock: inside an operation, or in a re-entrant call made by
/// that same thread from within one (a `deinit` run by `put`).
public final class TrackedQueue<Element> {
    let info: LockInfo
    private let mutex = RawMutex(recursive: false)
    private let notEmpty = RawCondition(monotonic: true)
    private let notFull = RawCondition(monotonic: true)
    /// Maximum number of elements, or nil when unbounded.
    public let capacity: Int?

    /// The ring buffer and everything below: guarded by `mutex` (see the type's documentation).
    private var slots: UnsafeMutablePointer<Element?>
    private var slotCount: Int
    private var head = 0
    private var storedCount = 0
    /// Elements put by re-entrant calls, enqueued when the outer operation finishes.
    private var deferred: [Element] = []
    /// When each slot's element was put (only while the queue collects statistics).
    private var putTimes: UnsafeMutablePointer<UInt64>?

    /// Creates an unbounded queue. `name` appears in reports; without one, the creation site does.
    /// `creationSite`: where the lock counts as created, for a lock made inside a wrapper type
    /// (see ``LockCreationSite``).
    public init(name: String? = nil, creationSite: LockCreationSite = .initializerCall,
                file: StaticString = #fileID, line: UInt = #line) {
        capacity = nil
        slotCount = 16
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: nil, count: slotCount)
        info = LockInfo(name: name, file: file, line: line, kind: .queue, creationSite: creationSite)
        putTimes = info.statistics == nil ? nil : .allocate(capacity: slotCount)
        Tracking.register(info)
    }

    /// Creates a queue holding at most `capacity` elements: `put` waits while it is full.
    /// - Throws: ``TrackedQueueError/invalidCapacity(_:)`` when `capacity` is less than 1 (a
    ///   queue of capacity 0 could never accept an element; use ``init(name:creationSite:file:line:)`` for
    ///   an unbounded queue).
    /// `creationSite`: where the lock counts as created, for a lock made inside a wrapper type
    /// (see ``LockCreationSite``).
    public init(capacity: Int, name: String? = nil, creationSite: LockCreationSite = .initializerCall,
                file: StaticString = #fileID, line: UInt = #line) throws(TrackedQueueError) {
        guard capacity >= 1 else { throw .invalidCapacity(capacity) }
        self.capacity = capacity
        slotCount = min(capacity, 16)
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: nil, count: slotCount)
        info = LockInfo(name: name, file: file, line: line, kind: .queue, creationSite: creationSite)
        putTimes = info.statistics == nil ? nil : .allocate(capacity: slotCount)
        Tracking.register(info)
    }

    deinit {
        // The lock is only ever held inside the queue's own operations, which keep it alive, so
        // it cannot be destroyed while held; it is retired the same way as every tracked lock.
        if Tracking.destroy(info, raw: mutex) {
            notFull.destroy()
            notEmpty.destroy()
        }
        slots.deinitialize(count: slotCount)
        slots.deallocate()
        putTimes?.deallocate()
    }

    /// The number of elements waiting in the queue.
    public var count: Int {
        withQueueLock(operation: "count") { storedCount + deferred.count }
    }

    /// Adds `element`, waiting while the queue is full.
    public func put(_ element: Element) {
        _ = enqueue(element, deadline: nil, blocking: true, operation: "put")
    }

    /// Adds `element` if there is room now; returns false (and drops nothing) if full.
    public func tryPut(_ element: Element) -> Bool {
        enqueue(element, deadline: nil, blocking: false, operation: "tryPut")
    }

    /// Adds `element`, waiting at most `timeout` for room. Returns false on timeout.
    /// A negative timeout is treated as zero.
    public func put(_ element: Element, timeout: Duration) -> Bool {
        enqueue(element, deadline: .monotonic(after: timeout), blocking: true, operation: "put(_:timeout:)")
    }

    /// Removes and returns the oldest element, waiting while the queue is empty.
    public func get() -> Element {
        // Without a deadline, dequeue only returns nil when it reported a reentrant self-wait and
        // terminated the process; the loop satisfies the type checker.
        while true {
            if let element = dequeue(deadline: nil, blocking: true, operation: "get") { return element }
        }
    }

    /// Removes and returns the oldest element, or nil if the queue is empty now.
    public func tryGet() -> Element? {
        dequeue(deadline: nil, blocking: false, operation: "tryGet")
    }

    /// Removes and returns the oldest element, waiting at most `timeout`; nil on timeout.
    /// A negative timeout is treated as zero.
    public func get(timeout: Duration) -> Element? {
        dequeue(deadline: .monotonic(after: timeout), blocking: true, operation: "get(timeout:)")
    }

    // MARK: Locking

    /// If the calling thread is already inside an operation of this queue (so it holds the
    /// queue's lock), reports it once and returns the thread; otherwise nil.
    private func reentrantThread(operation: String, outcome: String) -> ThreadState? {
        guard let thread = Tracking.currentThread(),
              thread.activeQueueOperations.contains(info.id)
        else { return nil }
        if LockGraphStore.shared.firstReentrancy(of: info.id) {
            let outer = thread.indexOfHeld(info.id).map { thread.acquisitionStack(at: $0) } ?? .empty
            Reporter.submit(.reentrantQueueOperation(queue: info, operation: operation, thread: thread.descriptor(refreshName: true),
                                                     entered: outer, reentered: .capture(), outcome: outcome))
        }
        return thread
    }

    private func withQueueLock<Result>(operation: String, _ body: () -> Result) -> Result {
        if reentrantThread(operation: operation, outcome: "Answered from the state at that moment.") != nil {
            return body()
        }
        Tracking.acquireNonRecursive(info, mutex: mutex)
        let thread = Tracking.currentThread()
        thread?.activeQueueOperations.append(info.id)
        defer {
            thread?.activeQueueOperations.removeLast()
            Tracking.release(info, mutex: mutex)
        }
        return body()
    }

    private func wait(on condition: RawCondition, deadline: timespec?) -> Bool {
        // The queue's own waits are not judged as waits while holding (see WhatIsReported.md in the DocC catalog).
        Tracking.wait(info, mutex: mutex, condition: condition, deadline: deadline, allowingHeldLocks: true) == .signalled
    }

    // MARK: Operations

    private func enqueue(_ element: Element, deadline: timespec?, blocking: Bool, operation: String) -> Bool {
        if reentrantThread(operation: operation, outcome: "The element is enqueued right after the outer operation; nothing is lost and the thread does not block.") != nil {
            deferred.append(element)
            return true
        }
        return withQueueLock(operation: operation) {
            if let capacity {
                while storedCount >= capacity {
                    guard blocking, wait(on: notFull, deadline: deadline) || storedCount < capacity else {
                        return false
                    }
                }
            }
            store(element)
            flushDeferred()
            notEmpty.broadcast()
            return true
        }
    }

    private func dequeue(deadline: timespec?, blocking: Bool, operation: String) -> Element? {
        if reentrantThread(operation: operation, outcome: "It is answered at once from the elements already queued.") != nil {
            if storedCount > 0 { return take() }
            if let first = deferred.first {
                deferred.removeFirst()
                return first
            }
            guard blocking && deadline == nil,
                  let thread = Tracking.currentThread(),
                  let index = thread.indexOfHeld(info.id)
            else { return nil }
            Reporter.submit(thread.reentrantAcquireRequest(of: info, heldAt: index, outcome: .terminates))
            return nil
        }
        return withQueueLock(operation: operation) {
            while storedCount == 0 {
                guard blocking, wait(on: notEmpty, deadline: deadline) || storedCount > 0 else {
                    return nil
                }
            }
            let element = take()
            flushDeferred()
            notFull.broadcast()
            return element
        }
    }

    /// Appends at the tail. Overwriting a reused slot releases the element it still held, which
    /// may run a deinit here, under the lock; the indices are consistent before that happens.
    private func store(_ element: Element) {
        if storedCount == slotCount { grow() }
        let index = (head + storedCount) % slotCount
        let slot = slots + index
        var previous = slot.move()
        slot.initialize(to: element)
        storedCount += 1
        if let putTimes, let statistics = info.statistics {
            putTimes[index] = MonotonicClock.nanoseconds()
            Statistics.currentObserver?.queueDepthChanged(queue: statistics.classKey, depth: storedCount)
        }
        previous = nil
        _ = previous
    }

    private func take() -> Element {
        // The slot keeps its copy until reused (see the type's documentation).
        guard let element = slots[head] else {
            preconditionFailure("TrackedQueue internal error: empty slot at the head")
        }
        if let putTimes, let statistics = info.statistics {
            let waited = MonotonicClock.elapsed(from: putTimes[head], to: MonotonicClock.nanoseconds())
            statistics.queueTime.record(waited)
            if let observer = Statistics.currentObserver {
                observer.queueElementDelivered(queue: statistics.classKey, waitedNanoseconds: waited)
                observer.queueDepthChanged(queue: statistics.classKey, depth: storedCount - 1)
            }
        }
        head = (head + 1) % slotCount
        storedCount -= 1
        return element
    }

    private func flushDeferred() {
        while !deferred.isEmpty {
            store(deferred.removeFirst())
        }
    }

    private func grow() {
        let newCount = slotCount * 2
        let newSlots = UnsafeMutablePointer<Element?>.allocate(capacity: newCount)
        newSlots.initialize(repeating: nil, count: newCount)
        for index in 0..<storedCount {
            (newSlots + index).update(from: slots + (head + index) % slotCount, count: 1)
        }
        if let oldTimes = putTimes {
            let newTimes = UnsafeMutablePointer<UInt64>.allocate(capacity: newCount)
            for index in 0..<storedCount { newTimes[index] = oldTimes[(head + index) % slotCount] }
            oldTimes.deallocate()
            putTimes = newTimes
        }
        let oldSlots = slots
        let oldCount = slotCount
        slots = newSlots
        slotCount = newCount
        head = 0
        // Releasing stale copies may run deinits (and re-entrant puts): the new buffer is in place.
        oldSlots.deinitialize(count: oldCount)
        oldSlots.deallocate()
    }
}

extension TrackedQueue: @unchecked Sendable where Element: Sendable {}

/// Why a ``TrackedQueue`` could not be created.
public enum TrackedQueueError: Error, Equatable, CustomStringConvertible {
    /// The capacity was less than 1.
    case invalidCapacity(Int)

    /// Names the capacity given and says to use `TrackedQueue(name:)` for an unbounded queue.
    public var description: String {
        switch self {
        case .invalidCapacity(let capacity):
            "TrackedQueue capacity must be at least 1 (got \(capacity)); use TrackedQueue(name:) for an unbounded queue"
        }
    }
}
