#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@_spi(Rendering) import LockGraph

/// A path as the kernel knows it: bytes, which need not be UTF-8. Swift's `String` repairs
/// invalid UTF-8 (each bad byte becomes U+FFFD), so a file whose name is not UTF-8 could not be
/// opened through a `String`; every input is opened through these bytes instead.
struct InputPath: CustomStringConvertible {
    /// Without a terminating NUL.
    let bytes: [UInt8]

    /// For messages: the path, with each byte that is not UTF-8 written `\xNN`.
    var description: String {
        var text = ""
        var rest = bytes[...]
        while !rest.isEmpty {
            // The longest valid UTF-8 prefix, then one invalid byte.
            var valid = rest.endIndex
            while String(validating: rest[rest.startIndex..<valid], as: UTF8.self) == nil { valid -= 1 }
            text += String(decoding: rest[rest.startIndex..<valid], as: UTF8.self)
            rest = rest[valid...]
            if let bad = rest.first {
                text += "\\x" + String(bad, radix: 16, uppercase: true).leftPadded(to: 2)
                rest = rest.dropFirst()
            }
        }
        return text
    }

    /// The bytes of each command-line argument in `arguments` (strings as ArgumentParser
    /// received them, in command-line order). An argument whose text is not exactly its bytes
    /// (it holds U+FFFD, the mark of repaired bytes) is matched, in order, to the raw arguments
    /// that read as that text.
    static func arguments(_ arguments: [String]) -> [InputPath] {
        let raw = (1..<Int(CommandLine.argc)).compactMap { index -> [UInt8]? in
            CommandLine.unsafeArgv[index].map { Array(UnsafeBufferPointer(start: $0, count: strlen($0))).map(UInt8.init(bitPattern:)) }
        }
        var used = Set<Int>()
        return arguments.map { argument in
            guard argument.unicodeScalars.contains("\u{FFFD}") else { return InputPath(bytes: Array(argument.utf8)) }
            let match = raw.indices.first { !used.contains($0) && String(decoding: raw[$0], as: UTF8.self) == argument }
            guard let match else { return InputPath(bytes: Array(argument.utf8)) }
            used.insert(match)
            return InputPath(bytes: raw[match])
        }
    }

    func appending(_ name: [UInt8]) -> InputPath {
        InputPath(bytes: (bytes.last == UInt8(ascii: "/") ? bytes : bytes + [UInt8(ascii: "/")]) + name)
    }

    /// `body` with the path as a C string.
    func withCString<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}

/// Turns command-line paths into readable graph documents, with messages that name the file and
/// the reason (no such file, permission denied, is a directory, is not a regular file).
///
/// A file is opened without blocking (`O_NONBLOCK`) and its type checked on the open
/// descriptor before anything is read, so a FIFO given by mistake is refused, never waited on.
enum InputFiles {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The files `paths` name: a file as itself, a directory as its `*.json` entries (sorted by
    /// name). Anything else fails with the reason.
    static func expand(_ paths: [InputPath]) throws -> [InputPath] {
        guard !paths.isEmpty else { throw Failure(description: "no input: pass recorded graph files or directories") }
        var files: [InputPath] = []
        for path in paths {
            let descriptor = try openWithoutBlocking(path)
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw failure(path, errno, closing: descriptor) }
            guard status.st_mode & S_IFMT == S_IFDIR else {
                close(descriptor)
                files.append(path)
                continue
            }
            let found = try jsonEntries(of: path, descriptor).map(path.appending)
            guard !found.isEmpty else { throw Failure(description: "\(path): no recorded graph files (*.json) in this directory") }
            files += found
        }
        return files
    }

    /// Reads and decodes one regular file.
    static func readDocument(_ path: InputPath) throws -> LockGraphDocument {
        let descriptor = try openWithoutBlocking(path)
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure(path, errno) }
        if let kind = nonRegularKind(status.st_mode) { throw Failure(description: "\(path): \(kind)") }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw failure(path, errno) }
            if count == 0 { break }
            data.append(contentsOf: buffer[..<count])
        }
        do {
            return try LockGraphDocument.decode(data)
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
    }

    private static func openWithoutBlocking(_ path: InputPath) throws -> Int32 {
        let descriptor = path.withCString { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard descriptor >= 0 else { throw failure(path, errno) }
        return descriptor
    }

    /// Why a file of this mode cannot be read as a document; nil for a regular file.
    private static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory (render reads one file; check reads the *.json files of a directory)"
        case S_IFIFO: return "is not a regular file (a FIFO)"
        case S_IFSOCK: return "is not a regular file (a socket)"
        case S_IFCHR, S_IFBLK: return "is not a regular file (a device)"
        default: return "is not a regular file"
        }
    }

    /// The names ending in `.json` in the directory open as `descriptor` (which this closes).
    private static func jsonEntries(of path: InputPath, _ descriptor: Int32) throws -> [[UInt8]] {
        guard let directory = fdopendir(descriptor) else { throw failure(path, errno, closing: descriptor) }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        let suffix = Array(".json".utf8)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name.count > suffix.count && name.suffix(suffix.count).elementsEqual(suffix) { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// `path: permission denied` and the like: the system's reason, lowercased as a clause.
    private static func failure(_ path: InputPath, _ code: Int32, closing descriptor: Int32? = nil) -> Failure {
        if let descriptor { close(descriptor) }
        let reason = String(cString: strerror(code))
        return Failure(description: "\(path): \(reason.prefix(1).lowercased() + reason.dropFirst())")
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
