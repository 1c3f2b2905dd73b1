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
            The interposer library is, in order: \(PreloadLibrary.searchOrder). \
            It is appended to LD_PRELOAD. Exit status: the program's; 2 if the library cannot be \
            found or the program cannot be started.
            """
    )

    @Option(help: "The interposer library (\(PreloadLibrary.name)).")
    var library: String?

    @Argument(parsing: .captureForPassthrough, help: "The program and its arguments.")
    var command: [String] = []

    func run() throws {
        var command = command
        // The arguments are captured for the program, help flags included: this command's help
        // is asked for when one comes first (`lockgraph run -- PROGRAM --help` passes it on).
        if PreloadLibrary.asksForHelp(command) {
            print(Self.helpMessage())
            return
        }
        if command.first == "--" { command.removeFirst() }
        guard let program = command.first else { PreloadLibrary.fail("run", "no program given: lockgraph run [--] PROGRAM [ARGS...]") }
        let library = PreloadLibrary.locate(option: library, command: "run")
        setenv("LD_PRELOAD", PreloadLibrary.preloadValue(appending: library), 1)
        let arguments = command.map { strdup($0) } + [nil]
        execvp(program, arguments)
        let reason = String(cString: strerror(errno))
        PreloadLibrary.fail("run", "cannot start \(program): \(reason)")
    }
}
