import Foundation

extension LockMonitor {
    /// The violations recorded so far, as CI formats carry them: one ``LockGraphFinding`` per
    /// violation in ``violations`` (so, like it, waiting for reports detected before the call).
    ///
    /// File paths are made relative to each file's package root (see `LOCKGRAPH_SOURCE_ROOT`)
    /// where the file lies under one; the fingerprint depends on the rule and the lock classes
    /// only, so the same problem found by another run matches.
    public static var findings: [LockGraphFinding] {
        findingsReport().findings
    }

    /// The violations recorded so far in `format`, as `lockgraph check --format` writes cycles
    /// found in records: the same SARIF 2.1.0 log (rules, one result per violation, locations
    /// relative to `%SRCROOT%`), JUnit XML (one failed test case per violation, one passing case
    /// when there is none) and JSON (`"lockgraph-findings"`, ``LockGraphFinding/Report``); text
    /// is every report as printed, or `No LockGraph violation.`
    ///
    /// Reading it waits for reports detected before the call (see ``violations``); call it at the
    /// end of a run, from a test's teardown or an exit hook, and write the string where CI
    /// collects it. It takes no tracked lock and can be called from any thread, a violation
    /// handler included (there it sees the violations recorded before that handler's).
    public static func exportFindings(format: LockGraphFinding.Format) -> String {
        findingsReport().rendered(as: format)
    }

    /// The report ``exportFindings(format:)`` renders.
    static func findingsReport() -> LockGraphFinding.Report {
        let violations = violations
        var roots = SourceRootResolver(override: Configuration.settings.sourceRoot)
        let program = FrameFormatter.fileName(CommandLine.arguments.first ?? "process")
        return LockGraphFinding.Report(
            name: "LockGraph \(program) (pid \(getpid()))",
            findings: violations.map { LockGraphFinding($0, roots: &roots) },
            rules: LockGraphFinding.Rule.cycleRules,
            text: violations.isEmpty ? "No LockGraph violation." : violations.map(\.description).joined(separator: "\n\n"),
            passingCaseName: "no LockGraph violation")
    }
}
