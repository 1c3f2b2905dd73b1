#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one type of `LOCKGRAPH_*` value is read: a pure function from the variable's text to
/// the value, and the words a warning uses for it. A parser never sees an empty string (an
/// empty variable counts as unset) and never prints: `EnvironmentVariable` words every warning.
struct ValueParser<Value: Sendable>: Sendable {
    /// The accepted values as a warning names them, after "valid values are".
    let validValues: String
    /// The value `text` denotes, or nil when it denotes none (an invalid value).
    let parse: @Sendable (String) -> Value?
    /// How a warning names `value` when it falls back to it ("report", "16", "none").
    let describe: @Sendable (Value) -> String
}

extension ValueParser {
    /// One of `choices`, named by its raw value in any letter case (`abort`, `ABORT`).
    static func choice(_ choices: [Value]) -> ValueParser where Value: RawRepresentable<String> {
        ValueParser(
            validValues: choices.map(\.rawValue).joined(separator: ", "),
            parse: { text in
                let lowercased = text.lowercased()
                return choices.first { $0.rawValue == lowercased }
            },
            describe: { $0.rawValue })
    }

    /// The same values, for a variable whose default is to do nothing: it reads as nil when
    /// unset or invalid, and a warning names that default "none".
    var optional: ValueParser<Value?> {
        let parse = self.parse
        let describe = self.describe
        return ValueParser<Value?>(
            validValues: validValues,
            parse: { text in parse(text).map { Optional.some($0) } },
            describe: { value in value.map(describe) ?? "none" })
    }
}

extension ValueParser where Value == Bool {
    /// An on/off switch: `1`, `on`, `true`, `yes` or `0`, `off`, `false`, `no`, in any letter case.
    static var flag: ValueParser {
        ValueParser(
            validValues: "1, 0 (also on/off, true/false, yes/no)",
            parse: { text in
                switch text.lowercased() {
                case "1", "on", "true", "yes": true
                case "0", "off", "false", "no": false
                default: nil
                }
            },
            describe: { $0 ? "1" : "0" })
    }
}

extension ValueParser where Value == UInt64 {
    /// A positive whole number of milliseconds, as nanoseconds. A value too large for that
    /// (over about 584 years) saturates at `UInt64.max` nanoseconds rather than trapping.
    static var milliseconds: ValueParser {
        ValueParser(
            validValues: "a positive number of milliseconds",
            parse: { text in
                guard let milliseconds = UInt64(text), milliseconds > 0 else { return nil }
                let (nanoseconds, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
                return overflow ? .max : nanoseconds
            },
            describe: { "\($0 / 1_000_000)" })
    }
}

extension ValueParser where Value == Int {
    /// A whole number above zero; `unit` names what is counted ("threads").
    static func positiveCount(of unit: String) -> ValueParser {
        ValueParser(
            validValues: "a positive number of \(unit)",
            parse: { text in Int(text).flatMap { $0 > 0 ? $0 : nil } },
            describe: { "\($0)" })
    }

    /// How many acquisitions of a lock capture their stack: `always` (`Int.max`, which the
    /// budget never counts down), `off` (0), or a whole number from 0 up.
    static var stackBudget: ValueParser {
        ValueParser(
            validValues: "always, off or a number of acquisitions",
            parse: { text in
                switch text.lowercased() {
                case "always": Int.max
                case "off": 0
                default: Int(text).flatMap { $0 >= 0 ? $0 : nil }
                }
            },
            describe: { budget in
                switch budget {
                case .max: "always"
                case 0: "off"
                default: "\(budget)"
                }
            })
    }
}

extension ValueParser where Value == Int32 {
    /// A user signal for the dump handler: `USR1` or `USR2`, with or without the `SIG`
    /// prefix, in any letter case.
    static var userSignal: ValueParser {
        ValueParser(
            validValues: "USR1, USR2 (also SIGUSR1, SIGUSR2)",
            parse: { text in
                let name = text.uppercased()
                switch name.hasPrefix("SIG") ? String(name.dropFirst(3)) : name {
                case "USR1": return SIGUSR1
                case "USR2": return SIGUSR2
                default: return nil
                }
            },
            describe: { signal in
                switch signal {
                case SIGUSR1: "USR1"
                case SIGUSR2: "USR2"
                default: "signal \(signal)"
                }
            })
    }
}

extension ValueParser where Value == [String] {
    /// A comma-separated list of Swift names, each a module or type name, plain or qualified
    /// with dots (`NIOConcurrencyHelpers,App.ServerLock`); spaces around a name are ignored. One
    /// malformed name (a space inside it, an empty part, a leading digit) makes the value invalid.
    static var qualifiedNames: ValueParser {
        ValueParser(
            validValues: "module or type names separated by commas",
            parse: { text in
                let names = text.split(separator: ",").map { name in
                    String(name.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
                }
                guard !names.isEmpty, names.allSatisfy(isQualifiedName) else { return nil }
                return names
            },
            describe: { $0.isEmpty ? "none" : $0.joined(separator: ",") })
    }

    /// `Name` or `Name.Name...`: identifiers of letters, digits and `_`, none starting with a digit.
    private static func isQualifiedName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            guard let first = part.first, !first.isNumber else { return false }
            return part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        }
    }
}

extension ValueParser where Value == String {
    /// A directory path, taken as given: any text is valid here, and a directory that cannot
    /// be created or written is reported when it is used.
    static var directory: ValueParser {
        ValueParser(validValues: "a directory path", parse: { $0 }, describe: { $0 })
    }

    /// An absolute path (`/` first): a relative one would depend on each process's working
    /// directory, so it is refused with the usual warning.
    static var absolutePath: ValueParser {
        ValueParser(validValues: "an absolute directory path", parse: { $0.hasPrefix("/") ? $0 : nil }, describe: { $0 })
    }

    /// A file path, taken as given: any text is valid here.
    static var file: ValueParser {
        ValueParser(validValues: "a file path", parse: { $0 }, describe: { $0 })
    }
}
