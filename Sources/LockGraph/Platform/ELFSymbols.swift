#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only access to the symbol table of a 64-bit ELF file, mapped (not read) into memory.
/// Only what `InternalCode` and symbolization need: each function's range and name. Every
/// offset read from the file is bounds-checked against its size, so a truncated or foreign file
/// gives no answer rather than a fault.
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

    /// How a function symbol relates to one Swift module (see `ModuleLayout`).
    enum Owner {
        /// The module's own code (or a copy of it, inlined into another module's object).
        case module
        /// Neither: standard-library specializations, thunks, the module's C helpers.
        case neutral
        /// Another module's code, or C: where the module's code ends.
        case other
    }

    /// Every function of `.symtab` (local and global), with whose code `classify` says it is:
    /// the input of `ModuleLayout`.
    func functionOwners(classify: (UnsafeBufferPointer<UInt8>) -> Owner) -> [ModuleLayout.Function] {
        var result: [ModuleLayout.Function] = []
        forEachFunction { low, high, name in
            result.append(ModuleLayout.Function(range: low..<high, owner: classify(name)))
        }
        return result
    }

    /// True for a position-dependent executable (`ET_EXEC`), whose symbols hold run-time
    /// addresses; other images' symbols are offsets from where the image is loaded.
    var isFixedAddress: Bool { read(UInt16.self, at: 0x10) == 2 }

    /// Every function of `.symtab` (local and global, defined, non-empty), in table order: its
    /// link-time range and where its name lies in the file (see `text(at:)`), so that a table of
    /// tens of thousands of symbols makes no strings.
    func functions() -> [(low: UInt, high: UInt, name: Range<Int>)] {
        var result: [(low: UInt, high: UInt, name: Range<Int>)] = []
        forEachFunction { low, high, name in
            guard let start = name.baseAddress.map({ UnsafeRawPointer($0) - base }) else { return }
            result.append((low, high, start..<(start + name.count)))
        }
        return result
    }

    /// The text at `range` of the mapped file (a range `functions()` gave).
    func text(at range: Range<Int>) -> String {
        guard range.lowerBound >= 0, range.upperBound <= size else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    /// Calls `body` with each function (`STT_FUNC` = 2, defined, non-empty; local, global or
    /// weak) of `.symtab`, in table order: its link-time range and name.
    private func forEachFunction(_ body: (UInt, UInt, UnsafeBufferPointer<UInt8>) -> Void) {
        guard let sectionTable = read(UInt64.self, at: 0x28), let entrySize = read(UInt16.self, at: 0x3A),
              let count = read(UInt16.self, at: 0x3C), entrySize >= 64
        else { return }
        // SHT_SYMTAB = 2 only: a stripped image's .dynsym lists only exported functions.
        for index in 0..<Int(count) {
            let header = Int(sectionTable) + index * Int(entrySize)
            guard read(UInt32.self, at: header + 4) == 2,
                  let offset = read(UInt64.self, at: header + 0x18), let length = read(UInt64.self, at: header + 0x20),
                  let link = read(UInt32.self, at: header + 0x28), let symbolSize = read(UInt64.self, at: header + 0x38),
                  symbolSize >= 24, Int(link) < Int(count)
            else { continue }
            let stringHeader = Int(sectionTable) + Int(link) * Int(entrySize)
            guard let strings = read(UInt64.self, at: stringHeader + 0x18),
                  let stringsLength = read(UInt64.self, at: stringHeader + 0x20),
                  Int(strings) >= 0, Int(strings + stringsLength) <= size
            else { continue }
            for symbol in 0..<Int(length / symbolSize) {
                let entry = Int(offset) + symbol * Int(symbolSize)
                guard let nameOffset = read(UInt32.self, at: entry), let info = read(UInt8.self, at: entry + 4),
                      let section = read(UInt16.self, at: entry + 6), let value = read(UInt64.self, at: entry + 8),
                      let extent = read(UInt64.self, at: entry + 16),
                      UInt64(nameOffset) < stringsLength, info & 0xF == 2, section != 0, extent > 0
                else { continue }
                let name = base + Int(strings) + Int(nameOffset)
                let limit = Int(stringsLength) - Int(nameOffset)
                var length = 0
                while length < limit && name.load(fromByteOffset: length, as: UInt8.self) != 0 { length += 1 }
                body(UInt(value), UInt(value + extent),
                     UnsafeBufferPointer(start: name.assumingMemoryBound(to: UInt8.self), count: length))
            }
            return
        }
    }
}
