import Foundation
import Testing
@testable import LockGraph

extension MonitorTests {
    @Suite("Reader-writer lock")
    struct ReaderWriterTests {
        @Test func readersShareWritersExcludeAndTryLocksNeverBlock() {
            let prefix = uniqueName("rw")
            let lock = TrackedRWLock(name: "\(prefix)-lock")
            lock.readLock()
            lock.readLock()  // recursive read by the holder
            let otherReaderGotIt = TestFlag()
            #expect(onOtherThread { if lock.tryReadLock() { otherReaderGotIt.set(); lock.unlock() } })
            #expect(otherReaderGotIt.isSet)  // readers share
            let writerGotIt = TestFlag()
            #expect(onOtherThread { if lock.tryWriteLock() { writerGotIt.set(); lock.unlock() } })
            #expect(!writerGotIt.isSet)
            lock.unlock()
            lock.unlock()
            #expect(lock.withWriteLock { 42 } == 42)
            lock.writeLock()
            #expect(!lock.tryReadLock())  // the write holder cannot also read
            let readerGotIt = TestFlag()
            #expect(onOtherThread { if lock.tryReadLock() { readerGotIt.set(); lock.unlock() } })
            #expect(!readerGotIt.isSet)
            lock.unlock()
            #expect(lock.withReadLock { "read" } == "read")
            #expect(violations(involving: prefix).isEmpty)
            #expect(!LockMonitor.snapshot().threads.contains { $0.held.contains { $0.name?.hasPrefix(prefix) ?? false } })
        }

        @Test func aBlockedWriterProceedsWhenTheReaderLeaves() {
            let prefix = uniqueName("rw-wait")
            let lock = TrackedRWLock(name: "\(prefix)-lock")
            lock.readLock()
            let written = TestFlag()
            let done = DispatchSemaphore(value: 0)
            Thread {
                lock.withWriteLock { written.set() }
                done.signal()
            }.start()
            usleep(50_000)
            #expect(!written.isSet)
            lock.unlock()
            #expect(done.wait(timeout: .now() + 10) == .success)
            #expect(written.isSet)
        }

        @Test func unlockWithoutHoldingIsReportedAndChangesNothing() throws {
            let prefix = uniqueName("rw-unlock")
            let lock = TrackedRWLock(name: "\(prefix)-lock")
            lock.unlock()
            let found = violations(involving: prefix)
            try #require(found.count == 1)
            #expect(found[0].kind == .invalidUnlock)
            #expect(found[0].summary.contains("holds it in neither mode"))
            #expect(lock.tryWriteLock())
            lock.unlock()
        }

        /// An order edge out of a read hold and into a write acquisition, seen in the snapshot.
        @Test func edgesCarryTheirModes() throws {
            let prefix = uniqueName("rw-edge")
            let rw = TrackedRWLock(name: "\(prefix)-rw")
            let mutex = TrackedMutex(name: "\(prefix)-mutex")
            rw.withReadLock { mutex.withLock {} }
            mutex.withLock { rw.withReadLock {} }  // read->mutex, mutex->read: reader waits for no reader here
            // rw(read) -> mutex and mutex -> rw(read): at rw a read acquisition meets a read
            // hold, and readers never wait for readers, so this cycle cannot deadlock.
            #expect(violations(involving: prefix).isEmpty)
            rw.withWriteLock { mutex.withLock {} }  // now a write hold of rw precedes mutex
            let now = violations(involving: prefix)
            try #require(now.count == 1)
            #expect(now[0].description.contains("acquired for writing"))
        }
    }
}
