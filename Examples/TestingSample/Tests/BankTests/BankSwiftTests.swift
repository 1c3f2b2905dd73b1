import LockGraphTesting
import Testing
import Bank

@Suite(.lockGraph)
struct BankSwiftTests {
    /// Fails: transfer() and runAudit() take the locks in opposite orders.
    @Test func inversionFailsThisTest() {
        let bank = Bank()
        bank.transfer()
        bank.runAudit()
    }

    @Test func cleanOrderPasses() {
        let bank = Bank()
        bank.transfer()
        bank.statement()
    }

    @Test func expectedInversionPasses() {
        let bank = Bank()
        let found = LockMonitor.expectViolations(of: .lockOrderInversion) {
            bank.transfer()
            bank.runAudit()
        }
        #expect(found.count == 1)
    }
}

/// One reentrant test and two clean ones: the reentrant one fails with the report, the run goes
/// on, and the clean ones pass.
@Suite(.lockGraph)
struct BankReentrancyTests {
    @Test func reentrantAcquireFailsOnlyThisTest() {
        Bank().closeAccount()
    }

    @Test func cleanTransferPassesAfterReentry() {
        Bank().transfer()
    }

    @Test func cleanStatementPassesAfterReentry() {
        Bank().statement()
    }
}
