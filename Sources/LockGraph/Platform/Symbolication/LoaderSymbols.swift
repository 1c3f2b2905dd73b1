#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport

/// Symbolication without `Runtime` (`LOCKGRAPH_SYMBOLICATION=dladdr`, and the default under
/// valgrind, where `Runtime`'s image-map capture crashes): the dynamic loader says which image
/// holds an address and where it is loaded (`dladdr`), the image's `.symtab` names the
/// function around it (executables export few of their functions, so `dladdr`'s own name
/// is only the fallback), `swift_demangle` demangles it, and LockGraph's own line-table
/// index (`SymbolBatch.DebugIndex`) gives file:line where the image has debug information.
/// One frame per address: inlined frames are not expanded.
enum LoaderSymbols {
    typealias FrameKey = Symbolication.FrameKey
    typealias CachedFrame = Symbolication.CachedFrame

    /// `afterEach` runs after each address (slow under valgrind: a waiter counts it as progress).
    static func frames(of keys: [FrameKey], afterEach: () -> Void) -> [FrameKey: [CachedFrame]] {
        var frames: [FrameKey: [CachedFrame]] = [:]
        for key in keys {
            frames[key] = [frame(at: key.lookupAddress)]
            afterEach()
        }
        return frames
    }

    static func frame(at address: UInt) -> CachedFrame {
        var file: UnsafePointer<CChar>?, base: UInt = 0, exported: UnsafePointer<CChar>?
        guard lockgraph_loader_info(address, &file, &base, &exported) != 0, let file else {
            return CachedFrame(rawName: "", name: nil, imageName: nil, isThunk: false, path: nil, line: 0)
        }
        let imagePath = String(cString: file)
        let table = functionTable(imagePath)
        let linkAddress = table?.isFixedAddress == true ? address : address &- base
        let rawName = table?.name(at: linkAddress) ?? exported.map { String(cString: $0) } ?? ""
        let location = SymbolBatch.index(forImageAt: table?.path ?? imagePath)?.lines.location(at: UInt64(linkAddress))
        return CachedFrame(
            rawName: rawName,
            name: rawName.isEmpty ? nil : demangled(rawName) ?? rawName,
            imageName: imagePath.split(separator: "/").last.map(String.init),
            isThunk: isThunk(rawName),
            path: location?.path,
            line: location?.line ?? 0)
    }

    // MARK: Function tables

    /// One image's functions, sorted by start address, for lookups by address. Keeps the
    /// image's file mapped (read-only) for the life of the process, and reads a name from it
    /// only when asked.
    final class FunctionTable: @unchecked Sendable {
        let path: String
        let isFixedAddress: Bool
        private let symbols: ELFSymbols
        private let functions: [(low: UInt, high: UInt, name: Range<Int>)]

        init?(path: String) {
            guard let symbols = ELFSymbols(path: path) else { return nil }
            self.path = path
            self.symbols = symbols
            isFixedAddress = symbols.isFixedAddress
            functions = symbols.functions().sorted { $0.low < $1.low }
        }

        /// The function whose range holds `address` (the last start at or below it).
        func name(at address: UInt) -> String? {
            var low = 0, high = functions.count
            while low < high {
                let middle = (low + high) / 2
                if functions[middle].low <= address { low = middle + 1 } else { high = middle }
            }
            guard low > 0, address < functions[low - 1].high else { return nil }
            return symbols.text(at: functions[low - 1].name)
        }
    }

    /// Tables by the path the loader gave; nil entries remember images without a symbol table.
    private static let tables = InternalProtected<[String: FunctionTable?]>([:])

    /// The loader names the main executable by `argv[0]`, which may be relative to a directory
    /// since left, or found through PATH: then the kernel's link to it is read instead.
    private static func functionTable(_ path: String) -> FunctionTable? {
        if let known = tables.withLock({ $0[path] }) { return known }
        let built = FunctionTable(path: path) ?? (path.hasPrefix("/") ? nil : FunctionTable(path: "/proc/self/exe"))
        tables.withLock { $0[path] = .some(built) }
        return built
    }

    // MARK: Names

    private typealias Demangle = @convention(c) (
        UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?, UInt32
    ) -> UnsafeMutablePointer<CChar>?

    /// The Swift runtime's demangler, when the process has one (every Swift program does).
    private static let demangler: Demangle? = dlsym(nil, "swift_demangle").map {
        unsafeBitCast($0, to: Demangle.self)
    }

    static func demangled(_ rawName: String) -> String? {
        guard rawName.hasPrefix("$s") || rawName.hasPrefix("_$s"), let demangler else { return nil }
        return rawName.withCString { mangled -> String? in
            guard let text = demangler(mangled, strlen(mangled), nil, nil, 0) else { return nil }
            defer { free(text) }
            return String(cString: text)
        }
    }

    /// Reabstraction, partial-application, protocol-witness and @objc thunks, by the suffix of
    /// their mangling: not the user's code paths.
    static func isThunk(_ rawName: String) -> Bool {
        rawName.hasPrefix("$s") && ["TA", "TR", "Tr", "TW", "To", "TO", "Tj", "Tq"].contains { rawName.hasSuffix($0) }
    }
}
