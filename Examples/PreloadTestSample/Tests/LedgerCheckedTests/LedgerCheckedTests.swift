import Foundation
import LockGraphTesting
import Testing

/// Uses LockGraphTesting: under `lockgraph test` an NSLock inversion fails the test it happens in.
@Suite(.lockGraph) struct LedgerCheckedTests {
    @Test func nslockInversionFailsThisTest() {
        let first = NSLock()
        let second = NSLock()
        first.lock(); second.lock(); second.unlock(); first.unlock()
        second.lock(); first.lock(); first.unlock(); second.unlock()
    }

    @Test func nslockInOrderPasses() {
        let first = NSLock()
        let second = NSLock()
        first.lock(); second.lock(); second.unlock(); first.unlock()
    }
}
