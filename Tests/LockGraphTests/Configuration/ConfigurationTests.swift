import Foundation
import Testing
@testable import LockGraph

/// The `LOCKGRAPH_*` parsers, fed a dictionary instead of the process environment: each
/// variable's valid values, its default, and the one warning an invalid value gives.
@Suite("Configuration")
struct ConfigurationTests {
    private func settings(_ environment: [String: String]) -> Configuration.Settings {
        Configuration.Settings { environment[$0] }
    }

    @Test func unsetOrEmptyVariablesGiveEveryDefaultAndNoWarning() {
        let empty = Dictionary(Self.variablesRead().map { ($0, "") }) { first, _ in first }
        for environment in [[:], empty] {
            let settings = settings(environment)
            #expect(settings.mode == .report)
            #expect(settings.holderStackBudget == 16)
            #expect(!settings.collectsStatistics)
            #expect(!settings.checksLockClasses)
            #expect(settings.wrappers.isEmpty)
            #expect(settings.dumpSignal == nil)
            #expect(settings.recordDirectory == nil)
            #expect(settings.sourceRoot == nil)
            #expect(settings.watchdogInterval == 1_000_000_000)
            #expect(settings.stallThreshold == 10_000_000_000)
            #expect(settings.onDeadlock == .abort)
            #expect(settings.asyncBlockThreshold == 100_000_000)
            #expect(settings.threadLimit == 1_000)
            #expect(settings.onReentrant == .continueInTests)
            #expect(settings.symbolication == .automatic)
            #expect(settings.warnings.isEmpty)
        }
    }

    @Test func validValuesAreTakenInAnyLetterCase() {
        let settings = settings([
            "LOCKGRAPH_MODE": "ABORT", "LOCKGRAPH_HOLDER_STACKS": "Always", "LOCKGRAPH_STATS": "On",
            "LOCKGRAPH_CLASSES": "yes", "LOCKGRAPH_WRAPPERS": "NIOConcurrencyHelpers", "LOCKGRAPH_DUMP_SIGNAL": "sigusr2", "LOCKGRAPH_RECORD": "/tmp/graphs",
            "LOCKGRAPH_SOURCE_ROOT": "/src/app",
            "LOCKGRAPH_WATCHDOG_MS": "250", "LOCKGRAPH_STALL_MS": "500", "LOCKGRAPH_ON_DEADLOCK": "Wait",
            "LOCKGRAPH_ASYNC_BLOCK_MS": "50", "LOCKGRAPH_THREAD_LIMIT": "150", "LOCKGRAPH_ON_REENTRANT": "Continue",
            "LOCKGRAPH_SYMBOLICATION": "DLADDR",
        ])
        #expect(settings.mode == .abort)
        #expect(settings.holderStackBudget == Int.max)
        #expect(settings.collectsStatistics)
        #expect(settings.checksLockClasses)
        #expect(settings.wrappers == ["NIOConcurrencyHelpers"])
        #expect(settings.dumpSignal == SIGUSR2)
        #expect(settings.recordDirectory == "/tmp/graphs")
        #expect(settings.sourceRoot == "/src/app")
        #expect(settings.watchdogInterval == 250_000_000)
        #expect(settings.stallThreshold == 500_000_000)
        #expect(settings.onDeadlock == .wait)
        #expect(settings.asyncBlockThreshold == 50_000_000)
        #expect(settings.threadLimit == 150)
        #expect(settings.onReentrant == .continue)
        #expect(self.settings(["LOCKGRAPH_ON_REENTRANT": "abort"]).onReentrant == .abort)
        #expect(settings.symbolication == .dladdr)
        #expect(self.settings(["LOCKGRAPH_SYMBOLICATION": "off"]).symbolication == .off)
        #expect(self.settings(["LOCKGRAPH_SYMBOLICATION": "full"]).symbolication == .full)
        #expect(settings.warnings.isEmpty)
    }

    @Test func everyFlagSpellingIsAccepted() {
        for (text, value) in [("1", true), ("on", true), ("TRUE", true), ("yes", true),
                              ("0", false), ("off", false), ("false", false), ("No", false)] {
            let settings = settings(["LOCKGRAPH_STATS": text, "LOCKGRAPH_CLASSES": text])
            #expect(settings.collectsStatistics == value, "\(text)")
            #expect(settings.checksLockClasses == value, "\(text)")
            #expect(settings.warnings.isEmpty, "\(text)")
        }
    }

    @Test func holderStacksTakesAlwaysOffOrACount() {
        #expect(settings(["LOCKGRAPH_HOLDER_STACKS": "off"]).holderStackBudget == 0)
        #expect(settings(["LOCKGRAPH_HOLDER_STACKS": "0"]).holderStackBudget == 0)
        #expect(settings(["LOCKGRAPH_HOLDER_STACKS": "64"]).holderStackBudget == 64)
    }

    @Test func wrappersTakeModuleAndTypeNamesPlainOrQualified() {
        #expect(settings(["LOCKGRAPH_WRAPPERS": "NIOConcurrencyHelpers,NIOLock"]).wrappers == ["NIOConcurrencyHelpers", "NIOLock"])
        #expect(settings(["LOCKGRAPH_WRAPPERS": " App.ServerLock , Outer.Inner_2 "]).wrappers == ["App.ServerLock", "Outer.Inner_2"])
        #expect(settings(["LOCKGRAPH_WRAPPERS": "NIOLock,"]).wrappers == ["NIOLock"])
    }

    @Test func dumpSignalTakesEitherUserSignalWithOrWithoutSIG() {
        #expect(settings(["LOCKGRAPH_DUMP_SIGNAL": "USR1"]).dumpSignal == SIGUSR1)
        #expect(settings(["LOCKGRAPH_DUMP_SIGNAL": "SIGUSR1"]).dumpSignal == SIGUSR1)
        #expect(settings(["LOCKGRAPH_DUMP_SIGNAL": "usr2"]).dumpSignal == SIGUSR2)
    }

    @Test func aDurationTooLongForNanosecondsSaturatesInsteadOfTrapping() {
        let settings = settings(["LOCKGRAPH_STALL_MS": "99999999999999999"])
        #expect(settings.stallThreshold == UInt64.max)
        #expect(settings.warnings.isEmpty)
    }

    /// One case per variable (`LOCKGRAPH_RECORD`, which has none, aside): an invalid value gives
    /// exactly this warning line and leaves every setting at its default. The thread-limit and
    /// holder-stacks cases are bug 1: those values used to be taken silently (and a thread limit
    /// of 0 failed `ThreadMonitor`'s precondition).
    @Test(arguments: [
        InvalidValue("LOCKGRAPH_MODE", "loud", "off, report, abort; using report"),
        InvalidValue("LOCKGRAPH_STATS", "Maybe", "1, 0 (also on/off, true/false, yes/no); using 0"),
        InvalidValue("LOCKGRAPH_CLASSES", "2", "1, 0 (also on/off, true/false, yes/no); using 0"),
        InvalidValue("LOCKGRAPH_WRAPPERS", "NIO Lock", "module or type names separated by commas; using none"),
        InvalidValue("LOCKGRAPH_WRAPPERS", "App..Lock", "module or type names separated by commas; using none"),
        InvalidValue("LOCKGRAPH_WRAPPERS", "2Locks", "module or type names separated by commas; using none"),
        InvalidValue("LOCKGRAPH_WRAPPERS", ",", "module or type names separated by commas; using none"),
        InvalidValue("LOCKGRAPH_DUMP_SIGNAL", "HUP", "USR1, USR2 (also SIGUSR1, SIGUSR2); using none"),
        InvalidValue("LOCKGRAPH_SOURCE_ROOT", "src/app", "an absolute directory path; using none"),
        InvalidValue("LOCKGRAPH_WATCHDOG_MS", "0", "a positive number of milliseconds; using 1000"),
        InvalidValue("LOCKGRAPH_STALL_MS", "soon", "a positive number of milliseconds; using 10000"),
        InvalidValue("LOCKGRAPH_ON_DEADLOCK", "maybe", "abort, wait; using abort"),
        InvalidValue("LOCKGRAPH_ASYNC_BLOCK_MS", "-5", "a positive number of milliseconds; using 100"),
        InvalidValue("LOCKGRAPH_THREAD_LIMIT", "bogus", "a positive number of threads; using 1000"),
        InvalidValue("LOCKGRAPH_THREAD_LIMIT", "0", "a positive number of threads; using 1000"),
        InvalidValue("LOCKGRAPH_HOLDER_STACKS", "bogus", "always, off or a number of acquisitions; using 16"),
        InvalidValue("LOCKGRAPH_HOLDER_STACKS", "-1", "always, off or a number of acquisitions; using 16"),
        InvalidValue("LOCKGRAPH_ON_REENTRANT", "ignore", "abort, continue; using continue in tests, abort elsewhere"),
        InvalidValue("LOCKGRAPH_SYMBOLICATION", "some", "full, dladdr, off; using full, or dladdr under valgrind"),
    ])
    func anInvalidValueIsWarnedAboutAndChangesNothing(_ invalid: InvalidValue) {
        let settings = settings([invalid.variable: invalid.text])
        #expect(settings.warnings == [
            "LockGraph: ignoring \(invalid.variable)=\(invalid.text): valid values are \(invalid.validValuesAndFallback).\n",
        ])
        #expect(Self.values(of: settings) == Self.values(of: self.settings([:])))
    }

    struct InvalidValue: Sendable, CustomTestStringConvertible {
        let variable: String
        let text: String
        /// The warning's words after "valid values are", up to its final period.
        let validValuesAndFallback: String
        var testDescription: String { "\(variable)=\(text)" }

        init(_ variable: String, _ text: String, _ validValuesAndFallback: String) {
            self.variable = variable
            self.text = text
            self.validValuesAndFallback = validValuesAndFallback
        }
    }

    /// `LOCKGRAPH_REPORT_FILE` (set by `lockgraph test`) names a file as given; unset, none.
    @Test func reportFileIsTakenAsGiven() {
        #expect(settings(["LOCKGRAPH_REPORT_FILE": "/tmp/lockgraph-test-1-reports.txt"]).reportFile == "/tmp/lockgraph-test-1-reports.txt")
        #expect(settings([:]).reportFile == nil)
        #expect(settings([:]).warnings.isEmpty)
    }

    /// `LOCKGRAPH_RECORD` has no invalid value: any text names the directory (a directory that
    /// cannot be written is reported at exit), and only the empty string means unset.
    @Test func recordTakesAnyDirectoryText() {
        let settings = settings(["LOCKGRAPH_RECORD": "not a dir?"])
        #expect(settings.recordDirectory == "not a dir?")
        #expect(settings.warnings.isEmpty)
    }

    /// Every setting but the warnings, for comparing two `Settings`.
    private static func values(of settings: Configuration.Settings) -> [String] {
        ["\(settings.mode)", "\(settings.collectsStatistics)", "\(settings.checksLockClasses)", "\(settings.wrappers)",
         "\(settings.dumpSignal.map { "\($0)" } ?? "none")", settings.recordDirectory ?? "none",
         settings.sourceRoot ?? "none",
         "\(settings.watchdogInterval)", "\(settings.stallThreshold)", "\(settings.onDeadlock)",
         "\(settings.asyncBlockThreshold)", "\(settings.threadLimit)", "\(settings.holderStackBudget)",
         "\(settings.onReentrant)", "\(settings.symbolication)"]
    }

    @Test func eachVariableIsReadOnceInTheOrderREADMEListsThem() throws {
        let read = Self.variablesRead()
        #expect(read.count == Set(read).count, "read more than once: \(read)")
        #expect(read == (try Self.documentedVariables()))
        // The full table: the DocC article README's brief table links to (its only table).
        #expect(read == (try Self.documentedVariables(in: "Sources/LockGraph/LockGraph.docc/EnvironmentVariables.md",
                                                      section: nil)))
    }

    /// The names `Settings` looks up, in order, each time it is asked.
    private static func variablesRead() -> [String] {
        var read: [String] = []
        _ = Configuration.Settings { name in
            read.append(name)
            return nil
        }
        return read
    }

    /// The variables a document's "Environment variables" table lists (README's by default), in
    /// its order; `section` nil reads the whole document.
    private static func documentedVariables(in path: String = "README.md",
                                            section: String? = "Environment variables") throws -> [String] {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(path)
        let text = try String(contentsOf: file, encoding: .utf8)
        let section = section.map { heading in
            text.components(separatedBy: "\n## \(heading)\n").dropFirst().first?
                .components(separatedBy: "\n## ").first ?? ""
        } ?? text
        return section.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("| `LOCKGRAPH_") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        }
    }
}
