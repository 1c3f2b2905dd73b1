extension Configuration {
    /// Every `LOCKGRAPH_*` variable: its name, its parser and its default, in the order README's
    /// "Environment variables" table lists them (a test checks), which is the order they are
    /// read in and their warnings printed.
    enum Variables {
        static let mode = EnvironmentVariable<LockMonitor.Mode>(
            "LOCKGRAPH_MODE", .choice(LockMonitor.Mode.allCases), default: .report)
        static let statistics = EnvironmentVariable<Bool>("LOCKGRAPH_STATS", .flag, default: false)
        static let classes = EnvironmentVariable<Bool>("LOCKGRAPH_CLASSES", .flag, default: false)
        static let wrappers = EnvironmentVariable<[String]>("LOCKGRAPH_WRAPPERS", .qualifiedNames, default: [])
        static let dumpSignal = EnvironmentVariable<Int32?>("LOCKGRAPH_DUMP_SIGNAL", ValueParser.userSignal.optional, default: nil)
        static let record = EnvironmentVariable<String?>("LOCKGRAPH_RECORD", ValueParser.directory.optional, default: nil)
        static let sourceRoot = EnvironmentVariable<String?>("LOCKGRAPH_SOURCE_ROOT", ValueParser.absolutePath.optional, default: nil)
        static let reportFile = EnvironmentVariable<String?>("LOCKGRAPH_REPORT_FILE", ValueParser.file.optional, default: nil)
        static let watchdogInterval = EnvironmentVariable<UInt64>("LOCKGRAPH_WATCHDOG_MS", .milliseconds, default: 1_000_000_000)
        static let stallThreshold = EnvironmentVariable<UInt64>("LOCKGRAPH_STALL_MS", .milliseconds, default: 10_000_000_000)
        static let onDeadlock = EnvironmentVariable<LockMonitor.DeadlockAction>(
            "LOCKGRAPH_ON_DEADLOCK", .choice([.abort, .wait]), default: .abort)
        static let asyncBlockThreshold = EnvironmentVariable<UInt64>("LOCKGRAPH_ASYNC_BLOCK_MS", .milliseconds, default: 100_000_000)
        static let threadLimit = EnvironmentVariable<Int>("LOCKGRAPH_THREAD_LIMIT", .positiveCount(of: "threads"), default: 1_000)
        static let holderStacks = EnvironmentVariable<Int>("LOCKGRAPH_HOLDER_STACKS", .stackBudget, default: 16)
        static let onReentrant = EnvironmentVariable<ReentrantAction>(
            "LOCKGRAPH_ON_REENTRANT", .choice([.abort, .continue]), default: .continueInTests)
        static let symbolication = EnvironmentVariable<SymbolicationMode>(
            "LOCKGRAPH_SYMBOLICATION", .choice([.full, .dladdr, .off]), default: .automatic)
    }

    /// How stacks become names (`LOCKGRAPH_SYMBOLICATION`; see `Symbolication`).
    enum SymbolicationMode: String, Sendable {
        /// The toolchain's `Runtime` module: demangled names, file:line, inlined frames.
        case full
        /// The dynamic loader's view (`dladdr`) and each image's symbol table: function names,
        /// file:line only from LockGraph's own line-table index. Never captures an image map,
        /// which crashes under valgrind.
        case dladdr
        /// Addresses only.
        case off
        /// The default: `full`, or `dladdr` when the process runs under valgrind.
        case automatic = "full, or dladdr under valgrind"
    }

    /// What a reentrant acquire of a non-recursive lock does after it is reported
    /// (`LOCKGRAPH_ON_REENTRANT`; see `Tracking.reentryProceeds`).
    enum ReentrantAction: String, Sendable {
        /// Terminate the process: the thread would wait for itself forever.
        case abort
        /// Proceed as if the lock were recursive.
        case `continue`
        /// The default: proceed inside a LockGraph test scope (the failing test is the report),
        /// terminate elsewhere.
        case continueInTests = "continue in tests, abort elsewhere"
    }

    /// The values of every `LOCKGRAPH_*` variable. Built from a lookup function, so the process's
    /// settings (`Configuration.settings`) and a test's dictionary go through the same parsers.
    /// Invariant: each value is its variable's parsed text, or its default when the text is
    /// missing, empty or invalid; `warnings` holds one line per invalid text, in reading order.
    struct Settings: Sendable {
        /// `LOCKGRAPH_MODE`: the mode until `LockMonitor.mode` changes it.
        let mode: LockMonitor.Mode
        /// `LOCKGRAPH_STATS`: contention statistics on at start.
        let collectsStatistics: Bool
        /// `LOCKGRAPH_CLASSES`: class-level ordering checked from the start.
        let checksLockClasses: Bool
        /// `LOCKGRAPH_WRAPPERS`: modules and types whose frames a lock's creation site steps
        /// over (see `LockCreationSite`); empty when none.
        let wrappers: [String]
        /// `LOCKGRAPH_DUMP_SIGNAL`: the signal whose handler is installed at first use, if any.
        let dumpSignal: Int32?
        /// `LOCKGRAPH_RECORD`: where class-level edges are written at exit, if anywhere.
        let recordDirectory: String?
        /// `LOCKGRAPH_SOURCE_ROOT`: the root records name source files relative to (see
        /// `SourceRootResolver`); nil: each file's nearest package root.
        let sourceRoot: String?
        /// `LOCKGRAPH_REPORT_FILE` (set by `lockgraph test`): where reports no test owns are also
        /// appended, if anywhere.
        let reportFile: String?
        /// `LOCKGRAPH_WATCHDOG_MS`, in nanoseconds.
        let watchdogInterval: UInt64
        /// `LOCKGRAPH_STALL_MS`, in nanoseconds.
        let stallThreshold: UInt64
        /// `LOCKGRAPH_ON_DEADLOCK`.
        let onDeadlock: LockMonitor.DeadlockAction
        /// `LOCKGRAPH_ASYNC_BLOCK_MS`, in nanoseconds.
        let asyncBlockThreshold: UInt64
        /// `LOCKGRAPH_THREAD_LIMIT`: `ThreadMonitor`'s default limit.
        let threadLimit: Int
        /// `LOCKGRAPH_HOLDER_STACKS`: acquisitions per lock that capture their stack (`Int.max`: all).
        let holderStackBudget: Int
        /// `LOCKGRAPH_ON_REENTRANT`.
        let onReentrant: ReentrantAction
        /// `LOCKGRAPH_SYMBOLICATION`.
        let symbolication: SymbolicationMode
        /// One warning line per invalid value, for the caller to print.
        let warnings: [String]

        /// Reads each variable once through `environment` (a variable's text, nil when unset).
        init(environment: (String) -> String?) {
            var warnings: [String] = []
            func read<Value>(_ variable: EnvironmentVariable<Value>) -> Value {
                let (value, warning) = variable.resolve(environment(variable.name))
                if let warning { warnings.append(warning) }
                return value
            }
            mode = read(Variables.mode)
            collectsStatistics = read(Variables.statistics)
            checksLockClasses = read(Variables.classes)
            wrappers = read(Variables.wrappers)
            dumpSignal = read(Variables.dumpSignal)
            recordDirectory = read(Variables.record)
            sourceRoot = read(Variables.sourceRoot)
            reportFile = read(Variables.reportFile)
            watchdogInterval = read(Variables.watchdogInterval)
            stallThreshold = read(Variables.stallThreshold)
            onDeadlock = read(Variables.onDeadlock)
            asyncBlockThreshold = read(Variables.asyncBlockThreshold)
            threadLimit = read(Variables.threadLimit)
            holderStackBudget = read(Variables.holderStacks)
            onReentrant = read(Variables.onReentrant)
            symbolication = read(Variables.symbolication)
            self.warnings = warnings
        }
    }
}
