import Ledger
import XCTest

/// Passes as XCTest sees it; under `lockgraph test` the inversion is reported and the run fails.
final class LedgerXCTests: XCTestCase {
    func testTransferThenAudit() {
        let ledger = Ledger()
        ledger.transfer()
        ledger.audit()
    }

    func testBalance() {
        Ledger().balance()
    }
}
