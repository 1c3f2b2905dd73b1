import Foundation
import Testing
@testable import LockGraph

/// The steady state takes and releases LockGraph's non-recursive mutexes inline
/// (`lockgraph_plain_mutex.h`), with the steps glibc takes for their type. These tests hold the
/// inline functions to glibc's own: the same bytes in the mutex after each step, a thread
/// blocked in glibc woken by the inline unlock, and a count glibc's destroy accepts.
///
/// Under ThreadSanitizer or valgrind the mutexes are error-checking and the functions hand every
/// call to glibc; the tests then hold glibc to itself, and still pass.
@Suite("Plain mutexes")
struct PlainMutexTests {
    /// The bytes of the mutex `pointer` points to.
    private func bytes(_ pointer: UnsafeMutablePointer<pthread_mutex_t>) -> [UInt8] {
        withUnsafeBytes(of: pointer.pointee) { Array($0) }
    }

    /// A glibc change that gave default mutexes another kind would silently send every steady
    /// state acquisition back to glibc (correct, but the cost this path exists to save): caught here.
    @Test func lockGraphsMutexesHaveTheKindTheInlineFunctionsTake() {
        let mutex = RawMutex(recursive: false)
        defer { mutex.destroy() }
        let expected = RawMutex.usesPlainMutexes ? RawMutex.plainKind : Int32(PTHREAD_MUTEX_ERRORCHECK)
        #expect(mutex.kindWord == expected)
        let recursive = RawMutex(recursive: true)
        defer { recursive.destroy() }
        #expect(recursive.kindWord != RawMutex.plainKind)
    }

    /// Taken and released inline, a mutex holds the same bytes as one taken and released by
    /// glibc, at every step: lock word, owner, user count, and nothing else touched.
    @Test func theInlineStepsLeaveTheBytesGlibcsLeave() {
        let inline = RawMutex(recursive: false)
        let glibc = RawMutex(recursive: false)
        defer { inline.destroy(); glibc.destroy() }
        let thread = currentThreadID()
        #expect(bytes(inline.pointer) == bytes(glibc.pointer))
        for _ in 0..<3 {
            #expect(inline.tryLock(threadID: thread))
            #expect(pthread_mutex_trylock(glibc.pointer) == 0)
            #expect(bytes(inline.pointer) == bytes(glibc.pointer))
            #expect(inline.owner == thread)
            #expect(!inline.tryLock(threadID: thread), "held: the inline try-lock fails, for its holder too")
            #expect(bytes(inline.pointer) == bytes(glibc.pointer), "a failed try-lock changes nothing")
            #expect(inline.unlock() == 0)
            #expect(pthread_mutex_unlock(glibc.pointer) == 0)
            #expect(bytes(inline.pointer) == bytes(glibc.pointer))
        }
    }

    /// Mixed on one mutex (taken inline and released by glibc, taken by glibc and released
    /// inline, across a condition wait), the user count stays balanced: glibc's destroy, which
    /// refuses a mutex whose count is not zero, succeeds.
    @Test func inlineAndGlibcStepsMixOnOneMutex() {
        let mutex = RawMutex(recursive: false)
        let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
        defer { pthread_cond_destroy(condition); condition.deallocate() }
        let thread = currentThreadID()
        for _ in 0..<1_000 {
            #expect(mutex.tryLock(threadID: thread))
            #expect(pthread_mutex_unlock(mutex.pointer) == 0)
            mutex.lock()
            #expect(mutex.unlock() == 0)
        }
        #expect(mutex.tryLock(threadID: thread))
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += 1
        deadline.tv_nsec = 0
        #expect(pthread_cond_timedwait(condition, mutex.pointer, &deadline) == ETIMEDOUT, "nobody signals: times out")
        #expect(mutex.owner == thread, "the wait took the mutex back for this thread")
        #expect(mutex.unlock() == 0)
        #expect(mutex.lockWord == 0)
        #expect(pthread_mutex_destroy(mutex.pointer) == 0)
        mutex.pointer.deallocate()
    }

    /// A thread blocked in glibc's lock marks the word "waiters" (2); the inline unlock must
    /// then wake it, or it would sleep forever. Every wait here is bounded.
    @Test func anInlineUnlockWakesAThreadBlockedInGlibc() {
        let mutex = RawMutex(recursive: false)
        defer { mutex.destroy() }
        #expect(mutex.tryLock(threadID: currentThreadID()))
        let acquired = TestFlag()
        let finished = DispatchSemaphore(value: 0)
        Thread {
            mutex.lock()
            acquired.set()
            mutex.unlock()
            finished.signal()
        }.start()
        let deadline = Date().addingTimeInterval(10)
        while mutex.lockWord != 2 && Date() < deadline { usleep(1_000) }
        #expect(mutex.lockWord == 2, "the other thread never blocked")
        #expect(!acquired.isSet)
        #expect(mutex.unlock() == 0)
        #expect(finished.wait(timeout: .now() + 10) == .success, "the blocked thread was not woken")
        #expect(acquired.isSet)
        #expect(mutex.lockWord == 0)
    }
}
