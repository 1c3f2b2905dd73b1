import Foundation

/// The wording of `LockGraphDocument.decode`'s errors: the field's path, what the field must
/// hold, and what it held (quoted from the source text), as in
/// `locks[3].line: must be a non-negative integer, found -1`.
///
/// Foundation's `JSONDecoder` on Linux says only "The given data was not valid JSON." both for
/// a syntax error and for a number its field cannot hold; the two are told apart here, the first
/// by `JSONSerialization`'s position, the second by finding the number (`integerFields`).
extension LockGraphDocument {
    static func describe(_ error: Error, in outline: JSONOutline, data: Data) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            if let syntax = syntaxError(in: data) { return "not valid JSON: \(syntax)" }
            if let (path, text, range) = firstMisfitNumber(in: outline) {
                return "\(describe(path)): must be \(range.requirement), found \(quoted(text))"
            }
            return "not valid JSON: \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, let context):
            let path = steps(context.codingPath)
            return (path.isEmpty ? "" : "\(describe(path)): ") + "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            let path = steps(context.codingPath)
            return "\(describe(path)): must be \(expectation(type)), found \(quoted(outline.sourceText(at: path)))"
        default:
            return "\(error)"
        }
    }

    /// `edges[3].holderStack[0].line`; the whole document when empty. Abbreviated: the first
    /// six steps, then how many there are.
    static func describe(_ path: [JSONOutline.Step], abbreviated: Bool = false) -> String {
        guard !path.isEmpty else { return "the document" }
        let shown = abbreviated && path.count > 6 ? Array(path.prefix(6)) : path
        var text = ""
        for step in shown {
            switch step {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return shown.count < path.count ? "\(text)… (\(path.count) levels)" : text
    }

    private static func steps(_ codingPath: [CodingKey]) -> [JSONOutline.Step] {
        codingPath.map { key in key.intValue.map(JSONOutline.Step.index) ?? .key(key.stringValue) }
    }

    /// `JSONSerialization`'s reason (with the character offset) when `data` is not JSON at all.
    private static func syntaxError(in data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            return detail.map { $0.prefix(1).lowercased() + $0.dropFirst() } ?? "\(error)"
        }
    }

    /// What an integer field holds. Keep in step with the integer properties of the document's
    /// types: a number the decoder cannot store is found through this table.
    enum IntegerRange {
        case signed, signed32, unsigned

        var requirement: String {
            switch self {
            case .signed: return "an integer"
            case .signed32: return "a 32-bit integer"
            case .unsigned: return "a non-negative integer"
            }
        }

        func admits(_ text: String) -> Bool {
            switch self {
            case .signed: return Int(text) != nil
            case .signed32: return Int32(text) != nil
            case .unsigned: return UInt64(text) != nil
            }
        }
    }

    /// Every integer field, by its keys with the array indices left out.
    static let integerFields: [String: IntegerRange] = [
        "schemaVersion": .signed, "process.pid": .signed32, "locks.id": .unsigned, "locks.line": .unsigned,
        "edges.fromID": .unsigned, "edges.toID": .unsigned, "edges.thread.id": .signed, "edges.order": .signed,
        "edges.holderStack.line": .signed, "edges.acquirerStack.line": .signed,
        "threads.thread.id": .signed, "threads.held": .unsigned,
    ]

    /// The first number in an integer field that the field cannot hold (a fraction, a negative
    /// number in an unsigned field, or one too large).
    private static func firstMisfitNumber(in outline: JSONOutline) -> ([JSONOutline.Step], String, IntegerRange)? {
        var range = IntegerRange.signed
        let found = outline.firstScalar { path, text in
            guard let first = text.utf8.first, first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
            else { return false }  // a string, true, false or null: the decoder names those itself
            let keys = path.compactMap { step -> String? in if case .key(let key) = step { return key } else { return nil } }
            guard let field = integerFields[keys.joined(separator: ".")] else { return false }
            range = field
            return !field.admits(text)
        }
        return found.map { ($0.path, $0.text, range) }
    }

    private static func expectation(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is UInt.Type, is UInt64.Type, is UInt32.Type: return IntegerRange.unsigned.requirement
        case is Int32.Type: return IntegerRange.signed32.requirement
        case is Int.Type, is Int64.Type: return IntegerRange.signed.requirement
        case is Double.Type: return "a number"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return name
        }
    }

    /// At most 40 characters of the source text.
    private static func quoted(_ text: String?) -> String {
        guard let text else { return "nothing" }
        return text.count > 40 ? text.prefix(40) + "…" : text
    }
}
