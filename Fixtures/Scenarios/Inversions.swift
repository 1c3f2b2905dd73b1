import Foundation
import LockGraph

// Two code paths take the same two locks in opposite orders. The threads run one after the
// other, so this run never hangs, yet a different interleaving would deadlock: LockGraph
// reports the inversion the first time the second order is taken.

let accountsLock = TrackedMutex(name: "accounts")
let auditLock = TrackedMutex(name: "audit")

@inline(never)
func transferFunds() {
    accountsLock.withLock {
        auditLock.withLock {
            // debit, credit, append to the audit trail
        }
    }
}

@inline(never)
func runAudit() {
    auditLock.withLock {
        accountsLock.withLock {
            // read balances for the audit report
        }
    }
}

extension Scenario {
    static let abbaInversion = Scenario(
        name: "abba-inversion",
        summary: "transferFunds() takes accounts then audit; runAudit() takes audit then accounts",
        expectation: "one lock-order inversion naming both functions; the run does not hang"
    ) {
        join(startThread(named: "transfer") { transferFunds() })
        join(startThread(named: "auditor") { runAudit() })
        say("lock-order inversions reported: \(violationCount(.lockOrderInversion))")
        return 0
    }

    /// One shard of a test suite: SHARD=transfer runs only transferFunds(), SHARD=audit only
    /// runAudit(). Neither process sees an inversion; `lockgraph check` on both recordings does.
    static let shardedABBA = Scenario(
        name: "sharded-abba",
        summary: "half of abba-inversion per process (SHARD=transfer or SHARD=audit)",
        expectation: "no report in either process; run with LOCKGRAPH_RECORD and `lockgraph check` finds the cycle across them"
    ) {
        switch ProcessInfo.processInfo.environment["SHARD"] {
        case "transfer": join(startThread(named: "transfer") { transferFunds() })
        case "audit": join(startThread(named: "auditor") { runAudit() })
        default:
            say("set SHARD=transfer or SHARD=audit")
            return 2
        }
        say("lock-order inversions reported: \(violationCount(.lockOrderInversion))")
        return 0
    }

    static let threeLockCycle = Scenario(
        name: "three-lock-cycle",
        summary: "three paths take orders -> inventory, inventory -> shipping, shipping -> orders",
        expectation: "one lock-order inversion listing all three locks and three edges"
    ) {
        let orders = TrackedMutex(name: "orders")
        let inventory = TrackedMutex(name: "inventory")
        let shipping = TrackedMutex(name: "shipping")
        join(startThread(named: "checkout") { reserveStock(orders, inventory) })
        join(startThread(named: "restock") { scheduleShipment(inventory, shipping) })
        join(startThread(named: "delivery") { closeOrder(shipping, orders) })
        say("lock-order inversions reported: \(violationCount(.lockOrderInversion))")
        return 0
    }
}

@inline(never)
func reserveStock(_ orders: TrackedMutex, _ inventory: TrackedMutex) {
    orders.withLock { inventory.withLock {} }
}

@inline(never)
func scheduleShipment(_ inventory: TrackedMutex, _ shipping: TrackedMutex) {
    inventory.withLock { shipping.withLock {} }
}

@inline(never)
func closeOrder(_ shipping: TrackedMutex, _ orders: TrackedMutex) {
    shipping.withLock { orders.withLock {} }
}
