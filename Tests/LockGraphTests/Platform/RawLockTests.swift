import Foundation
import Testing
@testable import LockGraph

/// The raw pthread locks under the tracked types: set-up failures stop the process with a
/// message naming the call, and the destroy-time operations behave as `Tracking.destroy` needs.
@Suite("Raw locks")
struct RawLockTests {
    /// An invalid mutex type makes `pthread_mutexattr_settype` fail with EINVAL: the process
    /// stops naming that call and the error instead of going on with an unusable mutex.
    @Test
    func aFailedSetUpCallStopsTheProcessNamingTheCallAndTheError() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = UnsafeMutablePointer<pthread_mutex_t>.initializedMutex(type: 12_345)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("pthread_mutexattr_settype failed with error \(EINVAL)"))
    }

    /// Once its holds are released, a lock is free for `tryLockExclusively`; while any thread
    /// holds it in any mode (a reader included), it is not.
    @Test func tryLockExclusivelyFailsWhileAnyHoldRemains() {
        let rwlock = RawRWLock()
        defer { rwlock.destroy() }
        rwlock.readLock()
        rwlock.readLock()
        let readerHeld = TestFlag()
        #expect(onOtherThread { if !rwlock.tryLockExclusively() { readerHeld.set() } })
        #expect(readerHeld.isSet)
        #expect(rwlock.unlock() == 0)
        #expect(rwlock.unlock() == 0)
        #expect(rwlock.tryLockExclusively())
        #expect(rwlock.unlock() == 0)

        let recursive = RawMutex(recursive: true)
        defer { recursive.destroy() }
        recursive.lock()
        recursive.lock()
        let mutexHeld = TestFlag()
        #expect(onOtherThread { if !recursive.tryLockExclusively() { mutexHeld.set() } })
        #expect(mutexHeld.isSet)
        #expect(recursive.unlock() == 0)
        #expect(recursive.unlock() == 0)
        let freeForOthers = TestFlag()
        #expect(onOtherThread { if recursive.tryLockExclusively() { freeForOthers.set(); recursive.unlock() } })
        #expect(freeForOthers.isSet)
    }

    /// A non-recursive mutex is the default type (no error check in glibc): `unlockIfOwned`
    /// makes the owner check instead. Another thread's unlock, or an unlock of a free mutex,
    /// fails with EPERM and leaves the mutex as it was; the owner's succeeds.
    @Test func unlockIfOwnedReleasesOnlyTheOwnersHold() {
        let mutex = RawMutex(recursive: false)
        defer { mutex.destroy() }
        #expect(mutex.unlockIfOwned() == EPERM, "nobody holds it")
        #expect(mutex.tryLock())
        let refused = TestFlag()
        #expect(onOtherThread { if mutex.unlockIfOwned() == EPERM { refused.set() } })
        #expect(refused.isSet)
        let stillHeld = TestFlag()
        #expect(onOtherThread { if !mutex.tryLock() { stillHeld.set() } })
        #expect(stillHeld.isSet, "another thread's unlock released it")
        #expect(mutex.unlockIfOwned() == 0)
        let freeForOthers = TestFlag()
        #expect(onOtherThread { if mutex.tryLock() { freeForOthers.set(); mutex.unlock() } })
        #expect(freeForOthers.isSet)
    }
}
