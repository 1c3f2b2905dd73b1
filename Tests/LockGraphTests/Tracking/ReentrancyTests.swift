import Foundation
import Testing
@_spi(Integration) @testable import LockGraph

/// Inside a test scope a reentrant acquire of a non-recursive lock is reported against the test
/// and proceeds as if the lock were recursive, so the process (and every other test) goes on.
extension MonitorTests {
    @Test func reentryInATestScopeIsReportedAndProceedsAsIfRecursive() throws {
        let prefix = uniqueName("reentry")
        let scope = UInt64.random(in: 1..<UInt64(Int32.max))
        let lock = try ViolationScope.$taskScope.withValue(scope) {
            let lock = TrackedMutex(name: prefix)
            let inner = TrackedMutex(name: "\(prefix)-inner")
            lock.withLock {
                // Re-entered: reported, then granted without a second raw acquisition.
                lock.withLock {
                    inner.withLock {}
                }
                // The matching release released nothing: this thread still holds the lock.
                #expect(!onOtherThreadGets(lock))
            }
            let found = violations(involving: prefix)
            #expect(found.count == 1)
            let violation = try #require(found.first)
            #expect(violation.kind == .reentrantAcquire)
            #expect(violation.scopes.contains(scope))
            #expect(violation.summary.contains("proceed as if the lock were recursive"))
            return lock
        }
        // Fully released: another thread takes it, and this thread's held list is empty of it.
        #expect(onOtherThreadGets(lock))
        #expect(Tracking.currentThread()?.indexOfHeld(lock.info.id) == nil)
        lock.withLock {}
    }

    @Test func reentryProceedsInAReaderWriterLockAndADispatchQueue() throws {
        let prefix = uniqueName("reentry-rw")
        try ViolationScope.$taskScope.withValue(7) {
            let rwlock = TrackedRWLock(name: prefix)
            rwlock.withReadLock {
                // An upgrade would wait for itself: it proceeds holding the read lock only.
                rwlock.withWriteLock {}
            }
            #expect(rwlock.tryWriteLock())
            rwlock.unlock()

            let queue = TrackedDispatchQueue(label: "\(prefix)-queue", name: "\(prefix)-queue")
            let ran = queue.sync { queue.sync { 42 } }
            #expect(ran == 42)
            let found = violations(involving: prefix)
            #expect(found.count == 2)
            #expect(found.allSatisfy { $0.kind == .reentrantAcquire })
            _ = try #require(found.first)
        }
    }

    @Test func whereReentryProceedsFollowsTheScopeUnlessConfigured() {
        let outside = LockInfo(name: nil, file: #fileID, line: #line, kind: .mutex)
        // The suite runs outside any scope: a lock created here terminates on re-entry.
        if Configuration.settings.onReentrant == .continueInTests {
            #expect(!Tracking.reentryProceeds(for: outside))
            ViolationScope.$taskScope.withValue(3) {
                #expect(Tracking.reentryProceeds(for: outside))
                // A lock created in a test proceeds even on a thread that has no scope.
                let inside = LockInfo(name: nil, file: #fileID, line: #line, kind: .mutex)
                #expect(onOtherThread { precondition(Tracking.reentryProceeds(for: inside)) })
            }
        }
    }
}

/// Whether another thread can take `lock` right now (it tries once and releases).
private func onOtherThreadGets(_ lock: TrackedMutex) -> Bool {
    let got = TestFlag()
    let finished = onOtherThread {
        if lock.tryLock() {
            got.set()
            lock.unlock()
        }
    }
    return finished && got.isSet
}
