#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

// What the workload executables (BankWorkload, ReportCost, EdgeMemory) share: memory and
// binary-size readings, time, `--flag N` parsing and call sites that give distinct stacks.

public enum ProcessMemory {
    /// Peak resident set size of this process so far, in bytes (`getrusage`'s `ru_maxrss`).
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)  // Glibc imports RUSAGE_SELF as an enum case
        return Int(usage.ru_maxrss) * 1_024  // KiB on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)  // bytes on Darwin
        #endif
    }

    /// Current resident set size in bytes (`/proc/self/statm`), or the peak where there is no
    /// /proc: a baseline read that way can only be too high, so a difference stays a lower bound.
    public static func currentResidentBytes() -> Int {
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) {
                return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
            }
        }
        return peakResidentBytes()
    }

    /// Bytes as MiB, the unit of every `*_mb` field these tools print.
    public static func mebibytes(_ bytes: Int) -> Double { Double(bytes) / 1_048_576 }
}

/// Size in bytes of the running executable (debug information included), or nil if unknown.
public func executableSize() -> Int? {
    #if os(Linux)
    let path = "/proc/self/exe"  // stat follows the link to the binary itself
    #else
    guard let path = Bundle.main.executablePath else { return nil }
    #endif
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Int(info.st_size)
}

/// "debug" or "release", as this module was compiled (SwiftPM defines DEBUG in debug builds).
public let buildConfiguration: String = {
    #if DEBUG
    return "debug"
    #else
    return "release"
    #endif
}()

/// Monotonic nanoseconds.
@inline(__always)
public func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Milliseconds between two `now()` readings.
public func milliseconds(from start: UInt64, to end: UInt64) -> Double { Double(end - start) / 1e6 }

public func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// `--name N` options, each a positive integer with a default. Parses `arguments` (no program
/// name); on an error prints it and the usage on standard error and returns nil.
public struct IntegerFlags {
    public struct Flag: Sendable {
        public let name: String
        public let defaultValue: Int
        public let help: String

        public init(_ name: String, default defaultValue: Int, _ help: String) {
            self.name = name
            self.defaultValue = defaultValue
            self.help = help
        }
    }

    private let values: [String: Int]

    public subscript(name: String) -> Int { values[name]! }

    public static func usage(program: String, prefix: String = "", flags: [Flag]) -> String {
        let synopsis = flags.map { "[--\($0.name) N]" }.joined(separator: " ")
        let lines = flags.map {
            "  --\($0.name) N".padding(toLength: 20, withPad: " ", startingAt: 0) + "\($0.help) (default \($0.defaultValue))"
        }
        return (["usage: \(program) \(prefix)\(synopsis)"] + lines).joined(separator: "\n") + "\n"
    }

    public static func parse(_ arguments: ArraySlice<String>, program: String, prefix: String = "", flags: [Flag]) -> IntegerFlags? {
        func fail(_ message: String) -> IntegerFlags? {
            FileHandle.standardError.write(Data("\(program): \(message)\n\(usage(program: program, prefix: prefix, flags: flags))".utf8))
            return nil
        }
        var values = Dictionary(uniqueKeysWithValues: flags.map { ($0.name, $0.defaultValue) })
        var rest = arguments
        while let option = rest.popFirst() {
            if option == "--help" || option == "-h" {
                print(usage(program: program, prefix: prefix, flags: flags), terminator: "")
                exit(0)
            }
            let name = String(option.dropFirst(2))
            guard option.hasPrefix("--"), values[name] != nil else { return fail("unknown option \(option)") }
            guard let raw = rest.popFirst() else { return fail("\(option) needs a value") }
            // Underscores allowed, as in Swift literals: --edges 500_000.
            guard let value = Int(raw.replacingOccurrences(of: "_", with: "")), value > 0 else {
                return fail("\(option) takes a positive integer, not \(raw)")
            }
            values[name] = value
        }
        return IntegerFlags(values: values)
    }
}

/// Distinct call sites for lock acquisitions: `CallSites.run(variant, body)` calls `body` from
/// one of `count` different stacks (one of five functions, under 0 to 3 extra frames), so that
/// recorded stacks differ the way they do between places in a real program.
public enum CallSites {
    public static let count = 5 * 4

    // Written after each call so the compiler cannot turn the calls into jumps (a tail call
    // would drop the frame and make the stacks identical again).
    private static let calls = Atomic<Int>(0)

    public static func run(_ variant: Int, _ body: () -> Void) {
        let variant = variant % count
        descend(variant / 5) {
            switch variant % 5 {
            case 0: site0(body)
            case 1: site1(body)
            case 2: site2(body)
            case 3: site3(body)
            default: site4(body)
            }
        }
    }

    @inline(never)
    private static func descend(_ depth: Int, _ body: () -> Void) {
        if depth == 0 { body() } else { descend(depth - 1, body) }
        calls.add(1, ordering: .relaxed)
    }

    // Five different atomic operations: functions identical but for a constant could be
    // merged by the optimizer into one body, and with it one return address.
    @inline(never) private static func site0(_ body: () -> Void) { body(); calls.add(1, ordering: .relaxed) }
    @inline(never) private static func site1(_ body: () -> Void) { body(); calls.subtract(1, ordering: .relaxed) }
    @inline(never) private static func site2(_ body: () -> Void) { body(); calls.bitwiseOr(2, ordering: .relaxed) }
    @inline(never) private static func site3(_ body: () -> Void) { body(); calls.bitwiseAnd(~2, ordering: .relaxed) }
    @inline(never) private static func site4(_ body: () -> Void) { body(); calls.bitwiseXor(4, ordering: .relaxed) }
}
