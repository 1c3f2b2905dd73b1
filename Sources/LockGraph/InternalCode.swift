#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport

/// Where LockGraph's own machine code lies, so the call-site walk (`lockgraph_call_site`) can
/// step over LockGraph's frames (`withLock`, `lock()`, the acquisition path: how many depends on
/// inlining and the build configuration) and stop at the user's call.
///
/// Found once, before the first thread state exists: the ELF symbol table of the image that
/// contains this module is read for the functions of module `LockGraph` (mangled prefix
/// `$s9LockGraph`), and their lowest start and highest end become the range. Swift emits a
/// module's functions together, so the range holds LockGraph's code and nothing of the
/// user's. A stripped image yields no range: the walk then keeps the first frame above the
/// acquisition path, which in an optimised build is usually the user's already.
enum InternalCode {
    private static let located: Void = {
        guard let range = findRange() else { return }
        lockgraph_set_internal_text(range.low, range.high)
    }()

    static func locate() { _ = located }

    /// A function of this module whose address tells which image holds LockGraph.
    private static let marker: @convention(c) () -> Void = {}

    private static func findRange() -> (low: UInt, high: UInt)? {
        let address = UInt(bitPattern: unsafeBitCast(marker, to: UnsafeRawPointer.self))
        var bias: UInt = 0
        var path = [CChar](repeating: 0, count: 4096)
        guard lockgraph_image_containing(address, &path, UInt(path.count), &bias) == 0,
              let symbols = ELFSymbols(path: String(cString: path))
        else { return nil }
        defer { symbols.close() }
        guard let range = symbols.functionRange(withPrefix: "$s9LockGraph") else { return nil }
        // Symbol values are link-time addresses: add the image's load bias (0 for a fixed-address
        // executable).
        return (range.low &+ bias, range.high &+ bias)
    }
}
