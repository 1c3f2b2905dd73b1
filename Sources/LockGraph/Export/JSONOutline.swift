/// A structure-only pass over JSON text: where nesting gets too deep, and the source text of
/// the value at a coding path. Iterative (a stack of containers, no recursion), so no input can
/// overflow the stack; linear in the text. It does not validate: on malformed text it stops
/// and says nothing, and the decoder reports the syntax error.
///
/// `LockGraphDocument.decode` uses it to reject absurd nesting before decoding, and to quote
/// what a field actually held when the decoder rejects its value.
struct JSONOutline {
    /// One step of a path: an object key or an array index.
    enum Step: Equatable {
        case key(String)
        case index(Int)
    }

    private enum Container {
        case array(index: Int)
        /// `key` is the key of the value being read, nil while the next key is expected.
        case object(key: String?)

        var step: Step? {
            switch self {
            case .array(let index): return .index(index)
            case .object(let key): return key.map(Step.key)
            }
        }
    }

    private let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The path of the first container nested deeper than `limit` levels (the top-level value
    /// is level 1), or nil when none is.
    func firstTooDeep(limit: Int) -> [Step]? {
        var result: [Step]?
        walk { event, stack in
            guard case .open = event, stack.count > limit else { return true }
            result = stack.dropLast().compactMap(\.step)
            return false
        }
        return result
    }

    /// The text of the value at `path` as it stands in the source (a scalar, or a container's
    /// whole text), or nil when the path is not there.
    func sourceText(at path: [Step]) -> String? {
        var start: Int?
        var end: Int?
        var openedDepth = 0
        walk { event, stack in
            switch event {
            case .open(let offset):
                guard start == nil, stack.dropLast().compactMap(\.step) == path else { return true }
                start = offset
                openedDepth = stack.count
                return true
            case .scalar(let offset, let stop):
                guard start == nil, stack.compactMap(\.step) == path else { return true }
                (start, end) = (offset, stop)
                return false
            case .close(let offset):
                // Back out of the container the value opened: it ends here.
                guard start != nil, stack.count == openedDepth - 1 else { return true }
                end = offset + 1
                return false
            }
        }
        guard let start, let end, start < end else { return nil }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The first scalar (a number, string, true, false or null, as its source text) for which
    /// `predicate` holds, given its path.
    func firstScalar(where predicate: ([Step], String) -> Bool) -> (path: [Step], text: String)? {
        var found: (path: [Step], text: String)?
        walk { event, stack in
            guard case .scalar(let start, let stop) = event else { return true }
            let path = stack.compactMap(\.step), text = String(decoding: bytes[start..<stop], as: UTF8.self)
            guard predicate(path, text) else { return true }
            found = (path, text)
            return false
        }
        return found
    }

    private enum Event {
        /// A container opens at this offset (the stack already includes it).
        case open(Int)
        /// A container closes at this offset (the stack still includes its parent only).
        case close(Int)
        /// A scalar value spans `start..<end`.
        case scalar(Int, Int)
    }

    /// Calls `visit` for each value and container end, with the enclosing containers (for
    /// `open`, including the one opened; for `close` and `scalar`, those around the value).
    /// Stops when `visit` returns false or the text is malformed.
    private func walk(_ visit: (Event, [Container]) -> Bool) {
        var stack: [Container] = []
        var offset = 0
        /// The next string (outside containers or in an array, or after a key) is a value.
        func readingKey() -> Bool {
            if case .object(nil)? = stack.last { return true }
            return false
        }
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                offset += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(byte == UInt8(ascii: "{") ? .object(key: nil) : .array(index: 0))
                guard visit(.open(offset), stack) else { return }
                offset += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard !stack.isEmpty else { return }
                stack.removeLast()
                guard visit(.close(offset), stack) else { return }
                offset += 1
            case UInt8(ascii: ","):
                switch stack.last {
                case .array(let index)?: stack[stack.count - 1] = .array(index: index + 1)
                case .object?: stack[stack.count - 1] = .object(key: nil)
                case nil: return
                }
                offset += 1
            case UInt8(ascii: ":"):
                offset += 1
            case UInt8(ascii: "\""):
                guard let stop = stringEnd(after: offset) else { return }
                if readingKey() {
                    stack[stack.count - 1] = .object(key: Self.unescapedKey(bytes[(offset + 1)..<(stop - 1)]))
                } else {
                    guard visit(.scalar(offset, stop), stack) else { return }
                }
                offset = stop
            default:
                // A number, true, false or null: up to the next delimiter.
                var stop = offset
                while stop < bytes.count, !Self.delimiters.contains(bytes[stop]) { stop += 1 }
                guard visit(.scalar(offset, stop), stack) else { return }
                offset = stop
            }
        }
    }

    private static let delimiters: Set<UInt8> = Set(",:]} \n\r\t[{\"".utf8)

    /// The offset just past the closing quote of the string opening at `start`.
    private func stringEnd(after start: Int) -> Int? {
        var offset = start + 1
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\\"): offset += 2
            case UInt8(ascii: "\""): return offset + 1
            default: offset += 1
            }
        }
        return nil
    }

    /// A key's text: the escapes a key of this schema could use (`\"`, `\\`, `\/`) undone; a
    /// key with other escapes keeps them, and simply matches no coding path.
    private static func unescapedKey(_ raw: ArraySlice<UInt8>) -> String {
        var result: [UInt8] = []
        var escaped = false
        for byte in raw {
            if !escaped && byte == UInt8(ascii: "\\") { escaped = true; continue }
            escaped = false
            result.append(byte)
        }
        return String(decoding: result, as: UTF8.self)
    }
}
