import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The interposer library (`libLockGraphPreload.so`) that `lockgraph run` and `lockgraph test`
/// put in `LD_PRELOAD`.
enum PreloadLibrary {
    /// Whether captured pass-through arguments ask for the command's own help: a help flag first
    /// (after `--` it belongs to the program or to swift test).
    static func asksForHelp(_ arguments: [String]) -> Bool {
        guard let first = arguments.first else { return false }
        return ["--help", "-h", "-help"].contains(first)
    }

    static let name = "libLockGraphPreload.so"
    static let variable = "LOCKGRAPH_PRELOAD_LIBRARY"

    /// Where the library is looked for, in order, for the commands' help.
    static let searchOrder = "--library, $\(variable), or \(name) next to this executable (swift build puts both in the build directory)"

    /// The library's absolute path: `option`, else `$LOCKGRAPH_PRELOAD_LIBRARY`, else beside this
    /// executable; checked to be a readable ELF file (the dynamic loader only warns about a
    /// preload it cannot load, and runs the program unchecked). Exits with 2 and a message
    /// naming `command` otherwise.
    static func locate(option: String?, command: String) -> String {
        let environment = ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        let path = option ?? environment ?? besideExecutable()
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let handle = FileHandle(forReadingAtPath: absolute) else {
            fail(command, "cannot find the interposer library at \(absolute). Build it with `swift build --product LockGraphPreload`, "
                 + "or give its path with --library or \(variable).")
        }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        guard magic == Data([0x7F, 0x45, 0x4C, 0x46]) else { fail(command, "\(absolute) is not a shared library (no ELF header)") }
        return absolute
    }

    /// `LD_PRELOAD` of this process with `library` appended.
    static func preloadValue(appending library: String) -> String {
        let existing = ProcessInfo.processInfo.environment["LD_PRELOAD"].flatMap { $0.isEmpty ? nil : $0 }
        return existing.map { "\($0):\(library)" } ?? library
    }

    /// `libLockGraphPreload.so` in the directory of the running `lockgraph` executable.
    private static func besideExecutable() -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Prints `lockgraph COMMAND: message` and exits with 2 (misuse, or nothing to run).
    static func fail(_ command: String, _ message: String) -> Never {
        FileHandle.standardError.write(Data("lockgraph \(command): \(message)\n".utf8))
        Glibc.exit(2)
    }
}
