#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Process-wide settings read from the environment once, at first use of LockGraph.
enum Configuration {
    /// Current mode, stored as the raw index into `Mode.allCases` so the hot path reads one word;
    /// -1 until the environment is first read. The initializer is a constant, so the global is
    /// laid out statically: reading it costs no lazy-initialisation check (`swift_once`).
    private static let modeStorage = Atomic<Int>(-1)

    /// `LOCKGRAPH_MODE` as read once (a warning for an invalid value is printed once).
    private static let environmentModeIndex = initialModeIndex()

    /// How many acquisitions of a lock capture their stack after the lock is created or
    /// takes part in a new edge: those stacks become the "where the held lock was acquired"
    /// half of a report. `LOCKGRAPH_HOLDER_STACKS=always` captures on every acquisition.
    static let holderStackBudget: Int = {
        switch environment("LOCKGRAPH_HOLDER_STACKS")?.lowercased() {
        case "always": return Int.max
        case "off", "0": return 0
        default: return 16
        }
    }()

    static var mode: LockMonitor.Mode {
        LockMonitor.Mode.allCases[modeIndex]
    }

    @inline(__always)
    private static var modeIndex: Int {
        let index = modeStorage.load(ordering: .relaxed)
        return index >= 0 ? index : initializeMode()
    }

    /// First read: the environment's mode, unless `setMode` got there first.
    @inline(never)
    private static func initializeMode() -> Int {
        let initial = environmentModeIndex
        let (exchanged, current) = modeStorage.compareExchange(expected: -1, desired: initial, ordering: .relaxed)
        return exchanged ? initial : current
    }

    /// The hot path's check: one relaxed load and a compare (`off` is index 0 of `allCases`).
    @inline(__always)
    static var isOff: Bool {
        modeIndex == 0
    }

    static func setMode(_ mode: LockMonitor.Mode) {
        modeStorage.store(index(of: mode), ordering: .relaxed)
    }

    private static func index(of mode: LockMonitor.Mode) -> Int {
        LockMonitor.Mode.allCases.firstIndex(of: mode) ?? 1
    }

    private static func initialModeIndex() -> Int {
        guard let raw = environment("LOCKGRAPH_MODE"), !raw.isEmpty else {
            return index(of: .report)
        }
        if let mode = LockMonitor.Mode(rawValue: raw.lowercased()) {
            return index(of: mode)
        }
        let valid = LockMonitor.Mode.allCases.map(\.rawValue).joined(separator: ", ")
        writeToStandardError(
            "LockGraph: ignoring LOCKGRAPH_MODE=\(raw): valid values are \(valid); using report.\n"
        )
        return index(of: .report)
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
