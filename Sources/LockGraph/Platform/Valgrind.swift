#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether the process runs under valgrind (memcheck, helgrind, drd...), where `Runtime`'s
/// image-map capture crashes (see `Symbolication`).
///
/// Valgrind starts its client with its own preload libraries (`vgpreload_<tool>-<arch>.so`)
/// in `LD_PRELOAD` and mapped into the process; either is taken as the sign. Read once.
enum Valgrind {
    static let isRunning: Bool = {
        if let preload = getenv("LD_PRELOAD"), String(cString: preload).contains("vgpreload") { return true }
        return mappedFiles().contains("vgpreload")
    }()

    /// The text of `/proc/self/maps` (empty when it cannot be read).
    private static func mappedFiles() -> String {
        let descriptor = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 14)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
