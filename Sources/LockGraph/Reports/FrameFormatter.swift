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
}
