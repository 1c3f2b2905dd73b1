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
