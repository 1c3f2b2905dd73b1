@_spi(Integration) import LockGraph

/// Which violations belong to which test, and which were expected.
///
/// Each running test gets a scope id. A violation belongs to the scopes of the tests that
/// created its locks or, when none did, to the test running on the thread that detected it
/// (`LockViolation.scopes`). Violations returned by `expectViolations` are claimed and never
/// fail a test.
enum TestAttribution {
    private struct State {
        var nextScope: UInt64 = 1
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

    static func claim(_ violations: [LockViolation]) {
        state.withLock { $0.claimed.formUnion(violations.map(\.sequenceNumber)) }
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

    /// True while `expectViolations(of: violation.kind)` runs in a scope the violation belongs to.
    static func isExpected(_ violation: LockViolation) -> Bool {
        state.withLock { state in
            if state.claimed.contains(violation.sequenceNumber) { return true }
            let scopes = violation.scopes.isEmpty ? [0] : Array(violation.scopes)
            return scopes.contains { state.expecting[$0]?[violation.kind] != nil }
        }
    }

    /// Violations recorded so far that belong to `scope` and were not expected.
    static func unexpectedViolations(in scope: UInt64, after sequenceNumber: UInt64 = 0) -> [LockViolation] {
        let claimed = state.withLock { $0.claimed }
        return LockMonitor.violations.filter {
            $0.sequenceNumber > sequenceNumber && $0.scopes.contains(scope) && !claimed.contains($0.sequenceNumber)
        }
    }

    /// The newest sequence number recorded so far (0 if none).
    static var latestSequenceNumber: UInt64 {
        LockMonitor.violations.last?.sequenceNumber ?? 0
    }
}
