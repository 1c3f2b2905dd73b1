#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Process-wide settings: every `LOCKGRAPH_*` variable, read from the environment once, at
/// first use of LockGraph (see `Settings`), and the run-time mode. Nothing outside this folder
/// reads or parses a `LOCKGRAPH_*` variable.
enum Configuration {
    /// The process's settings. Built once, on first access (so the environment is read once);
    /// the warning for each invalid value is printed then, once.
    static let settings: Settings = {
        let settings = Settings { name in getenv(name).map { String(cString: $0) } }
        for warning in settings.warnings {
            writeToStandardError(warning)
        }
        return settings
    }()

    /// Current mode, stored as the raw index into `Mode.allCases` so the hot path reads one word;
    /// -1 until the environment is first read. The initializer is a constant, so the global is
    /// laid out statically: reading it costs no lazy-initialisation check (`swift_once`).
    private static let modeStorage = Atomic<Int>(-1)

    /// How many acquisitions of a lock capture their stack after the lock is created or
    /// takes part in its 1st, 2nd, 4th, 8th... new edge (see `LockInfo.renewStackBudget`):
    /// those stacks become the "where the held lock was acquired" half of a report.
    /// `LOCKGRAPH_HOLDER_STACKS=always` (`Int.max`) captures on every acquisition.
    static var holderStackBudget: Int {
        settings.holderStackBudget
    }

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
        let initial = index(of: settings.mode)
        let (exchanged, current) = modeStorage.compareExchange(expected: -1, desired: initial, ordering: .relaxed)
        return exchanged ? initial : current
    }

    /// The hot path's check: one relaxed load and a compare (`off` is index 0 of `allCases`).
    @inline(__always)
    static var isOff: Bool {
        modeIndex == 0
    }

    /// `isOff` for the steady state, which has checked `LockInfo.isRegistered` first: creating
    /// that lock read the mode, so the first-read check is skipped (one load and a compare).
    @inline(__always)
    static var isOffOnceRead: Bool {
        let index = modeStorage.load(ordering: .relaxed)
        assert(index >= 0, "isOffOnceRead before the mode was read")
        return index == 0
    }

    static func setMode(_ mode: LockMonitor.Mode) {
        modeStorage.store(index(of: mode), ordering: .relaxed)
    }

    private static func index(of mode: LockMonitor.Mode) -> Int {
        LockMonitor.Mode.allCases.firstIndex(of: mode) ?? 1
    }
}
