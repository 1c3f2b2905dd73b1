#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only access to the symbol table of a 64-bit ELF file, mapped (not read) into memory.
/// Only what `InternalCode` needs: the address range covered by functions whose names share a
/// prefix. Every offset read from the file is bounds-checked against its size, so a truncated or
/// foreign file gives no answer rather than a fault.
struct ELFSymbols {
    private let base: UnsafeRawPointer
    private let size: Int

    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size >= 64 else { return nil }
        let size = Int(status.st_size)
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else { return nil }
        base = UnsafeRawPointer(mapped)
        self.size = size
        // "\x7fELF", 64-bit, little-endian.
        guard read(UInt32.self, at: 0) == 0x464C_457F, read(UInt8.self, at: 4) == 2, read(UInt8.self, at: 5) == 1 else {
            close()
            return nil
        }
    }

    func close() {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
    }

    private func read<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= size - MemoryLayout<T>.size else { return nil }
        return base.loadUnaligned(fromByteOffset: offset, as: T.self)
    }

    /// How a function symbol relates to one Swift module (see `moduleRange`).
    enum Owner {
        /// The module's own code (or a copy of it, inlined into another module's object).
        case module
        /// Neither: standard-library specializations, thunks, the module's C helpers.
        case neutral
        /// Another module's code, or C: where the module's code ends.
        case other
    }

    /// The address range of the module's code around `address` (a link-time address inside it).
    ///
    /// A linked image's symbol table lists each object file's local symbols after a `STT_FILE`
    /// entry naming it; Swift's internal functions become local when linked, so each object's
    /// code can be told apart. An object belongs to the module when most of its functions that
    /// name a module (`.module` or `.other`) are the module's own; the range is the run of such
    /// objects, in address order, around the one containing `address`. A min/max over the
    /// module's mangled prefix alone would not do: other modules' objects hold copies of its
    /// inlinable code and specializations of its generics, and its objects hold theirs.
    func moduleRange(containing address: UInt, classify: (UnsafeBufferPointer<UInt8>) -> Owner) -> (low: UInt, high: UInt)? {
        struct Group { var low = UInt.max, high: UInt = 0, own = 0, others = 0 }
        var groups: [Group] = []
        forEachSymbol { kind, low, high, name in
            if kind == 4 {  // STT_FILE: a new object's locals follow
                groups.append(Group())
                return
            }
            guard kind == 2, low < high, !groups.isEmpty else { return }
            let index = groups.count - 1
            groups[index].low = min(groups[index].low, low)
            groups[index].high = max(groups[index].high, high)
            switch classify(name) {
            case .module: groups[index].own += 1
            case .other: groups[index].others += 1
            case .neutral: break
            }
        }
        // The object holding `address` is the smallest group around it (the linker may file
        // stray locals under the first object's entry, making a group that spans the image);
        // groups enclosing it are set aside for the same reason.
        let around = groups.filter { $0.low <= address && address < $0.high }
        guard let home = around.min(by: { $0.high - $0.low < $1.high - $1.low }), home.own > home.others else { return nil }
        let placed = groups.filter { $0.low < $0.high && !($0.low <= home.low && $0.high >= home.high && $0.high - $0.low > home.high - home.low) }
            .sorted { $0.low < $1.low }
        guard let start = placed.firstIndex(where: { $0.low == home.low && $0.high == home.high }) else { return nil }
        // Neighbouring objects that are mostly the module's extend the range. An object whose
        // local functions are all neutral (a file of only public functions keeps at most a
        // standard-library thunk local) is passed over, and counts only when more of the
        // module's objects lie beyond it: one such file must not cut the range short.
        func isOwn(_ group: Group) -> Bool { group.own > group.others }
        func isNeutral(_ group: Group) -> Bool { group.own == 0 && group.others == 0 }
        var first = start, last = start
        var index = start - 1
        while index >= 0 && (isOwn(placed[index]) || isNeutral(placed[index])) {
            if isOwn(placed[index]) { first = index }
            index -= 1
        }
        index = start + 1
        while index < placed.count && (isOwn(placed[index]) || isNeutral(placed[index])) {
            if isOwn(placed[index]) { last = index }
            index += 1
        }
        return (placed[first].low, placed[first...last].map(\.high).max() ?? placed[last].high)
    }

    /// True for a position-dependent executable (`ET_EXEC`), whose symbols hold run-time
    /// addresses; other images' symbols are offsets from where the image is loaded.
    var isFixedAddress: Bool { read(UInt16.self, at: 0x10) == 2 }

    /// Every function of `.symtab` (local and global, defined, non-empty), in table order: its
    /// link-time range and where its name lies in the file (see `text(at:)`), so that a table of
    /// tens of thousands of symbols makes no strings.
    func functions() -> [(low: UInt, high: UInt, name: Range<Int>)] {
        var result: [(low: UInt, high: UInt, name: Range<Int>)] = []
        forEachSymbol(includingGlobal: true) { kind, low, high, name in
            guard kind == 2, let start = name.baseAddress.map({ UnsafeRawPointer($0) - base }) else { return }
            result.append((low, high, start..<(start + name.count)))
        }
        return result
    }

    /// The text at `range` of the mapped file (a range `functions()` gave).
    func text(at range: Range<Int>) -> String {
        guard range.lowerBound >= 0, range.upperBound <= size else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    /// Calls `body` with each local function (`STT_FUNC` = 2, defined, non-empty) and object-file
    /// marker (`STT_FILE` = 4) of `.symtab`, in table order: its kind, link-time range and name;
    /// with `includingGlobal`, global and weak functions too.
    private func forEachSymbol(includingGlobal: Bool = false, _ body: (UInt8, UInt, UInt, UnsafeBufferPointer<UInt8>) -> Void) {
        guard let sectionTable = read(UInt64.self, at: 0x28), let entrySize = read(UInt16.self, at: 0x3A),
              let count = read(UInt16.self, at: 0x3C), entrySize >= 64
        else { return }
        // SHT_SYMTAB = 2 only: a stripped image's .dynsym has no object-file markers.
        for wanted: UInt32 in [2] {
            var found = false
            for index in 0..<Int(count) {
                let header = Int(sectionTable) + index * Int(entrySize)
                guard read(UInt32.self, at: header + 4) == wanted,
                      let offset = read(UInt64.self, at: header + 0x18), let length = read(UInt64.self, at: header + 0x20),
                      let link = read(UInt32.self, at: header + 0x28), let symbolSize = read(UInt64.self, at: header + 0x38),
                      symbolSize >= 24, Int(link) < Int(count)
                else { continue }
                let stringHeader = Int(sectionTable) + Int(link) * Int(entrySize)
                guard let strings = read(UInt64.self, at: stringHeader + 0x18),
                      let stringsLength = read(UInt64.self, at: stringHeader + 0x20),
                      Int(strings) >= 0, Int(strings + stringsLength) <= size
                else { continue }
                found = true
                for symbol in 0..<Int(length / symbolSize) {
                    let entry = Int(offset) + symbol * Int(symbolSize)
                    guard let nameOffset = read(UInt32.self, at: entry), let info = read(UInt8.self, at: entry + 4),
                          let section = read(UInt16.self, at: entry + 6), let value = read(UInt64.self, at: entry + 8),
                          let extent = read(UInt64.self, at: entry + 16),
                          UInt64(nameOffset) < stringsLength
                    else { continue }
                    let kind = info & 0xF
                    // Only local symbols are grouped under their object's STT_FILE entry.
                    guard info >> 4 == 0 || includingGlobal, kind == 4 || (kind == 2 && section != 0 && extent > 0) else { continue }
                    let name = base + Int(strings) + Int(nameOffset)
                    let limit = Int(stringsLength) - Int(nameOffset)
                    var length = 0
                    while length < limit && name.load(fromByteOffset: length, as: UInt8.self) != 0 { length += 1 }
                    body(kind, UInt(value), UInt(value + extent),
                         UnsafeBufferPointer(start: name.assumingMemoryBound(to: UInt8.self), count: length))
                }
            }
            if found { return }
        }
    }
}
