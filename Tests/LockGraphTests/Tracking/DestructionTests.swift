import Foundation
import Testing
@testable import LockGraph

/// A tracked type whose lock can be destroyed while held: how to create one and take holds on
/// the calling thread that are never released.
struct HeldLockSubject: Sendable, CustomTestStringConvertible {
    let label: String
    let type: String
    /// Creates a lock named by the argument, takes it (more than once where the type allows
    /// re-entry, so every level must be released on the holder's behalf) and returns it.
    let lockAndHold: @Sendable (String) -> AnyObject

    var testDescription: String { label }

    /// Every tracked type that owns a raw lock its user can leave held. (`TrackedQueue` and
    /// `TrackedLockedValueBox` hold theirs only inside their own methods, which keep the object
    /// alive; `TrackedSemaphore` and `TrackedDispatchQueue` own no raw lock.)
    static let all: [HeldLockSubject] = [
        subject("TrackedMutex", { TrackedMutex(name: $0) }) { $0.lock() },
        subject("TrackedRecursiveMutex", { TrackedRecursiveMutex(name: $0) }) { $0.lock(); $0.lock() },
        subject("TrackedRWLock write-held", { TrackedRWLock(name: $0) }) { $0.writeLock() },
        subject("TrackedRWLock read-held", { TrackedRWLock(name: $0) }) { $0.readLock(); $0.readLock() },
        subject("TrackedCondition", { TrackedCondition(name: $0) }) { $0.lock() },
    ]

    private static func subject<Lock: AnyObject>(_ label: String, _ make: @escaping @Sendable (String) -> Lock,
                                                 hold: @escaping @Sendable (Lock) -> Void) -> HeldLockSubject {
        HeldLockSubject(label: label, type: String(describing: Lock.self)) { name in
            let lock = make(name)
            hold(lock)
            return lock
        }
    }
}

/// Violations that involve the lock named exactly `name`.
private func violations(ofLockNamed name: String) -> [LockViolation] {
    LockMonitor.violations.filter { $0.locks.contains { $0.name == name } }
}

/// The object in a slot shared with another thread; whoever clears it last destroys it.
private final class ObjectSlot: @unchecked Sendable {
    var object: AnyObject?
}

extension MonitorTests {
    /// A tracked lock destroyed while held, for every tracked type: reported, released on the
    /// destroying thread's behalf, or leaked when another thread holds it.
    @Suite("Destroyed while held")
    struct DestructionTests {
        @Test(arguments: HeldLockSubject.all)
        func aLockDestroyedWhileItsOwnThreadHoldsItIsReportedAndReleased(_ subject: HeldLockSubject) throws {
            let name = uniqueName("destroyed-own")
            _ = subject.lockAndHold(name)  // the last reference goes at the end of this statement
            let found = violations(ofLockNamed: name)
            try #require(found.count == 1)
            #expect(found[0].kind == .destroyedWhileHeld)
            #expect(found[0].locks.map(\.type) == [subject.type])
            #expect(found[0].threads.map(\.id) == [currentThreadID()])
            #expect(found[0].summary.contains("held by the destroying thread itself"))
            #expect(found[0].summary.contains("released it on the holder's behalf"))
            // No phantom hold remains, and this thread and another go on locking.
            #expect(!LockMonitor.snapshot().threads.contains { $0.held.contains { $0.name == name } })
            let after = TrackedMutex(name: "\(name)-after")
            after.withLock {}
            #expect(onOtherThread { after.withLock {} })
            #expect(!LockMonitor.snapshot().edges.contains { $0.from.name == name })
            #expect(violations(ofLockNamed: "\(name)-after").isEmpty)
        }

        @Test(arguments: HeldLockSubject.all)
        func aLockDestroyedWhileAnotherThreadHoldsItIsReportedNamingTheHolderAndLeaked(_ subject: HeldLockSubject) throws {
            let name = uniqueName("destroyed-other")
            let slot = ObjectSlot()
            let holder = InternalProtected<Int>(0)
            let held = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let finished = DispatchSemaphore(value: 0)
            let laterWorkDone = TestFlag()
            Thread {
                holder.withLock { $0 = currentThreadID() }
                slot.object = subject.lockAndHold(name)
                held.signal()
                _ = release.wait(timeout: .now() + 30)
                // The holder's later work: a new lock, taken and released.
                TrackedMutex(name: "\(name)-after").withLock { laterWorkDone.set() }
                finished.signal()
            }.start()
            try #require(held.wait(timeout: .now() + 10) == .success)
            slot.object = nil  // the last reference: deinit on this thread while the other holds it
            release.signal()
            #expect(finished.wait(timeout: .now() + 10) == .success)
            #expect(laterWorkDone.isSet)

            let holderID = holder.withLock { $0 }
            let found = violations(ofLockNamed: name)
            try #require(found.count == 1)
            #expect(found[0].kind == .destroyedWhileHeld)
            #expect(found[0].locks.map(\.type) == [subject.type])
            #expect(found[0].threads.map(\.id) == [holderID, currentThreadID()])
            #expect(found[0].summary.contains("held by thread \(holderID)"))
            #expect(found[0].summary.contains("rather than destroy a locked one"))
            #expect(violations(ofLockNamed: "\(name)-after").isEmpty)
        }

        /// Readers share: the destroying thread's own read holds are released, and the lock is
        /// still leaked because another reader holds it too.
        @Test func aReadLockHeldByTheDestroyingThreadAndAnotherReaderIsReleasedForTheDestroyerAndLeaked() throws {
            let name = uniqueName("destroyed-readers")
            let slot = ObjectSlot()
            slot.object = TrackedRWLock(name: name)
            let holder = InternalProtected<Int>(0)
            let held = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let finished = DispatchSemaphore(value: 0)
            Thread {
                holder.withLock { $0 = currentThreadID() }
                (slot.object as? TrackedRWLock)?.readLock()  // keeps no reference past this statement
                held.signal()
                _ = release.wait(timeout: .now() + 30)
                TrackedMutex(name: "\(name)-after").withLock {}
                finished.signal()
            }.start()
            try #require(held.wait(timeout: .now() + 10) == .success)
            (slot.object as? TrackedRWLock)?.readLock()
            slot.object = nil  // the last reference: deinit here, held for reading by both threads
            release.signal()
            #expect(finished.wait(timeout: .now() + 10) == .success)

            let holderID = holder.withLock { $0 }
            let found = violations(ofLockNamed: name)
            try #require(found.count == 1)
            #expect(found[0].kind == .destroyedWhileHeld)
            #expect(found[0].threads.map(\.id) == [holderID, currentThreadID()])
            #expect(found[0].summary.contains("held by thread \(holderID)"))
            #expect(found[0].summary.contains("and by the destroying thread itself"))
            #expect(found[0].summary.contains("rather than destroy a locked one"))
            // The destroying thread's holds were dropped with the lock.
            #expect(!LockMonitor.snapshot().threads.contains {
                $0.thread.id == currentThreadID() && $0.held.contains { $0.name == name }
            })
        }
    }
}
