import Foundation
import LockGraph

// Precision: reader-writer locks, gate locks, lock classes, waits while holding. Each rule has a
// program that must be reported and one that must not. The two paths of every "inversion" run
// one after the other, so no run hangs.

private func twoPaths(_ first: @escaping @Sendable () -> Void, _ second: @escaping @Sendable () -> Void) {
    join(startThread(named: "path-1", first))
    join(startThread(named: "path-2", second))
}

/// Prints the counts the tests read, one line per kind that can appear in these programs
/// (`lock-order inversion: 1`, ...). The two paths of each program run one after the other, so
/// each count is exact: a report made twice, or one lost, shows up.
/// Returns exit status 0; the tests judge the counts.
private func summarise() -> Int32 {
    printViolationCounts([.lockOrderInversion, .reentrantAcquire, .sameClassNesting, .waitWhileHolding])
}

let configCache = TrackedRWLock(name: "config")
let routeTable = TrackedRWLock(name: "routes")

@inline(never) func reloadConfig() {
    configCache.withWriteLock { routeTable.withReadLock {} }
}

@inline(never) func resolveRoute() {
    routeTable.withWriteLock { configCache.withReadLock {} }
}

@inline(never) func readConfigThenRoutes() {
    configCache.withReadLock { routeTable.withReadLock {} }
}

@inline(never) func readRoutesThenConfig() {
    routeTable.withReadLock { configCache.withReadLock {} }
}

let registry = TrackedMutex(name: "registry")
let sessions = TrackedMutex(name: "sessions")
let metricsLock = TrackedMutex(name: "metrics")

@inline(never) func expireSessions(gated: Bool) {
    let body = { sessions.withLock { metricsLock.withLock {} } }
    if gated { registry.withLock(body) } else { body() }
}

@inline(never) func flushMetrics() {
    registry.withLock { metricsLock.withLock { sessions.withLock {} } }
}

final class Account: Sendable {
    let id: Int
    let lock: TrackedMutex
    init(id: Int) {
        self.id = id
        lock = TrackedMutex(name: "account")
    }
}

let ledgerLock = TrackedMutex(name: "ledger")

@inline(never) func postToLedger(_ account: Account) {
    account.lock.withLock { ledgerLock.withLock {} }
}

@inline(never) func auditAccount(_ account: Account) {
    ledgerLock.withLock { account.lock.withLock {} }
}

extension Scenario {
    static let rwlockWriteInversion = Scenario(
        name: "rwlock-write-inversion",
        summary: "reloadConfig() writes config then reads routes; resolveRoute() writes routes then reads config",
        expectation: "one lock-order inversion (each path holds for writing what the other waits for)"
    ) {
        twoPaths(reloadConfig, resolveRoute)
        return summarise()
    }

    static let rwlockReadersNoFalsePositive = Scenario(
        name: "rwlock-readers-no-false-positive",
        summary: "two paths take the same two rwlocks for reading in opposite orders",
        expectation: "no report: readers never wait for readers"
    ) {
        twoPaths(readConfigThenRoutes, readRoutesThenConfig)
        return summarise()
    }

    static let rwlockUpgrade = Scenario(
        name: "rwlock-upgrade",
        summary: "a reader of the cache asks for its write lock (an upgrade)",
        expectation: "reentrant acquire naming the upgrade, then SIGABRT instead of a hang"
    ) {
        let cache = TrackedRWLock(name: "cache")
        cache.readLock()
        cache.writeLock()
        say("unreachable")
        return 1
    }

    static let gateLockNoFalsePositive = Scenario(
        name: "gate-lock-no-false-positive",
        summary: "sessions->metrics and metrics->sessions, both always under the registry lock",
        expectation: "no report: the registry lock serialises both paths (ThreadSanitizer and go-deadlock report this one)"
    ) {
        twoPaths({ expireSessions(gated: true) }, flushMetrics)
        return summarise()
    }

    static let gateLockBroken = Scenario(
        name: "gate-lock-broken",
        summary: "the same program, but expireSessions() skips the registry lock",
        expectation: "one lock-order inversion between sessions and metrics"
    ) {
        twoPaths({ expireSessions(gated: false) }, flushMetrics)
        return summarise()
    }

    static let classInversion = Scenario(
        name: "class-inversion",
        summary: "postToLedger(alice) takes account then ledger; auditAccount(bob) takes ledger then account",
        expectation: "with LOCKGRAPH_CLASSES=1: one inversion between the classes; without: none (no pair of instances was taken both ways)"
    ) {
        let alice = Account(id: 1)
        let bob = Account(id: 2)
        twoPaths({ postToLedger(alice) }, { auditAccount(bob) })
        return summarise()
    }

    static let classNesting = Scenario(
        name: "class-nesting",
        summary: "with LOCKGRAPH_CLASSES=1: a parent node lock then a child node lock (subclass \"child\"), then two accounts nested without annotation",
        expectation: "no inversion; one same-class nesting hint for \"account\""
    ) {
        let parent = TrackedMutex(name: "node")
        let child = TrackedMutex(name: "node", subclass: "child")
        parent.withLock { child.withLock {} }
        let first = Account(id: 1)
        let second = Account(id: 2)
        first.lock.withLock { second.lock.withLock {} }
        return summarise()
    }

    static let waitWhileHolding = Scenario(
        name: "wait-while-holding",
        summary: "the producer signals jobs while holding stats; a consumer then waits on jobs while holding stats",
        expectation: "one wait-while-holding report naming both locks and both code paths, before the wait blocks; the program still ends (timed wait)"
    ) {
        let stats = TrackedMutex(name: "stats")
        let jobs = TrackedCondition(name: "jobs")
        // The evidence: the producer updates the counters and signals under the stats lock.
        join(startThread(named: "producer") {
            stats.withLock { jobs.withLock { jobs.signal() } }
        })
        stats.withLock {
            jobs.withLock { _ = jobs.wait(until: Date(timeIntervalSinceNow: 0.05)) }
        }
        return summarise()
    }

    static let privateLockWaitNoFalsePositive = Scenario(
        name: "private-lock-wait-no-false-positive",
        summary: "a test holds its private lock while waiting for a new event-loop thread that never takes that lock (swift-nio's BootstrapTest)",
        expectation: "no report: nothing shows that the signal needs the private lock"
    ) {
        let setUp = TrackedLockedValueBox<[String]>([], name: "test-private")
        let started = TrackedCondition(name: "loop-started")
        let flag = StartedFlag()
        setUp.withLockedValue { log in
            let loop = startThread(named: "event-loop") {
                started.withLock {
                    flag.isStarted = true
                    started.signal()
                }
            }
            started.withLock {
                while !flag.isStarted { _ = started.wait(until: Date(timeIntervalSinceNow: 10)) }
            }
            join(loop)
            log.append("loop started")
        }
        return summarise()
    }

    static let waitAllowedNoFalsePositive = Scenario(
        name: "wait-allowed-no-false-positive",
        summary: "the same wait, declared deliberate with allowingHeldLocks: true; and a plain wait holding nothing else",
        expectation: "no report"
    ) {
        let stats = TrackedMutex(name: "stats")
        let jobs = TrackedCondition(name: "jobs")
        stats.withLock {
            jobs.withLock { _ = jobs.wait(until: Date(timeIntervalSinceNow: 0.05), allowingHeldLocks: true) }
        }
        jobs.withLock { _ = jobs.wait(until: Date(timeIntervalSinceNow: 0.05)) }
        return summarise()
    }
}

/// Set and read only with the `loop-started` condition's lock held.
private final class StartedFlag: @unchecked Sendable {
    var isStarted = false
}
