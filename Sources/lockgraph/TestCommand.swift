import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `lockgraph test [SWIFT-TEST-ARGS...]`: builds the package's tests as `swift build
/// --build-tests` does (no interposer: the compiler and the build driver run untouched), then
/// runs them with `swift test --skip-build` and the interposer preloaded, active only in the
/// test processes: `LOCKGRAPH_PRELOAD_ONLY` limits it to executables named `*.xctest`, the
/// test bundle that runs both XCTest and Swift Testing tests; in the `swift test` driver and
/// in anything else a test starts it passes every call through.
///
/// A violation that a test owns fails that test when the suite uses LockGraphTesting (the
/// test binary's LockGraph is the one graph, see hook_table.c). A violation no test owns
/// (the suite does not use LockGraphTesting) is printed as it happens and again at the end,
/// and the run exits 1 even though every test passed.
struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the package's tests, then run them with LockGraph interposed in the test processes only.",
        discussion: """
            SWIFT-TEST-ARGS are swift test's. Those that also build (-c, --package-path, \
            --scratch-path, -Xswiftc, ...) go to `swift build --build-tests` too; test-only ones \
            (--filter, --skip, --parallel, ...) only to `swift test --skip-build`. The interposer \
            library is, in order: \(PreloadLibrary.searchOrder). Exit status: swift build's when \
            it fails; else swift test's, or 1 when tests passed but a violation no test owns was \
            reported; 2 if the library cannot be found.
            """
    )

    @Option(help: "The interposer library (\(PreloadLibrary.name)).")
    var library: String?

    @Argument(parsing: .captureForPassthrough, help: "Arguments for swift test.")
    var arguments: [String] = []

    /// The test bundle's executable suffix: swift test runs it for XCTest and for Swift Testing.
    static let testExecutableSuffix = ".xctest"

    func run() throws {
        var arguments = arguments
        // The arguments are captured for swift test, help flags included: this command's help
        // is asked for when one comes first (`lockgraph test -- --help` passes it on to swift).
        if PreloadLibrary.asksForHelp(arguments) {
            print(Self.helpMessage())
            return
        }
        if arguments.first == "--" { arguments.removeFirst() }
        let library = PreloadLibrary.locate(option: library, command: "test")
        let split = SwiftTestArguments(arguments)
        if !split.skipBuild {
            let built = runSwift(["build", "--build-tests"] + split.build, environment: [:])
            if built != 0 { Glibc.exit(built) }
        }
        let reportFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("lockgraph-test-\(getpid())-reports.txt").path
        unlink(reportFile)
        defer { unlink(reportFile) }
        var environment = ["LD_PRELOAD": PreloadLibrary.preloadValue(appending: library), "LOCKGRAPH_REPORT_FILE": reportFile]
        if ProcessInfo.processInfo.environment["LOCKGRAPH_PRELOAD_ONLY"] == nil {
            environment["LOCKGRAPH_PRELOAD_ONLY"] = Self.testExecutableSuffix
        }
        let tested = runSwift(["test", "--skip-build"] + split.test, environment: environment)
        let reports = (try? String(contentsOfFile: reportFile, encoding: .utf8)) ?? ""
        let count = reports.split(separator: "\n").filter { $0.hasPrefix("LockGraph: ") }.count
        guard count > 0 else { Glibc.exit(tested) }
        FileHandle.standardError.write(Data(("\nlockgraph test: \(count) report\(count == 1 ? "" : "s") from the test processes "
            + "that no test owns (the tests do not use LockGraphTesting, or it happened outside a test):\n\n" + reports).utf8))
        Glibc.exit(tested != 0 ? tested : 1)
    }

    /// Runs `swift ARGS` with `environment` added, sharing this process's terminal; its status.
    private func runSwift(_ arguments: [String], environment: [String: String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        do {
            try process.run()
        } catch {
            PreloadLibrary.fail("test", "cannot start swift \(arguments.first ?? ""): \(error)")
        }
        process.waitUntilExit()
        // A test process killed by a signal (a deadlock aborted, a crash) is a failure too.
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// swift test's arguments split into those `swift build --build-tests` takes too and the
/// test-only ones.
struct SwiftTestArguments {
    private(set) var build: [String] = []
    private(set) var test: [String] = []
    private(set) var skipBuild = false

    /// swift test's options that select or run tests, with a value / without one.
    private static let testOnlyWithValue: Set<String> = [
        "--filter", "--skip", "-s", "--specifier", "--num-workers", "--xunit-output", "--attachments-path",
    ]
    private static let testOnlyFlags: Set<String> = [
        "--enable-xctest", "--disable-xctest", "--enable-swift-testing", "--disable-swift-testing",
        "--parallel", "--no-parallel", "-l", "--list-tests", "--show-codecov-path", "--show-code-coverage-path",
        "--show-coverage-path", "--enable-testable-imports", "--disable-testable-imports",
    ]

    init(_ arguments: [String]) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let option = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if argument == "--skip-build" {
                skipBuild = true
            } else if Self.testOnlyWithValue.contains(option) {
                test.append(argument)
                if option == argument, index + 1 < arguments.count {
                    index += 1
                    test.append(arguments[index])
                }
            } else if Self.testOnlyFlags.contains(argument) {
                test.append(argument)
            } else {
                build.append(argument)
                test.append(argument)
            }
            index += 1
        }
    }
}
