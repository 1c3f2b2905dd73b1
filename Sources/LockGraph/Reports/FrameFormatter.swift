/// How a stack frame, and a numbered list of frames, is written wherever LockGraph shows a
/// stack: reports (``LockBacktrace``), the dump, and the `lockgraph` command's `check` output and
/// HTML page. One writer, so a frame reads the same in all of them.
@_spi(Rendering)
public enum FrameFormatter {
    /// One frame: `symbol at File.swift:12` when the line is known (the file's directories are
    /// left out), else `symbol in image` when the binary is known, else `symbol`. Without a
    /// symbol, `address` stands in its place.
    ///
    /// - Parameter address: the address as text, as ``hex(_:)`` writes it.
    public static func describe(address: String, symbol: String?, file: String?, line: Int?, image: String?) -> String {
        var text = symbol ?? address
        if let file, let line {
            text += " at \(fileName(file)):\(line)"
        } else if let image {
            text += " in \(image)"
        }
        return text
    }

    /// `0x` and the address in lowercase hexadecimal: how reports, documents and code-path keys
    /// write an address.
    public static func hex(_ address: UInt) -> String {
        "0x" + String(address, radix: 16)
    }

    /// The frames as numbered lines, `#0 ...` first, each after `indent`; a stack without frames
    /// is the one line `indent + whenEmpty`.
    public static func numberedLines(_ frames: [String], indent: String, whenEmpty: String) -> [String] {
        guard !frames.isEmpty else { return [indent + whenEmpty] }
        return frames.enumerated().map { "\(indent)#\($0.offset) \($0.element)" }
    }

    /// The frames as numbered lines (see ``numberedLines(_:indent:whenEmpty:)``), with every run
    /// of runtime-internal frames (see ``runtimeSource(symbol:image:)``) folded into one line,
    /// `... 5 frames in libswiftCore`. The numbers stay those of the whole stack, so the frame
    /// after a fold says how many were folded.
    ///
    /// - Parameter frames: each frame's text, and where it comes from when it is runtime-internal
    ///   (nil for a frame that is always shown).
    public static func foldedLines(_ frames: [(text: String, runtimeSource: String?)], indent: String, whenEmpty: String) -> [String] {
        guard !frames.isEmpty else { return [indent + whenEmpty] }
        var lines: [String] = []
        var index = 0
        while index < frames.count {
            guard frames[index].runtimeSource != nil else {
                lines.append("\(indent)#\(index) \(frames[index].text)")
                index += 1
                continue
            }
            var end = index
            var sources: [String] = []
            while end < frames.count, let source = frames[end].runtimeSource {
                if !sources.contains(source) { sources.append(source) }
                end += 1
            }
            // Libraries first, the compiler's glue in the program's own image last.
            let ordered = sources.filter { $0 != compilerGenerated } + sources.filter { $0 == compilerGenerated }
            let count = end - index
            lines.append("\(indent)... \(count) frame\(count == 1 ? "" : "s") in \(listed(ordered))")
            index = end
        }
        return lines
    }

    /// What runtime-internal frames in the program's own image are called in a fold line.
    static let compilerGenerated = "compiler-generated code"

    /// Where a runtime-internal frame comes from (`libswiftCore`, `libdispatch`, or
    /// `compilerGenerated`), nil for any other frame.
    ///
    /// Runtime-internal: the Swift runtime and standard library (reference counting, deinit
    /// machinery), Dispatch and its Swift overlay (the sync helpers between a caller and its
    /// block), Swift Concurrency's runtime, and, in any image, the code the compiler writes
    /// around the user's: thunks, `partial apply` forwarders, outlined copies and destroys,
    /// value witnesses, the deallocating deinit that calls the user's `deinit`. None of it is
    /// code a user changes; its count still shows that something ran there.
    public static func runtimeSource(symbol: String?, image: String?) -> String? {
        if let image {
            let library = libraryName(image)
            if runtimeLibraries.contains(library) { return library }
        }
        guard let symbol else { return nil }
        if compilerGeneratedPrefixes.contains(where: { symbol.hasPrefix($0) }) || symbol.hasSuffix(".__deallocating_deinit") {
            return compilerGenerated
        }
        return nil
    }

    /// Whether a frame's image is a system or toolchain library (the Swift runtime, Foundation,
    /// Dispatch, libc, the test frameworks) rather than the user's program or its packages.
    static func isSystemImage(_ image: String) -> Bool {
        let library = libraryName(image)
        return systemLibraryPrefixes.contains { library.hasPrefix($0) } || library == "libc" || library == "libm"
            || library.hasPrefix("ld-linux")
    }

    /// `libswiftCore` for `libswiftCore.so` or `/usr/lib/libswiftCore.so.5`; an executable's
    /// name unchanged.
    static func libraryName(_ image: String) -> String {
        let name = fileName(image)
        guard let suffix = name.range(of: ".so") else { return name.hasSuffix(".dylib") ? String(name.dropLast(6)) : name }
        return String(name[..<suffix.lowerBound])
    }

    /// The function a frame is in, as a report's headline names the code to change: closures
    /// are named by the function that contains them (`transfer()` for `closure #1 in
    /// transfer()`), and `specialized` is dropped.
    static func functionName(_ symbol: String) -> String {
        var name = Substring(symbol)
        while true {
            if name.hasPrefix("specialized ") {
                name = name.dropFirst("specialized ".count)
            } else if name.hasPrefix("closure #") || name.hasPrefix("implicit closure #"), let range = name.range(of: " in ") {
                name = name[range.upperBound...]
            } else {
                return String(name)
            }
        }
    }

    /// `a`, `a and b`, `a, b and c`.
    static func listed(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
    }

    private static let runtimeLibraries: Set<String> = [
        "libswiftCore", "libswift_Concurrency", "libswiftDispatch", "libdispatch", "libBlocksRuntime", "libswiftSynchronization",
    ]

    private static let systemLibraryPrefixes = [
        "libswift", "libFoundation", "libdispatch", "libBlocksRuntime", "libpthread", "libstdc++", "libgcc", "libicu",
        "libXCTest", "lib_Testing", "libTesting", "libunwind", "libdl", "librt",
    ]

    /// How the demangler names the compiler's own functions.
    private static let compilerGeneratedPrefixes = [
        "thunk for ", "reabstraction thunk", "partial apply for ", "partial apply forwarder", "merged ", "outlined ",
        "destroy for ", "initializeWithCopy for ", "initializeWithTake for ", "assignWithCopy for ", "assignWithTake for ",
        "initializeBufferWithCopyOfBuffer for ", "value witness for ", "protocol witness for ", "type metadata accessor for ",
        "@objc ", "dynamic ",
    ]

    /// The last component of `path` (`Bank.swift` for `App/Sources/Bank.swift`), or `path`
    /// itself when it has none.
    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

extension LockGraphDocument.Frame {
    /// The frame as reports write it (see ``FrameFormatter/describe(address:symbol:file:line:image:)``).
    @_spi(Rendering)
    public var formatted: String {
        FrameFormatter.describe(address: address, symbol: symbol, file: file, line: line, image: image)
    }

    /// Where the frame comes from when it is runtime-internal (see
    /// ``FrameFormatter/runtimeSource(symbol:image:)``), else nil.
    var runtimeSource: String? { FrameFormatter.runtimeSource(symbol: symbol, image: image) }

    /// `frames` as numbered lines with runtime-internal runs folded, as live reports show a
    /// stack (see ``FrameFormatter/foldedLines(_:indent:whenEmpty:)``).
    static func foldedLines(_ frames: [LockGraphDocument.Frame], indent: String) -> [String] {
        FrameFormatter.foldedLines(frames.map { ($0.formatted, $0.runtimeSource) }, indent: indent, whenEmpty: "<no stack recorded>")
    }
}
