@_spi(Internal) import Runtime

/// Symbolizes a batch of addresses that are not cached yet (see `Symbolication`).
///
/// Per image, addresses take the fast path when LockGraph's index of that image's debug
/// information is complete and the address is not inside inlined code: `Runtime` names the
/// symbol (a table lookup, cheap), the index gives file:line. Everything else goes to
/// `Runtime`'s full symbolication, which scans the whole line table per address but expands
/// inline frames and reads any debug format. Both paths produce the same frames.
enum SymbolBatch {
    typealias FrameKey = Symbolication.FrameKey
    typealias CachedFrame = Symbolication.CachedFrame

    /// The debug index of one image file: its line table and what `.debug_info` says about units
    /// and inlined code. Immutable once built.
    final class DebugIndex: @unchecked Sendable {
        let units: DwarfUnits
        let lines: DwarfLineTable

        /// Nil when the image has no line table, or when its unit headers or line programs
        /// could not be read: then `Runtime` handles every address of the image. The line table
        /// and the small range and address tables stay in memory; units are re-read from the
        /// file when first needed (see `DwarfUnits`).
        static func build(path: String) -> DebugIndex? {
            guard let file = ElfDebugImage(path: path), let lines = file.section(".debug_line"),
                  let info = file.section(".debug_info"), let abbreviations = file.section(".debug_abbrev")
            else { return nil }
            let strings = file.section(".debug_str"), lineStrings = file.section(".debug_line_str")
            let units = DwarfUnits(image: file, .init(
                info: info.region, abbreviations: abbreviations.region, strings: strings?.region,
                lineStrings: lineStrings?.region, ranges: file.section(".debug_ranges")?.region,
                addresses: file.section(".debug_addr")?.region, stringOffsets: file.section(".debug_str_offsets")?.region))
            guard units.complete else { return nil }
            let table = DwarfLineTable(lines: lines, lineStrings: lineStrings?.region, strings: strings?.region,
                                       units: units.compileUnits)
            guard table.complete else { return nil }
            return DebugIndex(units: units, lines: table)
        }

        private init(units: DwarfUnits, lines: DwarfLineTable) {
            self.units = units
            self.lines = lines
        }
    }

    /// Indexes by image path; nil entries remember images the index cannot serve. Built outside
    /// the lock (it reads the whole line table once); a rare concurrent build is discarded.
    private static let indexes = InternalProtected<[String: DebugIndex?]>([:])

    static func index(forImageAt path: String) -> DebugIndex? {
        if let known = indexes.withLock({ $0[path] }) { return known }
        let built = DebugIndex.build(path: path)
        return indexes.withLock { indexes in
            if let raced = indexes[path] { return raced }
            indexes[path] = .some(built)
            return built
        }
    }

    /// Frames for every key, or nil if `Runtime` could not symbolize at all.
    static func symbolize(_ keys: [FrameKey], images: ImageMap, architecture: String) -> [FrameKey: [CachedFrame]]? {
        var fast: [(key: FrameKey, index: DebugIndex, relative: UInt64)] = []
        var exact: [FrameKey] = []
        let imageList = Array(images)
        for key in keys {
            let lookup = Backtrace.Address(UInt64(key.lookupAddress))
            guard let image = imageList.first(where: { $0.baseAddress <= lookup && lookup < $0.endOfText }),
                  let path = image.path, let base = UInt64(image.baseAddress),
                  let index = index(forImageAt: path)
            else {
                exact.append(key)
                continue
            }
            let relative = UInt64(key.lookupAddress) &- base
            // The fast path only where the address's unit is known to have no inlined code at it.
            if let table = index.lines.lineTableOffset(at: relative), index.units.isInlined(relative, lineTableOffset: table) == false {
                fast.append((key, index, relative))
            } else {
                exact.append(key)
            }
        }
        var result: [FrameKey: [CachedFrame]] = [:]
        if !fast.isEmpty {
            // Symbols only: no source-location options, so Runtime does not scan the line table.
            guard let symbols = symbolicate(fast.map(\.key), images: images, architecture: architecture, options: []) else { return nil }
            for (entry, frames) in zip(fast, symbols) {
                let location = entry.index.lines.location(at: entry.relative)
                result[entry.key] = frames.map { frame in
                    cached(frame, path: location?.path, line: location?.line ?? 0)
                }
            }
        }
        if !exact.isEmpty {
            guard let symbolicated = symbolicate(exact, images: images, architecture: architecture, options: .default) else { return nil }
            for (key, frames) in zip(exact, symbolicated) {
                result[key] = frames.map { cached($0, path: $0.symbol?.sourceLocation?.path, line: $0.symbol?.sourceLocation?.line ?? 0) }
            }
        }
        return result
    }

    private static func cached(_ frame: SymbolicatedBacktrace.Frame, path: String?, line: Int) -> CachedFrame {
        CachedFrame(rawName: frame.symbol?.rawName ?? "", name: frame.symbol.map { $0.name },
                    imageName: frame.symbol?.imageName, isThunk: frame.isSwiftThunk, path: path, line: line)
    }

    /// One `Runtime` call for `keys`; the frames it returns, grouped per key (inlined frames
    /// first, each group ends with the one frame that is not inlined).
    private static func symbolicate(_ keys: [FrameKey], images: ImageMap, architecture: String,
                                    options: Backtrace.SymbolicationOptions) -> [[SymbolicatedBacktrace.Frame]]? {
        let rich: [RichFrame<UInt>] = keys.map { $0.isReturnAddress ? .returnAddress($0.address) : .programCounter($0.address) }
        let backtrace = Backtrace(architecture: architecture, frames: rich, images: images)
        guard let symbolicated = backtrace.symbolicated(with: images, options: options) else { return nil }
        var groups: [[SymbolicatedBacktrace.Frame]] = []
        var current: [SymbolicatedBacktrace.Frame] = []
        for frame in symbolicated.frames {
            // The compact backtrace may end with a marker frame (`.truncated`), not an address.
            switch frame.captured {
            case .programCounter, .returnAddress: break
            default: continue
            }
            current.append(frame)
            if !frame.inlined {
                groups.append(current)
                current = []
            }
        }
        return groups.count == keys.count ? groups : nil
    }
}
