#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The debug sections of one ELF image file, read with `pread` into memory LockGraph owns.
///
/// Only what the fast source-location path needs (see `DwarfLineTable`, `DwarfUnits`):
/// little-endian ELF64 files whose DWARF sections are stored uncompressed, as Swift's debug
/// builds on Linux produce them. Anything else yields nil, and symbolication falls back to the
/// toolchain's `Runtime` module for that image (exact, only slower).
///
/// Why not `mmap`: `Runtime`'s `ImageMap.capture()` takes every mapping of a file as part of
/// that image and its lowest address as the image's base, so a second mapping of a library
/// (placed below it, as mmap does) would move the image's base in every later capture.
struct ElfDebugImage {
    private let path: String
    private let sections: [String: (offset: Int, size: Int)]

    /// Indexes the sections of the file at `path`; nil if it is not a file this reader understands.
    init?(path: String) {
        guard let header = Self.read(path: path, offset: 0, count: 64),
              let sections = Self.sections(path: path, header: header.region)
        else { return nil }
        self.path = path
        self.sections = sections
    }

    /// A copy of section `name`, or nil when the image has no such (uncompressed) section.
    func section(_ name: String) -> OwnedBytes? {
        sections[name].flatMap { Self.read(path: path, offset: $0.offset, count: $0.size) }
    }

    /// A copy of the bytes `range` (offsets within section `name`), or nil if out of bounds.
    func bytes(of name: String, in range: Range<Int>) -> OwnedBytes? {
        guard let section = sections[name], range.lowerBound >= 0, range.upperBound <= section.size else { return nil }
        return Self.read(path: path, offset: section.offset + range.lowerBound, count: range.count)
    }

    private static func read(path: String, offset: Int, count: Int) -> OwnedBytes? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let bytes = OwnedBytes(count: count)
        var done = 0
        while done < count {
            let got = pread(descriptor, bytes.pointer + done, count - done, off_t(offset + done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            done += got
        }
        return bytes
    }

    /// Reads the section header table: ELF64, little-endian, consistent, else nil.
    private static func sections(path: String, header image: ByteRegion) -> [String: (offset: Int, size: Int)]? {
        // "\x7FELF", class 2 (64-bit), data 1 (little-endian).
        guard image.u32(at: 0) == 0x464C_457F, image.u8(at: 4) == 2, image.u8(at: 5) == 1 else { return nil }
        let tableOffset = Int(image.u64(at: 0x28))
        let entrySize = Int(image.u16(at: 0x3A))
        var count = Int(image.u16(at: 0x3C))
        var namesIndex = Int(image.u16(at: 0x3E))
        guard tableOffset > 0, entrySize >= 64, let first = read(path: path, offset: tableOffset, count: entrySize) else { return nil }
        // Large tables keep the real count and string-table index in section 0 (ELF spec).
        if count == 0 { count = Int(first.region.u64(at: 0x20)) }
        if namesIndex == 0xFFFF { namesIndex = Int(first.region.u32(at: 0x28)) }
        guard count > 0, count < 1 << 20, namesIndex < count,
              let table = read(path: path, offset: tableOffset, count: count * entrySize)
        else { return nil }
        let headers = table.region
        func header(_ index: Int) -> (name: Int, type: UInt32, flags: UInt64, offset: Int, size: Int) {
            let at = index * entrySize
            return (Int(headers.u32(at: at)), headers.u32(at: at + 4), headers.u64(at: at + 8),
                    Int(headers.u64(at: at + 0x18)), Int(headers.u64(at: at + 0x20)))
        }
        guard let names = read(path: path, offset: header(namesIndex).offset, count: header(namesIndex).size) else { return nil }
        var result: [String: (offset: Int, size: Int)] = [:]
        for index in 1..<count {
            let section = header(index)
            // SHT_NOBITS has no bytes in the file; SHF_COMPRESSED data would need inflating.
            guard section.type != 8, section.flags & 0x800 == 0, section.size > 0, section.name < names.count else { continue }
            let name = names.region.cString(at: section.name)
            if name.hasPrefix(".debug_") { result[name] = (section.offset, section.size) }
        }
        return result
    }
}

/// Heap bytes owned by LockGraph (a section copy); freed with the last reference.
final class OwnedBytes: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(byteCount: max(count, 1), alignment: 16)
    }

    deinit { pointer.deallocate() }

    /// A view of the bytes; valid while this object is alive.
    var region: ByteRegion { ByteRegion(owner: self, start: UnsafeRawPointer(pointer), count: count) }
}

/// A bounds-checked view of bytes. Reads past the end return zero rather than trap, and
/// a `ByteCursor` flags them, so a malformed section yields no answer instead of a crash.
/// Keeps the buffer it views alive.
struct ByteRegion: @unchecked Sendable {
    let owner: OwnedBytes
    let start: UnsafeRawPointer
    let count: Int

    static let empty = OwnedBytes(count: 0).region

    func u8(at offset: Int) -> UInt8 {
        offset >= 0 && offset < count ? start.load(fromByteOffset: offset, as: UInt8.self) : 0
    }

    func u16(at offset: Int) -> UInt16 {
        offset >= 0 && offset + 2 <= count ? UInt16(littleEndian: start.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) : 0
    }

    func u32(at offset: Int) -> UInt32 {
        offset >= 0 && offset + 4 <= count ? UInt32(littleEndian: start.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) : 0
    }

    func u64(at offset: Int) -> UInt64 {
        offset >= 0 && offset + 8 <= count ? UInt64(littleEndian: start.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) : 0
    }

    /// The NUL-terminated UTF-8 string at `offset` (empty when out of bounds).
    func cString(at offset: Int) -> String {
        guard offset >= 0, offset < count else { return "" }
        var end = offset
        while end < count && start.load(fromByteOffset: end, as: UInt8.self) != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(start: start + offset, count: end - offset), as: UTF8.self)
    }
}

/// Sequential reads over a `ByteRegion` (DWARF's LEB128 and fixed-size fields).
struct ByteCursor {
    let region: ByteRegion
    var position: Int
    /// Set once any read ran past the end: the data is malformed and nothing read is trusted.
    private(set) var overran = false

    init(_ region: ByteRegion, at position: Int = 0) {
        self.region = region
        self.position = position
    }

    var atEnd: Bool { position >= region.count }

    private mutating func advance(_ bytes: Int) -> Int {
        let at = position
        position += bytes
        if position > region.count { overran = true }
        return at
    }

    mutating func u8() -> UInt8 { region.u8(at: advance(1)) }
    mutating func u16() -> UInt16 { region.u16(at: advance(2)) }
    mutating func u32() -> UInt32 { region.u32(at: advance(4)) }
    mutating func u64() -> UInt64 { region.u64(at: advance(8)) }
    mutating func skip(_ bytes: Int) { _ = advance(max(bytes, 0)) }

    /// An unsigned integer of `size` bytes (1, 2, 3, 4 or 8).
    mutating func unsigned(size: Int) -> UInt64 {
        switch size {
        case 1: return UInt64(u8())
        case 2: return UInt64(u16())
        case 3: return UInt64(u16()) | UInt64(u8()) << 16
        case 4: return UInt64(u32())
        default: return u64()
        }
    }

    mutating func uleb() -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            if position >= region.count { overran = true; return result }
            let byte = region.start.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            if shift < 64 { result |= UInt64(byte & 0x7F) << shift }
            shift += 7
            if byte & 0x80 == 0 { return result }
        }
    }

    mutating func sleb() -> Int64 {
        var result: Int64 = 0
        var shift: Int64 = 0
        var byte: UInt8 = 0
        repeat {
            if position >= region.count { overran = true; return result }
            byte = region.start.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            if shift < 64 { result |= Int64(byte & 0x7F) << shift }
            shift += 7
        } while byte & 0x80 != 0
        if shift < 64 && byte & 0x40 != 0 { result |= -(Int64(1) << shift) }
        return result
    }

    /// A NUL-terminated string, and the cursor moved past its terminator.
    mutating func cString() -> String {
        let text = region.cString(at: position)
        skip(text.utf8.count + 1)
        return text
    }

    /// A DWARF initial length: (length, is 64-bit DWARF).
    mutating func initialLength() -> (length: Int, dwarf64: Bool) {
        let short = u32()
        if short == 0xFFFF_FFFF { return (Int(truncatingIfNeeded: u64()), true) }
        return (Int(short), false)
    }
}
