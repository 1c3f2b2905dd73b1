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

    /// The lowest start and highest end of the function symbols (`STT_FUNC`, defined, non-empty)
    /// whose names start with `prefix`, from `.symtab` (or `.dynsym` when the file is stripped).
    func functionRange(withPrefix prefix: String) -> (low: UInt, high: UInt)? {
        guard let sectionTable = read(UInt64.self, at: 0x28), let entrySize = read(UInt16.self, at: 0x3A),
              let count = read(UInt16.self, at: 0x3C), entrySize >= 64
        else { return nil }
        let prefixBytes = Array(prefix.utf8)
        var best: (low: UInt, high: UInt)?
        // SHT_SYMTAB = 2, SHT_DYNSYM = 11: prefer the full table.
        for wanted: UInt32 in [2, 11] where best == nil {
            for index in 0..<Int(count) {
                let header = Int(sectionTable) + index * Int(entrySize)
                guard read(UInt32.self, at: header + 4) == wanted,
                      let offset = read(UInt64.self, at: header + 0x18), let length = read(UInt64.self, at: header + 0x20),
                      let link = read(UInt32.self, at: header + 0x28), let symbolSize = read(UInt64.self, at: header + 0x38),
                      symbolSize >= 24, Int(link) < Int(count)
                else { continue }
                let stringHeader = Int(sectionTable) + Int(link) * Int(entrySize)
                guard let strings = read(UInt64.self, at: stringHeader + 0x18),
                      let stringsLength = read(UInt64.self, at: stringHeader + 0x20)
                else { continue }
                for symbol in 0..<Int(length / symbolSize) {
                    let entry = Int(offset) + symbol * Int(symbolSize)
                    guard let nameOffset = read(UInt32.self, at: entry), let info = read(UInt8.self, at: entry + 4),
                          let section = read(UInt16.self, at: entry + 6), let value = read(UInt64.self, at: entry + 8),
                          let extent = read(UInt64.self, at: entry + 16),
                          info & 0xF == 2, section != 0, extent > 0, UInt64(nameOffset) < stringsLength,
                          hasPrefix(prefixBytes, at: Int(strings) + Int(nameOffset), limit: Int(strings + stringsLength))
                    else { continue }
                    let low = UInt(value), high = UInt(value + extent)
                    best = best.map { (min($0.low, low), max($0.high, high)) } ?? (low, high)
                }
            }
        }
        return best
    }

    private func hasPrefix(_ prefix: [UInt8], at offset: Int, limit: Int) -> Bool {
        guard offset >= 0, offset + prefix.count <= min(limit, size) else { return false }
        for (index, byte) in prefix.enumerated() where base.load(fromByteOffset: offset + index, as: UInt8.self) != byte {
            return false
        }
        return true
    }
}
