import Ledger
import Testing

/// Passes as Swift Testing sees it; under `lockgraph test` the inversion is reported and the run fails.
@Suite struct LedgerSwiftTests {
    @Test func transferThenAudit() {
        let ledger = Ledger()
        ledger.transfer()
        ledger.audit()
    }

    @Test func balance() {
        Ledger().balance()
    }
}
