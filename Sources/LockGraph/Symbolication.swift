@_spi(Internal) import Runtime

/// Turns raw addresses into readable frames, only when a report is produced.
///
/// Uses the toolchain's `Runtime` module (demangled Swift names, file:line from DWARF where it
/// exists). The image map is captured once and refreshed when an address falls outside it
/// (a library loaded later).
enum Symbolication {
    private static let imageMap = InternalProtected<ImageMap?>(nil)

    /// Symbolizes `trace`, dropping the leading frames inside LockGraph and libunwind so the
    /// first frame shown is the user's code.
    static func frames(of trace: StackTrace, trimThreadStart: Bool = true) -> [LockBacktrace.Frame] {
        guard !trace.addresses.isEmpty else { return [] }
        let images = currentImages(covering: trace.addresses)
        let richFrames: [RichFrame<UInt>] = trace.addresses.enumerated().map { index, address in
            index == 0 ? .programCounter(address) : .returnAddress(address)
        }
        let backtrace = Backtrace(architecture: architecture, frames: richFrames, images: images)
        guard let symbolicated = backtrace.symbolicated(with: images) else {
            return trace.addresses.map { LockBacktrace.Frame(address: $0) }
        }
        var frames: [LockBacktrace.Frame] = []
        var inLeadingRegion = true
        for frame in symbolicated.frames {
            let rawName = frame.symbol?.rawName ?? ""
            // LockGraph's frames are never the user's code, wherever they appear (withLock sits
            // between a user's closure and its caller). Before the first user frame, standard
            // library helpers inlined into LockGraph are noise too.
            if isInternal(rawName: rawName) { continue }
            if inLeadingRegion && (isStandardLibrary(rawName: rawName) || rawName.isEmpty || isSignalTrampoline(rawName: rawName)) {
                continue
            }
            inLeadingRegion = false
            if frame.isSwiftThunk { continue }
            let address = UInt(frame.captured.originalProgramCounter) ?? 0
            if address == 0 { continue }
            let location = frame.symbol?.sourceLocation.flatMap { $0.line > 0 ? $0 : nil }
            frames.append(LockBacktrace.Frame(
                address: address,
                symbol: frame.symbol.map { $0.name },
                file: location.map { $0.path },
                line: location.map { $0.line },
                image: frame.symbol?.imageName
            ))
        }
        // Drop the thread-start tail (Foundation, libc) below the outermost frame with a source
        // location, when there is one: it is the same for every thread and hides nothing.
        if trimThreadStart, let lastWithSource = frames.lastIndex(where: { $0.file != nil }) {
            frames.removeSubrange((lastWithSource + 1)...)
        }
        return frames
    }

    /// A stack sampled by a signal starts in the handler, then the kernel's return trampoline
    /// (`__restore_rt`, which has no symbol of its own and resolves to `sigaction`).
    static func isSignalTrampoline(rawName: String) -> Bool {
        rawName == "__restore_rt" || rawName == "sigaction" || rawName == "__sigaction"
    }

    static func isStandardLibrary(rawName: String) -> Bool {
        rawName.hasPrefix("$ss") || rawName.hasPrefix("$sS")
    }

    /// Frames that belong to the detector itself: the LockGraph module (mangled prefix
    /// `$s9LockGraph`, which does not match user modules such as `LockGraphTests`), the C shim
    /// and libunwind.
    static func isInternal(rawName: String) -> Bool {
        rawName.hasPrefix("$s9LockGraph")
            || rawName.hasPrefix("lockgraph_")
            || rawName.hasPrefix("_ULx86_64")
            || rawName.hasPrefix("_Ux86_64")
            || rawName.hasPrefix("unw_")
    }

    private static var architecture: String {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "unknown"
        #endif
    }

    private static func currentImages(covering addresses: [UInt]) -> ImageMap {
        imageMap.withLock { cached in
            if let map = cached, addresses.allSatisfy({ contains(map, $0) }) {
                return map
            }
            let fresh = ImageMap.capture()
            cached = fresh
            return fresh
        }
    }

    private static func contains(_ map: ImageMap, _ address: UInt) -> Bool {
        let target = Backtrace.Address(UInt64(address))
        return map.contains { $0.baseAddress <= target && target < $0.endOfText }
    }
}
