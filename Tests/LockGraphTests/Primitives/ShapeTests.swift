import Foundation
import Synchronization
import Testing
@testable import LockGraph

// The swaps README's recipe shows: code written against `Mutex`, `NIOLockedValueBox.unsafe` and
// a condition bound to a mutex compiles against the tracked types through a typealias.
typealias SwappedMutex<Value: ~Copyable> = TrackedValueMutex<Value>

/// A counter written against `Mutex`'s API only (no tracked-only parameter), compiled once for
/// `Synchronization.Mutex` and once for the swap, so the two stay interchangeable.
final class MutexShapedCounter: Sendable {
    private let real = Mutex<Int>(0)
    private let swapped = SwappedMutex<Int>(0)

    func increment() {
        real.withLock { $0 += 1 }
        swapped.withLock { $0 += 1 }
    }

    /// Only the swap, for the concurrent part of the test (a contended `Mutex` parks in a futex
    /// ThreadSanitizer does not see, which it reports as a race).
    func incrementSwapped() {
        swapped.withLock { $0 += 1 }
    }

    func values() -> (real: Int, swapped: Int) {
        (real.withLock { $0 }, swapped.withLock { $0 })
    }

    func tryBoth() -> (real: Int?, swapped: Int?) {
        (real.withLockIfAvailable { $0 }, swapped.withLockIfAvailable { $0 })
    }
}

/// A noncopyable value, which `Mutex` accepts and so must the swap.
struct Handle: ~Copyable {
    var uses = 0
}

extension MonitorTests {
    @Test func valueMutexIsShapedLikeMutex() throws {
        let counter = MutexShapedCounter()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                for _ in 0..<2_000 { counter.incrementSwapped() }
                group.leave()
            }.start()
        }
        #expect(group.wait(timeout: .now() + 30) == .success)
        for _ in 0..<8_000 { counter.increment() }
        #expect(counter.values() == (8_000, 16_000))
        #expect(counter.tryBoth() == (8_000, 16_000))

        // Typed throws pass through, and the lock is released when the body throws.
        let mutex = TrackedValueMutex(0, name: uniqueName("vm-throws"))
        #expect(throws: Failure.self) {
            try mutex.withLock { (value: inout Int) throws(Failure) -> Void in
                value = 1
                throw Failure()
            }
        }
        #expect(mutex.withLockIfAvailable { $0 } == 1)

        // A noncopyable value, consumed into the mutex.
        let handles = TrackedValueMutex(Handle(), name: uniqueName("vm-handle"))
        let uses = handles.withLock { handle in
            handle.uses += 1
            return handle.uses
        }
        #expect(uses == 1)
    }

    @Test func valueMutexIfAvailableReturnsNilWhileHeld() {
        let mutex = TrackedValueMutex([Int](), name: uniqueName("vm-busy"))
        // Held by this thread: nil, like Mutex, and no report (a try never blocks).
        mutex.withLock { _ in
            #expect(mutex.withLockIfAvailable { $0.count } == nil)
        }
        // Held by another thread: nil.
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        Thread {
            mutex.withLock { _ in
                holding.signal()
                _ = release.wait(timeout: .now() + 10)
            }
        }.start()
        #expect(holding.wait(timeout: .now() + 10) == .success)
        #expect(mutex.withLockIfAvailable { $0.count } == nil)
        release.signal()
        #expect(onOtherThread { mutex.withLock { $0.append(1) } })
        #expect(mutex.withLockIfAvailable { $0 } == [1])
    }

    @Test func valueMutexOrderIsChecked() throws {
        let prefix = uniqueName("vm-order")
        let first = TrackedValueMutex(0, name: "\(prefix)-first")
        let second = TrackedValueMutex(0, name: "\(prefix)-second")
        #expect(onOtherThread { first.withLock { _ in second.withLock { $0 += 1 } } })
        second.withLock { _ in first.withLock { $0 += 1 } }
        let found = violations(involving: prefix)
        try #require(found.count == 1)
        #expect(found[0].kind == .lockOrderInversion)
        #expect(found[0].locks.allSatisfy { $0.type == "TrackedValueMutex" })
        // The creation site is the caller's line, not TrackedValueMutex's own file.
        #expect(found[0].locks.allSatisfy { $0.file.hasSuffix("ShapeTests.swift") })
    }

    @Test func lockedValueBoxUnsafeViewLocksByHand() throws {
        let prefix = uniqueName("box-unsafe")
        let box = TrackedLockedValueBox(0, name: prefix)
        let view = box.unsafe
        view.lock()
        view.withValueAssumingLockIsAcquired { $0 += 1 }
        // Another thread cannot take the box while the view holds it.
        let otherGotIt = TestFlag()
        #expect(onOtherThread { if box.unsafe.withValueAssumingLockIsAcquired({ $0 }) == 1, box.tryLockForTesting() { otherGotIt.set() } })
        #expect(!otherGotIt.isSet)
        view.unlock()
        #expect(box.withLockedValue { $0 } == 1)

        // The view's unlock is checked like any unlock.
        view.unlock()
        let found = violations(involving: prefix)
        try #require(found.count == 1)
        #expect(found[0].kind == .invalidUnlock)

        // And its lock takes part in the order graph.
        let other = TrackedMutex(name: "\(prefix)-other")
        #expect(onOtherThread { view.lock(); other.withLock {}; view.unlock() })
        other.withLock { box.withLockedValue { $0 += 1 } }
        #expect(violations(involving: prefix).contains { $0.kind == .lockOrderInversion })
    }

    @Test func conditionBoundToAMutexWaitsWithIt() throws {
        let prefix = uniqueName("bound")
        let mutex = TrackedMutex(name: "\(prefix)-mutex")
        let notEmpty = TrackedCondition(lock: mutex)
        let notFull = TrackedCondition(lock: mutex)  // two conditions, one mutex
        let items = GuardedItems()  // guarded by `mutex`
        let consumed = DispatchSemaphore(value: 0)
        Thread {
            mutex.withLock {
                while items.values.isEmpty { notEmpty.wait() }
                items.values.removeFirst()
                notFull.signal()
            }
            consumed.signal()
        }.start()
        // The consumer waits on notEmpty, which released the mutex: this thread can take it.
        Thread.sleep(forTimeInterval: 0.02)
        #expect(onOtherThread {
            mutex.withLock {
                items.values.append(1)
                notEmpty.signal()
            }
        })
        #expect(consumed.wait(timeout: .now() + 10) == .success)
        // lock()/unlock() on the condition act on the mutex.
        notFull.lock()
        #expect(!mutex.tryLock())
        #expect(!notFull.wait(until: Date().addingTimeInterval(0.02)))
        notFull.unlock()
        #expect(mutex.tryLock())
        mutex.unlock()

        // Waiting without holding the mutex is reported, naming the mutex.
        notEmpty.wait()
        let found = violations(involving: prefix)
        try #require(found.count == 1)
        #expect(found[0].kind == .invalidUnlock)
        #expect(found[0].locks.first?.name == "\(prefix)-mutex")
    }
}

/// Items a test guards with a tracked mutex by hand.
final class GuardedItems: @unchecked Sendable {
    var values: [Int] = []
}

extension TrackedLockedValueBox {
    /// A try-lock for the test above (the box has none of its own, like NIOLockedValueBox).
    fileprivate func tryLockForTesting() -> Bool {
        guard mutex.tryLock() else { return false }
        mutex.unlock()
        return true
    }
}
