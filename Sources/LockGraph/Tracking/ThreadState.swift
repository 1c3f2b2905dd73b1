#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport
import Foundation
import Synchronization

/// Everything LockGraph knows about one thread; the owner does all the bookkeeping, so the hot
/// path takes no lock. Thread contract:
/// - Owner only, plain memory: `hot`, `captureScratch`, `activeQueueOperations`, `cachedName`,
///   `internCache`, `cachedDescriptorID`, and the methods using them (`push`, `remove`,
///   `held(at:)`, `descriptor()`, `internStack`...).
/// - Owner-written, read elsewhere (watchdog, snapshot, dump, wait graph) through atomics: the
///   first `observableDepth` held entries (`observedIDs`, `observedDepth`, the `stackSlots`
///   frames under the `slotsVersion` sequence lock: never torn), published by a releasing store
///   of `observedCount`; the wait (`waitingFor` stored releasing after `waitingSince` and
///   `waitingKind`); the last long wait's stack (`waitStack`, `waitStackDepth` words of it).
/// - Written elsewhere: `cacheResets` (any thread; the owner checks it on its slow path) and
///   `observedSince` entries still 0, which an observer stamps by compare-exchange.
/// - `threadID`: set before `ThreadRegistry.add` publishes the state (under its lock), changed
///   only in a forked child (no other thread left); read plainly. Observers' references keep
///   the state alive after its thread exits.
final class ThreadState: @unchecked Sendable {
    /// Held-lock entries visible to other threads (snapshot, watchdog) are capped at this many.
    static let observableDepth = 64

    /// The kernel thread id; changes only in a forked child (the survivor gets a new one, set by
    /// `refreshAfterFork`).
    var threadID: Int
    let hot: UnsafeMutablePointer<HotThreadState>
    /// Bumped by `LockMonitor.reset()` (from any thread): the owner clears its edge cache when it
    /// sees a new value. Per thread, so the hot path reads no global.
    let cacheResets = Atomic<UInt64>(0)
    /// One fixed slot of `StackTrace.maximumDepth` addresses for each of the first
    /// `observableDepth` held entries. Never reallocated, so the watchdog can read a running
    /// thread's acquisition stacks; deeper entries keep no stack. Atomic (relaxed) words under
    /// the `slotsVersion` sequence lock: a reader on another thread never sees a torn stack.
    private let stackSlots: UnsafeMutablePointer<Atomic<UInt>>
    /// Odd while the owner rewrites frames in `stackSlots`; bumped twice per rewrite.
    private let slotsVersion = Atomic<UInt>(0)
    /// Where the owner captures a stack before publishing it into its slot (owner only).
    private let captureScratch: UnsafeMutablePointer<UInt>
    /// Frames in each slot, as other threads see them. This and the three mirrors below are
    /// written only by the owner, in this file and `ThreadState+KnownPath.swift`.
    let observedDepth: UnsafeMutablePointer<Atomic<Int>>
    let observedIDs: UnsafeMutablePointer<Atomic<UInt64>>
    /// Coarse monotonic time (ns) at which each observable held entry was acquired.
    let observedSince: UnsafeMutablePointer<Atomic<UInt64>>
    let observedCount = Atomic<Int>(0)
    /// The lock this thread is blocked on (0: none), since when, and how (see `WaitKind`).
    let waitingFor = Atomic<UInt64>(0)
    let waitingSince = Atomic<UInt64>(0)
    let waitingKind = Atomic<UInt8>(0)
    /// The waiting call site of the last long wait (see `captureWaitStack`).
    let waitStack: UnsafeMutablePointer<UInt>
    let waitStackDepth = Atomic<Int>(0)
    /// Tracked queues whose put/get this thread is currently inside (innermost last; owner only).
    var activeQueueOperations: [UInt64] = []
    /// The kernel name read for `descriptor()` (nil: not read yet; owner only).
    var cachedName: String??
    /// The stacks this thread interned last, with their ids (owner thread only).
    let internCache = StackInternCache()
    /// `ThreadTable`'s id for the descriptor with `cachedName` (0: not interned yet; owner only).
    var cachedDescriptorID: UInt32 = 0

    init() {
        threadID = currentThreadID()
        let capacity = 16
        hot = .allocate(capacity: 1)
        hot.initialize(to: HotThreadState(held: .allocate(capacity: capacity), heldCapacity: capacity))
        stackSlots = .allocate(capacity: Self.observableDepth * StackTrace.maximumDepth)
        for index in 0..<Self.observableDepth * StackTrace.maximumDepth {
            (stackSlots + index).initialize(to: Atomic<UInt>(0))
        }
        captureScratch = .allocate(capacity: StackTrace.maximumDepth)
        observedDepth = .allocate(capacity: Self.observableDepth)
        observedIDs = .allocate(capacity: Self.observableDepth)
        observedSince = .allocate(capacity: Self.observableDepth)
        waitStack = .allocate(capacity: StackTrace.maximumDepth)
        for index in 0..<Self.observableDepth {
            (observedIDs + index).initialize(to: Atomic<UInt64>(0))
            (observedSince + index).initialize(to: Atomic<UInt64>(0))
            (observedDepth + index).initialize(to: Atomic<Int>(0))
        }
    }

    deinit {
        hot.pointee.held.deallocate()
        hot.pointee.knownEdges.deallocate()
        hot.pointee.knownChains.deallocate()
        hot.deinitialize(count: 1)
        hot.deallocate()
        stackSlots.deinitialize(count: Self.observableDepth * StackTrace.maximumDepth)
        stackSlots.deallocate()
        captureScratch.deallocate()
        internCache.deallocate()
        observedDepth.deinitialize(count: Self.observableDepth)
        observedDepth.deallocate()
        observedIDs.deinitialize(count: Self.observableDepth)
        observedIDs.deallocate()
        observedSince.deinitialize(count: Self.observableDepth)
        observedSince.deallocate()
        waitStack.deallocate()
    }

    var isReporting: Bool {
        get { hot.pointee.isReporting }
        set { hot.pointee.isReporting = newValue }
    }

    // MARK: Held locks

    @inline(__always)
    var heldCount: Int { hot.pointee.heldCount }

    @inline(__always)
    func held(at index: Int) -> HeldLock { hot.pointee.held[index] }

    @inline(__always)
    func indexOfHeld(_ id: UInt64) -> Int? {
        let held = hot.pointee.held
        var index = hot.pointee.heldCount - 1
        while index >= 0 {
            if held[index].id == id { return index }
            index -= 1
        }
        return nil
    }

    /// Records `lock` as held. Captures its acquisition stack while the lock's budget lasts,
    /// or copies `stack` when the slow path already captured one.
    /// `scratchDepth`: frames the acquisition already captured into the scratch buffer (before
    /// taking the raw lock); they are published instead of capturing here. `budgetChecked`: the
    /// acquisition already asked the lock's budget (`Tracking.beginAcquire`), so this push does
    /// not ask again.
    @inline(__always)
    func push(_ lock: LockInfo, node: UInt64, capturedStack stack: StackTrace?, stackID: UInt32 = 0, site: UInt,
              scratchDepth: Int = 0, budgetChecked: Bool = false) {
        let index = hot.pointee.heldCount
        if index == hot.pointee.heldCapacity { growHeld() }
        var depth = 0
        if index < Self.observableDepth {
            if let stack {
                depth = stack.addresses.withUnsafeBufferPointer { publishStack($0, of: lock.id, at: index) }
            } else if scratchDepth > 0 {
                depth = publishStack(UnsafeBufferPointer(start: captureScratch, count: scratchDepth), of: lock.id, at: index)
            } else if !budgetChecked && lock.takeStackBudget() {
                let captured = StackTrace.capture(into: captureScratch)
                depth = publishStack(UnsafeBufferPointer(start: captureScratch, count: captured), of: lock.id, at: index)
            } else if observedDepth[index].load(ordering: .relaxed) != 0 {
                // The slot still shows an earlier entry's frames: clear them with the id, so a
                // reader never pairs this lock with that stack.
                depth = publishStack(UnsafeBufferPointer(start: nil, count: 0), of: lock.id, at: index)
            } else {
                observedIDs[index].store(lock.id, ordering: .relaxed)
            }
            observedSince[index].store(HoldClock.current, ordering: .relaxed)
        }
        let below = index == 0 ? 0 : hot.pointee.held[index - 1].chain
        (hot.pointee.held + index).initialize(
            to: HeldLock(id: lock.id, node: node, chain: Self.chain(below, node), recursion: 1, stackDepth: Int32(depth),
                         acquiredAt: lock.statistics == nil ? 0 : MonotonicClock.nanoseconds(), site: site,
                         stackID: depth > 0 ? stackID : 0))
        hot.pointee.heldCount = index + 1
        observedCount.store(index + 1, ordering: .releasing)
    }

    /// Removes the entry at `index` (usually the last one; locks may be released out of order).
    @inline(__always)
    @discardableResult
    func remove(at index: Int) -> HeldLock {
        let held = hot.pointee.held
        let removed = held[index]
        let newCount = hot.pointee.heldCount - 1
        if index < newCount {
            removeFromMiddle(at: index, newCount: newCount)
        }
        hot.pointee.heldCount = newCount
        observedCount.store(newCount, ordering: .releasing)
        return removed
    }

    /// Shifts the entries above `index` down, keeping each one's stack slot and published
    /// mirrors in step with its new position.
    @inline(never)
    private func removeFromMiddle(at index: Int, newCount: Int) {
        let held = hot.pointee.held
        (held + index).update(from: held + index + 1, count: newCount - index)
        for position in index..<newCount {
            held[position].chain = Self.chain(position == 0 ? 0 : held[position - 1].chain, held[position].node)
        }
        let width = StackTrace.maximumDepth
        let lastMoved = min(newCount, Self.observableDepth - 1)
        beginSlotWrite()
        for position in index..<max(index, lastMoved) {
            let destination = stackSlots + position * width
            let source = destination + width
            for frame in 0..<Int(held[position].stackDepth) {
                destination[frame].store(source[frame].load(ordering: .relaxed), ordering: .relaxed)
            }
        }
        for position in index..<min(newCount, Self.observableDepth) {
            observedDepth[position].store(Int(held[position].stackDepth), ordering: .relaxed)
            observedIDs[position].store(held[position].id, ordering: .relaxed)
            let since = position + 1 < Self.observableDepth
                ? observedSince[position + 1].load(ordering: .relaxed)
                : HoldClock.current
            observedSince[position].store(since, ordering: .relaxed)
        }
        endSlotWrite()
    }

    /// Copies `frames` (at most `maximumDepth`) into slot `index` and publishes its depth and
    /// lock id, inside one sequence-lock write. Returns the depth.
    @inline(never)
    private func publishStack(_ frames: UnsafeBufferPointer<UInt>, of id: UInt64, at index: Int) -> Int {
        let depth = min(frames.count, StackTrace.maximumDepth)
        let slot = stackSlots + index * StackTrace.maximumDepth
        beginSlotWrite()
        for frame in 0..<depth { slot[frame].store(frames[frame], ordering: .relaxed) }
        observedDepth[index].store(depth, ordering: .relaxed)
        observedIDs[index].store(id, ordering: .relaxed)
        endSlotWrite()
        return depth
    }

    /// Sequence-lock writer side (the owner thread only): odd version, then a release fence so
    /// no frame store becomes visible before the odd version does.
    @inline(__always)
    private func beginSlotWrite() {
        slotsVersion.store(slotsVersion.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
    }

    @inline(__always)
    private func endSlotWrite() {
        slotsVersion.store(slotsVersion.load(ordering: .relaxed) &+ 1, ordering: .releasing)
    }

    /// The chain key of a held stack extended by `id`. Never 0 (0 marks an empty cache slot).
    @inline(__always)
    static func chain(_ below: UInt64, _ id: UInt64) -> UInt64 {
        var mixed = (below ^ 0x5851_F42D_4C95_7F2D) &* 0x9E37_79B9_7F4A_7C15 &+ id
        mixed ^= mixed >> 31
        mixed = mixed &* 0xBF58_476D_1CE4_E5B9
        return mixed | 1
    }

    /// The chain key of the whole held stack (0 when nothing is held).
    @inline(__always)
    var topChain: UInt64 {
        let count = hot.pointee.heldCount
        return count == 0 ? 0 : hot.pointee.held[count - 1].chain
    }

    @inline(__always)
    func incrementRecursion(at index: Int) { hot.pointee.held[index].recursion += 1 }

    /// A re-entry granted without a raw acquisition (see `HeldLock.virtualLevels`).
    func addVirtualLevel(at index: Int) {
        hot.pointee.held[index].recursion += 1
        hot.pointee.held[index].virtualLevels += 1
    }

    /// Ends the innermost virtual level, if the entry has one; true when it did (the caller then
    /// releases nothing). On every release: one load and a compare when there is none.
    @inline(__always)
    func releaseVirtualLevel(at index: Int) -> Bool {
        guard hot.pointee.held[index].virtualLevels > 0 else { return false }
        hot.pointee.held[index].virtualLevels -= 1
        hot.pointee.held[index].recursion -= 1
        return true
    }

    @inline(__always)
    func decrementRecursion(at index: Int) { hot.pointee.held[index].recursion -= 1 }

    /// The stack captured when the entry at `index` was acquired (empty if none was captured).
    ///
    /// Safe to call from another thread (the watchdog, a dump): it reads only the fixed slots,
    /// under the sequence lock, so the frames are one stack the owner published, never a mix.
    /// Such a reader passes the lock `id` it expects at `index`; if the owner has since moved
    /// on (released it, took another), the result is empty rather than another lock's stack.
    func acquisitionStack(at index: Int, expecting id: UInt64? = nil) -> StackTrace {
        guard index < Self.observableDepth else { return .empty }
        let slot = stackSlots + index * StackTrace.maximumDepth
        // The owner writes a slot in well under a microsecond; a few attempts always suffice
        // unless it is rewriting in a loop, and then an empty stack is the honest answer.
        for _ in 0..<8 {
            let before = slotsVersion.load(ordering: .acquiring)
            guard before & 1 == 0 else {
                sched_yield()
                continue
            }
            let depth = min(max(observedDepth[index].load(ordering: .relaxed), 0), StackTrace.maximumDepth)
            let frames = (0..<depth).map { slot[$0].load(ordering: .relaxed) }
            let owner = observedIDs[index].load(ordering: .relaxed)
            atomicMemoryFence(ordering: .acquiring)
            guard slotsVersion.load(ordering: .relaxed) == before else { continue }
            if let id, owner != id { return .empty }
            return StackTrace(addresses: frames)
        }
        return .empty
    }

    /// Fills the scratch buffer with the calling thread's stack (for a following
    /// `push(scratchDepth:)`) and gives the stack's `StackTable` id (owner thread only): the id
    /// kept with the capture cache's entry when the cache keeps the stack (interned the first
    /// time, so later captures of this code path need no interning). A stack the cache does not
    /// keep is interned now when `internIfUncached` (the slow path's acquirer stack, which an
    /// edge needs at once), else its id is 0 (a held lock's budgeted stack: interned only if an
    /// edge needs it, by `holderStackID`).
    func captureIntoScratchInterned(internIfUncached: Bool = true) -> (depth: Int, id: UInt32) {
        var tag: UnsafeMutablePointer<UInt32>?
        let depth = StackTrace.capture(into: captureScratch, tag: &tag)
        if let tag, tag.pointee != 0 { return (depth, tag.pointee) }
        guard tag != nil || internIfUncached else { return (depth, 0) }
        let id = internCache.intern(UnsafeBufferPointer(start: captureScratch, count: depth))
        tag?.pointee = id
        return (depth, id)
    }

    /// The `StackTable` id of the stack published for the held entry at `index`, 0 if none.
    /// Owner thread only: as the slot's only writer it reads it without the sequence lock, and
    /// without building a `StackTrace` (see `acquisitionStack(at:expecting:)` for other threads).
    func internPublishedStack(at index: Int) -> UInt32 {
        let depth = index < Self.observableDepth ? Int(hot.pointee.held[index].stackDepth) : 0
        guard depth > 0 else { return 0 }
        let slot = stackSlots + index * StackTrace.maximumDepth
        return withUnsafeTemporaryAllocation(of: UInt.self, capacity: depth) { frames in
            for frame in 0..<depth { frames[frame] = slot[frame].load(ordering: .relaxed) }
            return internCache.intern(UnsafeBufferPointer(frames))
        }
    }

    /// Restores an entry removed by a condition wait, keeping its original acquisition stack.
    func reinsert(_ entry: HeldLock, lock: LockInfo, stack: StackTrace) {
        push(lock, node: entry.node, capturedStack: stack, stackID: entry.stackID, site: entry.site)
        hot.pointee.held[hot.pointee.heldCount - 1].recursion = entry.recursion
        hot.pointee.held[hot.pointee.heldCount - 1].virtualLevels = entry.virtualLevels
    }

    private func growHeld() {
        let capacity = hot.pointee.heldCapacity * 2
        let grown = UnsafeMutablePointer<HeldLock>.allocate(capacity: capacity)
        grown.moveInitialize(from: hot.pointee.held, count: hot.pointee.heldCount)
        hot.pointee.held.deallocate()
        hot.pointee.held = grown
        hot.pointee.heldCapacity = capacity
    }

    /// Held locks with the time they were acquired, as another thread sees them: the hold
    /// clock's tick at acquisition (see `HoldClock`), or, for an entry acquired while no tick was
    /// published, the moment an observer first saw it (stamped now), so a hold time is never
    /// overstated by more than one tick.
    func observedHeld() -> [(id: UInt64, since: UInt64)] {
        let count = min(observedCount.load(ordering: .acquiring), Self.observableDepth)
        var now: UInt64 = 0
        return (0..<count).map { index in
            var since = observedSince[index].load(ordering: .relaxed)
            if since == 0 {
                if now == 0 { now = MonotonicClock.nanoseconds() }
                // Only an unstamped entry is stamped; a push racing with this keeps its own value.
                let (exchanged, current) = observedSince[index].compareExchange(expected: 0, desired: now, ordering: .relaxed)
                since = exchanged ? now : current
            }
            return (observedIDs[index].load(ordering: .relaxed), since)
        }
    }
}
