@_spi(Internal) import Runtime

/// Turns raw addresses into readable frames, only when a report or an export needs them.
///
/// Uses the toolchain's `Runtime` module (demangled Swift names, file:line from DWARF where it
/// exists). Every symbolized frame is cached by address for the life of the process (code does
/// not move, and a library loaded later gets addresses of its own), so a frame is symbolized once
/// however many reports, dumps, exports and `LOCKGRAPH_RECORD` files show it; each call
/// symbolizes only the addresses not cached yet, as one batch.
///
/// A batch has two paths (`SymbolBatch`): file:line from LockGraph's own index of the image's
/// line table (`DwarfLineTable`), which costs microseconds per address where `Runtime` costs
/// milliseconds to tens of milliseconds; and `Runtime`'s full symbolication for what that index
/// does not cover exactly: addresses inside inlined code (whose extra frames `Runtime` expands)
/// and images whose debug information the index cannot read. Both give the same frames.
///
/// `LOCKGRAPH_SYMBOLICATION=dladdr` (the default under valgrind, where `Runtime` crashes
/// capturing the image map) names frames with `LoaderSymbols` instead, and `off` leaves them as
/// addresses (see `mode`).
///
/// The cache is an `InternalProtected` map, never held while symbolizing (which can take
/// long): two threads may symbolize one address at once, and both get the same answer.
enum Symbolication {
    /// One symbolized frame, as the filtering rules and reports need it. An address can yield
    /// several (inlined calls first, then the function that contains them).
    struct CachedFrame: Sendable {
        /// The mangled name; empty when no symbol covers the address.
        let rawName: String
        /// The demangled name, when a symbol covers the address.
        let name: String?
        let imageName: String?
        let isThunk: Bool
        /// The source location as DWARF gives it (line 0: compiler-generated code).
        let path: String?
        let line: Int
    }

    /// A captured address and whether it is a return address (the usual case) or the program
    /// counter of the innermost frame: the two are looked up differently.
    struct FrameKey: Hashable, Sendable {
        let address: UInt
        let isReturnAddress: Bool

        /// The address whose code is meant: a return address points after its call.
        var lookupAddress: UInt { isReturnAddress && address > 0 ? address - 1 : address }
    }

    private static let cache = InternalProtected<[FrameKey: [CachedFrame]]>([:])

    /// `LOCKGRAPH_SYMBOLICATION`, with its default resolved: `full`, or `dladdr` (`LoaderSymbols`)
    /// under valgrind, where `ImageMap.capture()` crashes.
    static let mode: Configuration.SymbolicationMode = {
        let chosen = Configuration.settings.symbolication
        return chosen == .automatic ? (Valgrind.isRunning ? .dladdr : .full) : chosen
    }()

    /// Image maps captured so far (oldest first), and the addresses that a fresh capture could
    /// not place either (a vDSO or anonymous code): those do not trigger another capture.
    ///
    /// The first map is kept for good and each address uses the oldest map that covers it:
    /// `ImageMap.capture()` takes every mapping of a file as part of the image, so once
    /// `Runtime` has mapped an image file to read its symbols, a new capture reports that image
    /// at the wrong base. A new capture is taken only for an address no map covers (a library
    /// loaded later), and serves only such addresses.
    private static let imageMaps = InternalProtected<(maps: [ImageMap], unplaced: Set<UInt>)>(([], []))

    /// Symbolizes `trace`, dropping the leading frames inside LockGraph and libunwind so the
    /// first frame shown is the user's code.
    static func frames(of trace: StackTrace, trimThreadStart: Bool = true) -> [LockBacktrace.Frame] {
        guard !trace.addresses.isEmpty else { return [] }
        let keys = trace.addresses.enumerated().map { FrameKey(address: $0.element, isReturnAddress: $0.offset != 0) }
        // Symbolizing can take long (the first time an image is indexed): a reader waiting for
        // pending reports counts each batch as progress, not as a stuck reporter.
        guard let known = cachedFrames(of: keys, afterEachBatch: { ReportQueue.shared.noteProgress() }) else {
            return trace.addresses.map { LockBacktrace.Frame(address: $0) }
        }
        return filtered(keys.flatMap { key in (known[key] ?? []).map { (key.address, $0) } }, trimThreadStart: trimThreadStart)
    }

    /// The frames of every key, from the cache or symbolized now (and cached), unfiltered; nil
    /// when `Runtime` cannot symbolize at all, or symbolication is off. `afterEachBatch` runs after each image's batch.
    static func cachedFrames(of keys: [FrameKey], afterEachBatch: () -> Void = {}) -> [FrameKey: [CachedFrame]]? {
        var known = cache.withLock { cache in
            keys.reduce(into: [FrameKey: [CachedFrame]]()) { found, key in found[key] = cache[key] }
        }
        let missing = Array(Set(keys.filter { known[$0] == nil }))
        guard !missing.isEmpty else { return known }
        var resolved: [FrameKey: [CachedFrame]] = [:]
        switch mode {
        case .off:
            return nil
        case .dladdr:
            resolved = LoaderSymbols.frames(of: missing, afterEach: afterEachBatch)
        case .full, .automatic:
            for (images, group) in imageMaps(for: missing) {
                guard let frames = SymbolBatch.symbolize(group, images: images, architecture: architecture) else { return nil }
                resolved.merge(frames) { first, _ in first }
                afterEachBatch()
            }
        }
        cache.withLock { cache in
            for (key, frames) in resolved where cache[key] == nil { cache[key] = frames }
        }
        known.merge(resolved) { cached, _ in cached }
        return known
    }

    /// The filtering rules, applied to the frames of one stack in order.
    private static func filtered(_ symbolicated: [(address: UInt, frame: CachedFrame)], trimThreadStart: Bool) -> [LockBacktrace.Frame] {
        var frames: [LockBacktrace.Frame] = []
        var inLeadingRegion = true
        let wrappers = CreationSiteResolver.declaredWrappers
        for (address, frame) in symbolicated {
            let rawName = frame.rawName
            // LockGraph's frames are never the user's code, wherever they appear (withLock sits
            // between a user's closure and its caller). Before the first user frame, standard
            // library helpers inlined into LockGraph are noise too.
            if isInternal(rawName: rawName) || InterposedNaming.ownText.contains(address) { continue }
            if inLeadingRegion && (isStandardLibrary(rawName: rawName) || rawName.isEmpty || isSignalTrampoline(rawName: rawName)) {
                continue
            }
            inLeadingRegion = false
            // Thunks, and functions a macro generated (Swift Testing's @Test glue), are not the
            // user's code paths. A user's closure written inside a macro's argument (`#expect(run
            // { ... })`) is: it is kept, without the line, which points into the expansion.
            if frame.isThunk || isMacroGenerated(rawName: rawName) { continue }
            if address == 0 { continue }
            let inExpansion = frame.path?.contains("@__swiftmacro_") ?? false
            let hasLine = frame.path != nil && frame.line > 0 && !inExpansion
            frames.append(LockBacktrace.Frame(
                address: address,
                symbol: frame.name,
                file: hasLine ? frame.path : nil,
                line: hasLine ? frame.line : nil,
                image: frame.imageName,
                isUserCode: isUserCode(frame, wrappers: wrappers)
            ))
        }
        // Drop the thread-start tail (Foundation, libc) below the outermost frame with a source
        // location, when there is one: it is the same for every thread and hides nothing.
        if trimThreadStart, let lastWithSource = frames.lastIndex(where: { $0.file != nil }) {
            frames.removeSubrange((lastWithSource + 1)...)
        }
        return frames
    }

    /// Whether a frame that survived the filtering is the user's code: a named function outside
    /// the standard library (also when specialized into the program), the system and toolchain
    /// libraries, the compiler's glue and the declared wrappers.
    private static func isUserCode(_ frame: CachedFrame, wrappers: [String]) -> Bool {
        guard let name = frame.name, !isStandardLibrary(rawName: frame.rawName) else { return false }
        if let image = frame.imageName, FrameFormatter.isSystemImage(image) { return false }
        if FrameFormatter.runtimeSource(symbol: name, image: frame.imageName) != nil { return false }
        return wrappers.isEmpty || !SiteFrame(frame).belongs(toAnyOf: wrappers)
    }

    /// A stack sampled by a signal starts in the handler, then the kernel's return trampoline
    /// (`__restore_rt`, which has no symbol of its own and resolves to `sigaction`).
    static func isSignalTrampoline(rawName: String) -> Bool {
        rawName == "__restore_rt" || rawName == "sigaction" || rawName == "__sigaction"
    }

    /// A declaration a macro expanded to: its mangling carries a macro-expansion operator,
    /// `fM` then a letter for the kind (`fMf_` freestanding, `fMp_` peer, `fMu0_` unique name...).
    static func isMacroGenerated(rawName: String) -> Bool {
        let bytes = Array(rawName.utf8)
        var index = 0
        while index + 3 < bytes.count {
            if bytes[index] == UInt8(ascii: "f"), bytes[index + 1] == UInt8(ascii: "M"),
               (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[index + 2]) {
                var end = index + 3
                while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) { end += 1 }
                if end < bytes.count, bytes[end] == UInt8(ascii: "_") { return true }
            }
            index += 1
        }
        return false
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

    /// How many addresses are cached (for tests and measurements).
    static var cachedAddressCount: Int { cache.withLock { $0.count } }

    private static var architecture: String {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "unknown"
        #endif
    }

    /// Groups `keys` by the image map to symbolize them with (see `imageMaps`).
    static func imageMaps(for keys: [FrameKey]) -> [(ImageMap, [FrameKey])] {
        imageMaps.withLock { state in
            if state.maps.isEmpty { state.maps.append(ImageMap.capture()) }
            func mapIndex(_ key: FrameKey) -> Int? {
                state.maps.firstIndex { contains($0, key.lookupAddress) }
            }
            let uncovered = keys.filter { mapIndex($0) == nil && !state.unplaced.contains($0.address) }
            if !uncovered.isEmpty {
                let fresh = ImageMap.capture()
                if uncovered.contains(where: { contains(fresh, $0.lookupAddress) }) { state.maps.append(fresh) }
                state.unplaced.formUnion(uncovered.filter { !contains(fresh, $0.lookupAddress) }.map(\.address))
            }
            var groups: [Int: [FrameKey]] = [:]
            for key in keys { groups[mapIndex(key) ?? 0, default: []].append(key) }
            return groups.sorted { $0.key < $1.key }.map { (state.maps[$0.key], $0.value) }
        }
    }

    private static func contains(_ map: ImageMap, _ address: UInt) -> Bool {
        let target = Backtrace.Address(UInt64(address))
        return map.contains { $0.baseAddress <= target && target < $0.endOfText }
    }
}
