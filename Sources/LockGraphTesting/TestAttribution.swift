@_spi(Integration) import LockGraph

/// Which violations belong to which test, and which were expected.
///
/// Each running test gets a scope id. A violation belongs to the scopes of the tests that
/// created its locks or, when none did, to the test running on the thread that detected it.
/// Attribution works on occurrences (`ViolationOccurrence`), not printed reports: LockGraph
/// prints a code path once and counts its repeats, and a repeat that happens in another test
/// (a helper that creates locks and inverts them, called by two tests) must still fail that
/// test. Occurrences returned by `expectViolations` are claimed and never fail a test.
enum TestAttribution {
    private struct State {
        var nextScope: UInt64 = 1
        /// Claimed occurrence numbers.
        var claimed: Set<UInt64> = []
        /// Kinds being expected right now, per scope (0 = outside any test), with nesting counts.
        var expecting: [UInt64: [LockViolation.Kind: Int]] = [:]
    }

    private static let state = InternalProtected(State())

    static func newScope() -> UInt64 {
        state.withLock { state in
            defer { state.nextScope += 1 }
            // High bit set: never mistaken for a small id another integration might use.
            return state.nextScope | (1 << 62)
        }
    }

    /// Claims these occurrences: they never fail a test.
    static func claim(occurrences: [ViolationOccurrence]) {
        state.withLock { $0.claimed.formUnion(occurrences.map(\.number)) }
    }

    /// Claims every occurrence of `violations` recorded so far (waits for pending reports).
    static func claim(_ violations: [LockViolation]) {
        let numbers = Set(violations.map(\.sequenceNumber))
        claim(occurrences: LockMonitor.occurrences(after: 0).map(\.occurrence).filter { numbers.contains($0.sequenceNumber) })
    }

    static func beginExpecting(_ kind: LockViolation.Kind, scope: UInt64?) {
        state.withLock { $0.expecting[scope ?? 0, default: [:]][kind, default: 0] += 1 }
    }

    static func endExpecting(_ kind: LockViolation.Kind, scope: UInt64?) {
        state.withLock { state in
            state.expecting[scope ?? 0]?[kind, default: 1] -= 1
            if state.expecting[scope ?? 0]?[kind] == 0 { state.expecting[scope ?? 0]?[kind] = nil }
        }
    }

    /// True when every occurrence of `violation` recorded so far was claimed, or while
    /// `expectViolations(of: violation.kind)` runs in a scope the violation belongs to.
    static func isExpected(_ violation: LockViolation) -> Bool {
        let mine = LockMonitor.occurrences(after: 0).map(\.occurrence).filter { $0.sequenceNumber == violation.sequenceNumber }
        return state.withLock { state in
            if !mine.isEmpty && mine.allSatisfy({ state.claimed.contains($0.number) }) { return true }
            let scopes = violation.scopes.isEmpty ? [0] : Array(violation.scopes)
            return scopes.contains { state.expecting[$0]?[violation.kind] != nil }
        }
    }

    /// One unexpected violation of a test: the report of its code path, and whether the test
    /// only repeated it (its report was printed for an earlier occurrence, maybe in another test).
    struct Failure {
        let violation: LockViolation
        let repeatsOnly: Bool

        /// The text a failing test records: the report, introduced when the test only repeated it.
        var message: String {
            guard repeatsOnly else { return violation.description }
            return "LockGraph: this test repeated a violation reported earlier (same code path; seen \(violation.occurrences) "
                + "times in all, printed once). The report of its first occurrence:\n" + violation.description
        }
    }

    /// Occurrences numbered above `number` that belong to `scope` and were not claimed, one
    /// entry per code path, in order of first occurrence. Waits for pending reports.
    static func unexpectedFailures(in scope: UInt64, after number: UInt64 = 0) -> [Failure] {
        let occurrences = LockMonitor.occurrences(after: number).filter { $0.occurrence.scopes.contains(scope) }
        let claimed = state.withLock { $0.claimed }
        var order: [UInt64] = []
        var byViolation: [UInt64: Failure] = [:]
        for (occurrence, violation) in occurrences where !claimed.contains(occurrence.number) {
            if let known = byViolation[violation.sequenceNumber] {
                byViolation[violation.sequenceNumber] = Failure(violation: violation, repeatsOnly: known.repeatsOnly && occurrence.isRepeat)
            } else {
                order.append(violation.sequenceNumber)
                byViolation[violation.sequenceNumber] = Failure(violation: violation, repeatsOnly: occurrence.isRepeat)
            }
        }
        return order.compactMap { byViolation[$0] }
    }

    /// The violations `unexpectedFailures` reports.
    static func unexpectedViolations(in scope: UInt64, after number: UInt64 = 0) -> [LockViolation] {
        unexpectedFailures(in: scope, after: number).map(\.violation)
    }

    /// Where a test starts looking: occurrences numbered above this happened after it began.
    static var latestOccurrenceNumber: UInt64 { LockMonitor.latestOccurrenceNumber }
}
