/// The violations recorded so far, one per code path with its count, and the stream of every
/// occurrence (printed or not) that test integrations attribute to the running tests.
///
/// Written by the reporter thread (and by a report that ends the process, on its own thread),
/// read by anyone; guarded by one internal lock, never held while user code runs.
enum ViolationLog {
    private struct State {
        var violations: [LockViolation] = []
        /// Index in `violations` of the report each code path got (see `CodePathKey`).
        var firstByPath: [CodePathKey: Int] = [:]
        var indexBySequence: [UInt64: Int] = [:]
        /// Occurrences counted but not printed, since the start or the last reset.
        var suppressed = 0
        /// The most recent occurrences, oldest first (bounded: see `occurrenceLimit`).
        var occurrences: [ViolationOccurrence] = []
        /// Never reset, so numbers stay unique in the process.
        var nextSequenceNumber: UInt64 = 1
        var nextOccurrenceNumber: UInt64 = 1
    }

    /// Occurrences kept for attribution. A test looks only at those since it started, so a
    /// bound far above what one test produces keeps memory flat in a long-running process.
    static let occurrenceLimit = 10_000

    private static let state = InternalProtected(State())

    /// Records `violation`. Returns it with its sequence number when it is to be printed and
    /// handled: always when `deduplicate` is false, else only for the first occurrence of its
    /// code path. A repeat only raises the first report's `occurrences` and is logged as an
    /// occurrence (so the test it happened in still fails), and nil is returned.
    static func record(_ violation: LockViolation, deduplicate: Bool) -> LockViolation? {
        let path = CodePathKey(violation)
        return state.withLock { state in
            defer { state.nextOccurrenceNumber += 1 }
            if deduplicate, let index = state.firstByPath[path] {
                state.violations[index].occurrences += 1
                state.suppressed += 1
                let first = state.violations[index]
                log(ViolationOccurrence(number: state.nextOccurrenceNumber, sequenceNumber: first.sequenceNumber,
                                        kind: first.kind, scopes: violation.attribution, isRepeat: true), in: &state)
                return nil
            }
            var recorded = violation
            recorded.sequenceNumber = state.nextSequenceNumber
            state.nextSequenceNumber += 1
            state.indexBySequence[recorded.sequenceNumber] = state.violations.count
            if state.firstByPath[path] == nil { state.firstByPath[path] = state.violations.count }
            state.violations.append(recorded)
            log(ViolationOccurrence(number: state.nextOccurrenceNumber, sequenceNumber: recorded.sequenceNumber,
                                    kind: recorded.kind, scopes: recorded.attribution, isRepeat: false), in: &state)
            return recorded
        }
    }

    private static func log(_ occurrence: ViolationOccurrence, in state: inout State) {
        state.occurrences.append(occurrence)
        if state.occurrences.count > occurrenceLimit + occurrenceLimit / 4 {
            state.occurrences.removeFirst(state.occurrences.count - occurrenceLimit)
        }
    }

    /// Every recorded violation, oldest first, each with its current count. Does not wait for
    /// reports still being prepared (see `LockMonitor.violations`, which does).
    static var violations: [LockViolation] { state.withLock { $0.violations } }

    /// Forgets the violations, their code paths and the occurrence log (numbers keep counting).
    static func clear() {
        state.withLock { state in
            state.violations.removeAll()
            state.firstByPath.removeAll()
            state.indexBySequence.removeAll()
            state.occurrences.removeAll()
            state.suppressed = 0
        }
    }

    /// The occurrences numbered above `number`, each with its violation as recorded now.
    static func occurrences(after number: UInt64) -> [(occurrence: ViolationOccurrence, violation: LockViolation)] {
        state.withLock { state in
            state.occurrences.filter { $0.number > number }.compactMap { occurrence in
                state.indexBySequence[occurrence.sequenceNumber].map { (occurrence, state.violations[$0]) }
            }
        }
    }

    /// The number the next occurrence will get, minus one (0 before any).
    static var latestOccurrenceNumber: UInt64 { state.withLock { $0.nextOccurrenceNumber - 1 } }

    /// (printed violations, occurrences counted but not printed) since the start or last reset.
    static var counts: (violations: Int, suppressed: Int) {
        state.withLock { ($0.violations.count, $0.suppressed) }
    }
}

/// One detection of a violation: its first report, or a repeat of its code path that was
/// counted instead of printed (see `LockViolation.occurrences`). Test integrations attribute
/// occurrences, not reports, so a repeat in another test still fails that test.
@_spi(Integration)
public struct ViolationOccurrence: Sendable {
    /// Position in the process's stream of occurrences, from 1, in detection order.
    public let number: UInt64
    /// The `sequenceNumber` of the report this is an occurrence of.
    public let sequenceNumber: UInt64
    public let kind: LockViolation.Kind
    /// The integration scopes this occurrence belongs to (see `ViolationScope`).
    public let scopes: Set<UInt64>
    /// False for the occurrence that was printed, true for a counted repeat.
    public let isRepeat: Bool
}
