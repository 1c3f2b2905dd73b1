import Foundation
import Synchronization
import Testing
@testable import LockGraph

extension MonitorTests {
    @Suite("Thread pool and statistics")
    struct PoolAndStatisticsTests {
        /// `shutdown(wait: true)` from one of the pool's own tasks would wait for itself: it is
        /// reported and returns, and the shutdown still happens.
        @Test func shutdownFromTheSameTaskIsReportedAndReturns() throws {
            let name = uniqueName("self-shutdown")
            let pool = try TrackedThreadPool(threads: 2, name: name)
            let handle = try pool.submit { pool.shutdown(wait: true) }
            let finished = DispatchSemaphore(value: 0)
            Thread {
                _ = try? handle.wait()
                finished.signal()
            }.start()
            #expect(finished.wait(timeout: .now() + 10) == .success)
            let found = LockMonitor.violations.filter { $0.summary.contains("task of pool \"\(name)\"") }
            #expect(found.count == 1)
            #expect(found.first?.kind == .reentrantAcquire)
            #expect(throws: TrackedThreadPool.PoolShutDown.self) { try pool.submit {} }
            pool.shutdown(wait: true)  // from outside: waits for the workers, which all stop
        }

        @Test func tasksRunAndHandlesGiveResultsOrRethrow() throws {
            #expect(throws: TrackedThreadPool.InvalidThreadCount(threads: 0)) { try TrackedThreadPool(threads: 0) }
            let pool = try TrackedThreadPool(threads: 4, name: uniqueName("pool"))
            let handles = try (0..<100).map { value in try pool.submit { value * 2 } }
            #expect(try handles.map { try $0.wait() } == (0..<100).map { $0 * 2 })
            let failing = try pool.submit { () throws -> Int in throw Failure() }
            #expect(throws: Failure()) { try failing.wait() }
            pool.shutdown()
            #expect(throws: TrackedThreadPool.PoolShutDown(poolName: pool.name)) { try pool.submit { 1 } }
            pool.shutdown()  // again: harmless
        }

        /// 10,000 rounds of a submitter racing shutdown(wait: true): every accepted task has run
        /// when shutdown returns, none runs after, every rejected one got PoolShutDown.
        @Test func submitRacingShutdownLosesNothingAndRunsNothingLate() throws {
            let lateRuns = Atomic<Int>(0)
            let lost = Atomic<Int>(0)
            for round in 0..<10_000 {
                let pool = try TrackedThreadPool(threads: 2, name: "race")
                let shutDown = Atomic<Bool>(false)
                let accepted = InternalProtected<[TrackedThreadPool.Handle<Int>]>([])
                let submitterDone = DispatchSemaphore(value: 0)
                Thread {
                    while true {
                        do {
                            let handle = try pool.submit {
                                if shutDown.load(ordering: .acquiring) { lateRuns.add(1, ordering: .relaxed) }
                                return round
                            }
                            accepted.withLock { $0.append(handle) }
                        } catch {
                            break
                        }
                    }
                    submitterDone.signal()
                }.start()
                if round % 2 == 0 { usleep(UInt32(round % 7) * 10) }
                pool.shutdown(wait: true)
                shutDown.store(true, ordering: .releasing)
                #expect(submitterDone.wait(timeout: .now() + 30) == .success)
                let unfinished = accepted.withLock { $0.filter { !$0.isFinished }.count }
                if unfinished > 0 { lost.add(unfinished, ordering: .relaxed) }
            }
            #expect(lateRuns.load(ordering: .relaxed) == 0)
            #expect(lost.load(ordering: .relaxed) == 0)
        }

        @Test func statisticsShowContentionHoldTimesAndPoolLatency() throws {
            // Left on afterwards: another suite (metrics) may rely on it concurrently, and
            // counting costs nothing the other tests measure.
            LockMonitor.collectsStatistics = true
            let name = uniqueName("contended")
            let lock = TrackedMutex(name: name)
            let holding = DispatchSemaphore(value: 0)
            let done = DispatchSemaphore(value: 0)
            Thread {
                lock.lock()
                holding.signal()
                usleep(50_000)
                lock.unlock()
                done.signal()
            }.start()
            holding.wait()
            lock.withLock {}  // waits about 50 ms
            #expect(done.wait(timeout: .now() + 10) == .success)
            for _ in 0..<98 { lock.withLock {} }
            let entry = try #require(LockMonitor.statistics().lockClasses.first { $0.classKey == name })
            #expect(entry.acquisitions == 100)
            #expect(entry.contendedAcquisitions == 1)
            #expect(entry.wait.max >= .milliseconds(30))
            #expect(entry.wait.p50 < .milliseconds(1))
            #expect(entry.hold.max >= .milliseconds(40))
            #expect(entry.hold.count == 100)

            let poolName = uniqueName("stats-pool")
            let pool = try TrackedThreadPool(threads: 1, name: poolName)
            let handles = try (0..<5).map { _ in try pool.submit { usleep(10_000) } }
            for handle in handles { _ = try handle.wait() }
            pool.shutdown()
            let poolEntry = try #require(LockMonitor.statistics().pools.first { $0.pool == poolName })
            #expect(poolEntry.run.count == 5 && poolEntry.run.p50 >= .milliseconds(8))
            #expect(poolEntry.queueWait.max >= .milliseconds(30))  // the fifth task waited for four
            #expect(LockMonitor.dumpText().contains("Most contended lock classes"))
            #expect(LockMonitor.dumpText().contains("\(name): 1 of 100 acquisitions waited"))
        }
    }
}
