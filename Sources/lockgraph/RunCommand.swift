import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `lockgraph run [--] PROGRAM [ARGS...]`: runs an unmodified program with the interposer
/// (`libLockGraphPreload.so`) preloaded, so every pthread mutex it uses (`NSLock`,
/// `NSRecursiveLock`, `NSCondition`'s mutex, raw `pthread_mutex_t`, C libraries' locks) is a
/// tracked lock in one lock graph.
///
/// The program replaces this process (`execvp`): its exit status and signals are the run's.
/// The `LOCKGRAPH_*` variables of the environment reach it unchanged.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an unmodified program with LockGraph interposed on its pthread mutexes.",
        discussion: """
            The interposer library is, in order: --library, $\(Run.libraryVariable), or \
            \(Run.libraryName) next to this executable (swift build puts both in the build directory). \
            It is appended to LD_PRELOAD. Exit status: the program's; 2 if the library cannot be \
            found or the program cannot be started.
            """
    )

    static let libraryName = "libLockGraphPreload.so"
    static let libraryVariable = "LOCKGRAPH_PRELOAD_LIBRARY"

    @Option(help: "The interposer library (\(Run.libraryName)).")
    var library: String?

    @Argument(parsing: .captureForPassthrough, help: "The program and its arguments.")
    var command: [String] = []

    func run() throws {
        var command = command
        if command.first == "--" { command.removeFirst() }
        guard let program = command.first else { fail("no program given: lockgraph run [--] PROGRAM [ARGS...]") }
        let library = try locateLibrary()
        let existing = ProcessInfo.processInfo.environment["LD_PRELOAD"].flatMap { $0.isEmpty ? nil : $0 }
        setenv("LD_PRELOAD", existing.map { "\($0):\(library)" } ?? library, 1)
        let arguments = command.map { strdup($0) } + [nil]
        execvp(program, arguments)
        let reason = String(cString: strerror(errno))
        fail("cannot start \(program): \(reason)")
    }

    /// The library's absolute path, checked to be a readable ELF file (the dynamic loader only
    /// warns about a preload it cannot load, and runs the program unchecked).
    private func locateLibrary() throws -> String {
        let environment = ProcessInfo.processInfo.environment[Self.libraryVariable].flatMap { $0.isEmpty ? nil : $0 }
        let path = library ?? environment ?? Self.besideExecutable()
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let handle = FileHandle(forReadingAtPath: absolute) else {
            fail("cannot find the interposer library at \(absolute). Build it with `swift build --product LockGraphPreload`, "
                 + "or give its path with --library or \(Self.libraryVariable).")
        }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        guard magic == Data([0x7F, 0x45, 0x4C, 0x46]) else { fail("\(absolute) is not a shared library (no ELF header)") }
        return absolute
    }

    /// `libLockGraphPreload.so` in the directory of the running `lockgraph` executable.
    private static func besideExecutable() -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(libraryName).path
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("lockgraph run: \(message)\n".utf8))
        Glibc.exit(2)
    }
}
