import LockGraphTesting
import XCTest
import Bank

final class BankXCTests: LockGraphTestCase {
    /// Fails: the same inversion, through the XCTest base class.
    func testInversionFailsThisCase() {
        let bank = Bank()
        bank.transfer()
        bank.runAudit()
    }

    func testCleanOrderPasses() {
        let bank = Bank()
        bank.transfer()
        bank.statement()
    }

    /// Fails with the reentrant-acquire report; the process goes on to the next case.
    func testReentrantAcquireFailsThisCase() {
        Bank().closeAccount()
    }
}

final class BankObservedXCTests: XCTestCase {
    override func setUp() {
        super.setUp()
        LockGraphTestObserver.register()
    }

    /// Fails through the registered observer.
    func testObservedInversionFails() {
        let bank = Bank()
        bank.transfer()
        bank.runAudit()
    }

    func testObservedCleanPasses() {
        Bank().statement()
    }
}
