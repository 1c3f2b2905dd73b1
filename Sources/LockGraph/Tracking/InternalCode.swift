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
/// contains this module is read, and `ModuleLayout` finds the run of module `LockGraph`'s
/// functions (mangled prefix `$s9LockGraph`) in address order, with the other code's functions
/// inside it as holes. The hull makes the inline test one comparison; the walk also checks the
/// holes. A stripped image yields no layout: the walk then keeps the first frame above the
/// acquisition path, which in an optimised build is usually the user's already.
enum InternalCode {
    private static let located: Void = {
        guard let layout = findLayout() else { return }
        // The C side copies the bounds.
        layout.holeBounds.withUnsafeBufferPointer { holes in
            lockgraph_set_internal_layout(layout.hull.lowerBound, layout.hull.upperBound, holes.baseAddress, holes.count / 2)
        }
    }()

    static func locate() { _ = located }

    /// Whether `address` is LockGraph's code as the call-site walk decides it (false until
    /// located): for tests.
    static func contains(_ address: UInt) -> Bool {
        lockgraph_is_internal_code(address) != 0
    }

    /// The hull found (nil until located, or if none could be): for tests.
    static var range: Range<UInt>? {
        var low: UInt = 0, high: UInt = 0
        lockgraph_get_internal_text(&low, &high)
        return low < high ? low..<high : nil
    }

    /// A function of this module, for tests to check that it lies inside the range.
    static let probe: @convention(c) () -> Void = {}

    /// The address of `probe`: tells which loaded image holds this copy of LockGraph.
    static var probeAddress: UInt { UInt(bitPattern: unsafeBitCast(probe, to: UnsafeRawPointer.self)) }

    /// A function of this module whose address tells which image holds LockGraph.
    private static let marker: @convention(c) () -> Void = {}

    /// LockGraph's functions are `$s9LockGraph…`; other Swift symbols whose mangling starts
    /// with a module name (`$s` and its length) belong to other modules; the standard library's
    /// (`$ss…`, `$sS…`), thunks, the runtime helpers emitted into each object (`__swift_…`, and
    /// the SwiftShims inline functions `_swift_stdlib_…`) and our C helpers are neutral; any
    /// other name (C) is not ours. (Every object holds `_swift_stdlib_…` copies: counted as
    /// foreign, they would make holes in LockGraph's run and lengthen its foreign runs.)
    private static func owner(ofSymbol name: UnsafeBufferPointer<UInt8>) -> ELFSymbols.Owner {
        func starts(with prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard name.count >= count else { return false }
            return (0..<count).allSatisfy { name[$0] == prefix.utf8Start[$0] }
        }
        if starts(with: "$s9LockGraph") { return .module }
        // Our C helpers, and the small runtime helpers Swift emits into every object.
        if starts(with: "lockgraph_") || starts(with: "__swift_") || starts(with: "_swift_stdlib_") { return .neutral }
        if starts(with: "$s") {
            guard name.count > 2 else { return .other }
            let next = name[2]
            return next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") ? .other : .neutral
        }
        return .other
    }

    private static func findLayout() -> ModuleLayout? {
        let address = UInt(bitPattern: unsafeBitCast(marker, to: UnsafeRawPointer.self))
        var bias: UInt = 0
        var path = [CChar](repeating: 0, count: 4096)
        guard lockgraph_image_containing(address, &path, UInt(path.count), &bias) == 0,
              let symbols = ELFSymbols(path: String(cString: path))
        else { return nil }
        defer { symbols.close() }
        guard address >= bias,
              let layout = ModuleLayout(functions: symbols.functionOwners(classify: owner(ofSymbol:)), around: address &- bias)
        else { return nil }
        // Symbol values are link-time addresses: add the image's load bias (0 for a fixed-address
        // executable).
        return layout.offset(by: bias)
    }
}
