import Foundation

/// Reads a function's declaration context (module, enclosing types) out of its symbol, for
/// matching frames against declared lock wrappers (see `CreationSiteResolver`).
///
/// Types come from the demangled name, which `Runtime` gives in its simplified form (no module
/// prefixes); the module comes from the mangled name, which always spells it out first. The
/// mangled name cannot give the types: mangling abbreviates a word that occurred earlier in the
/// symbol (`PlainWrapperLock` in module `LockGraphTests` is mangled `012PlainWrapperA0C`). The
/// demangled forms handled:
///
///     NIOLock.init()
///     closure #1 (Int) -> () in Box<A>.update(_:)
///     generic specialization <Int, (Int) -> ()> of Box<A>.init(_:)
///     Box.value.getter : Int
///     static Registry.make() -> Registry
///     variable initialization expression of Server.lock : TrackedMutex
///     (extension in NIOPosix):EventLoop.makeLock() -> Int
enum DemangledName {
    /// The context of the function named `demangled`: the names before the function's own (the
    /// enclosing types, and a module where the name has one), without a property or subscript
    /// an accessor belongs to; plus the module of the extension that declares it, if any.
    static func context(of demangled: String) -> (context: [String], extensionModule: String?) {
        var text = withoutGenericArguments(demangled)
        var extensionModule: String?
        while let marker = text.range(of: "(extension in "), let close = text[marker.upperBound...].range(of: "):") {
            extensionModule = extensionModule ?? String(text[marker.upperBound..<close.lowerBound])
            text.removeSubrange(marker.lowerBound..<close.upperBound)
        }
        // `closure #1 ... in`, `f #1 ... in`: the enclosing function, whose context is the closure's.
        if let nesting = text.range(of: " in ", options: .backwards) {
            text = String(text[nesting.upperBound...])
        }
        // The qualified name is the first run of identifier characters and dots that has a dot
        // (a function outside any type has none): words before it (`static`, `generic
        // specialization of`) have no dot, and its signature follows it.
        let runs = text.split { !isIdentifierCharacter($0) && $0 != "." }
        guard let qualified = runs.first(where: { $0.contains(".") }) else { return ([], extensionModule) }
        var components = qualified.split(separator: ".").map(String.init)
        let member = components.popLast()
        // `App.Box.value.getter : Swift.Int`: an accessor's name is typed (` : `), a method's
        // has a parameter list, so `App.Box.read()` keeps `Box`.
        if let member, accessors.contains(member), !components.isEmpty, text.contains(qualified + " : ") {
            components.removeLast()
        }
        return (components, extensionModule)
    }

    /// The module a mangled Swift symbol belongs to (`$s3App...` is `App`): its first
    /// identifier, which mangling always spells out. Nil for other symbols and for the standard
    /// library's and imported C declarations (`$ss...`, `$sSo...`).
    static func module(ofMangled rawName: String) -> String? {
        var bytes = Substring(rawName).utf8[...]
        if bytes.starts(with: "_".utf8) { bytes = bytes.dropFirst() }
        guard bytes.starts(with: "$s".utf8) else { return nil }
        bytes = bytes.dropFirst(2)
        let digits = bytes.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        // A leading 0 marks a punycode or word-substituted identifier: not spelled out.
        guard let first = digits.first, first != UInt8(ascii: "0"),
              let length = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
        let identifier = bytes.dropFirst(digits.count).prefix(length)
        guard identifier.count == length else { return nil }
        return String(decoding: identifier, as: UTF8.self)
    }

    /// Accessor names the demangler appends after a property or subscript.
    private static let accessors: Set<String> = [
        "getter", "setter", "modify", "read", "_modify", "_read", "willset", "didset",
        "unsafeAddressor", "unsafeMutableAddressor", "materializeForSet",
    ]

    private static func isIdentifierCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_" || character == "$"
    }

    /// `text` without `<...>` groups (nested ones included), where generic arguments and
    /// specialization details are, which may contain dots, spaces and ` in `. The `>` of an
    /// arrow (`->`) inside them is not a closing bracket.
    static func withoutGenericArguments(_ text: String) -> String {
        var result = ""
        var depth = 0
        var previous: Character = " "
        for character in text {
            defer { previous = character }
            if character == "<" {
                depth += 1
            } else if character == ">" && previous != "-" && depth > 0 {
                depth -= 1
            } else if depth == 0 {
                result.append(character)
            }
        }
        return result
    }
}
