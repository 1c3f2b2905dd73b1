/// What the fast source-location path needs from an image's `.debug_info`.
///
/// - Each compile unit's name, compilation directory and line-table offset (read for every
///   unit up front, from its first DIE only): DWARF 4 line tables leave directory and file 0 to
///   the unit, and file paths must be built exactly as the toolchain's `Runtime` module builds
///   them, so reports read the same either way.
/// - The address ranges of the inlined subroutines of a unit, read the first time an address
///   of that unit is symbolized (a big binary has tens of megabytes of DIEs; a report touches a
///   few units). `Runtime` shows an inlined call as extra frames; the fast path does not
///   rebuild those, so an address inside an inlined range is handed to `Runtime` instead.
///   Ranges are over-approximated (a site `Runtime` itself would skip is still listed): that
///   only costs speed, never a different report.
///
/// `complete` is false when some unit header could not be read (an unknown form, an index form
/// without its base): the caller then trusts nothing from this image and uses `Runtime`. A unit
/// whose DIEs cannot be read later answers nil, and its addresses go to `Runtime` too.
final class DwarfUnits: @unchecked Sendable {
    struct CompileUnit {
        let lineTableOffset: UInt64
        let name: String?
        let compilationDirectory: String?
        let addressSize: Int
        /// Index in `units`.
        fileprivate let unit: Int
    }

    /// By line-table offset (`DW_AT_stmt_list`). Immutable after init.
    private(set) var compileUnits: [UInt64: CompileUnit] = [:]
    private(set) var complete = true

    struct Sections {
        var info: ByteRegion
        var abbreviations: ByteRegion
        var strings: ByteRegion?
        var lineStrings: ByteRegion?
        var ranges: ByteRegion?
        var addresses: ByteRegion?
        var stringOffsets: ByteRegion?
    }

    private struct Abbreviation {
        var tag: UInt64
        var hasChildren: Bool
        var attributes: [(name: UInt64, form: UInt64, implicitConstant: Int64)]
    }

    /// A unit: where its DIEs are and what reading its forms needs.
    private struct Unit {
        var version: Int
        var addressSize: Int
        var offsetSize: Int
        var addressBase: UInt64?
        var stringOffsetsBase: UInt64?
        var lowPC: UInt64 = 0
        /// Its DIEs, as offsets in `.debug_info`, and its abbreviation table's offset.
        var dies: Range<Int> = 0..<0
        var abbreviationOffset = 0
    }

    private enum Value {
        case none
        case unsigned(UInt64)
        case address(UInt64)
        case addressIndex(UInt64)
        case string(String)
        case stringIndex(UInt64)
    }

    private static let tagCompileUnit: UInt64 = 0x11, tagPartialUnit: UInt64 = 0x3C, tagInlined: UInt64 = 0x1D
    private static let atName: UInt64 = 0x03, atStatementList: UInt64 = 0x10, atLowPC: UInt64 = 0x11
    private static let atHighPC: UInt64 = 0x12, atCompilationDirectory: UInt64 = 0x1B, atRanges: UInt64 = 0x55
    private static let atStringOffsetsBase: UInt64 = 0x72, atAddressBase: UInt64 = 0x73

    // Immutable after init: what the lazy walks need.
    private var units: [Unit] = []
    private var abbreviationTables: [Int: [Abbreviation?]] = [:]
    private let image: ElfDebugImage
    private let ranges: ByteRegion?
    private let addresses: ByteRegion?
    /// Each unit's inlined ranges (sorted, merged) once walked; nil: the unit could not be read.
    private let inlined = InternalProtected<[Int: [(low: UInt64, high: UInt64)]?]>([:])

    /// Reads every unit's header and first DIE. `sections` is only used during the call, except
    /// `ranges` and `addresses`, which are kept (walks may need them).
    init(image: ElfDebugImage, _ sections: Sections) {
        self.image = image
        ranges = sections.ranges
        addresses = sections.addresses
        var cursor = ByteCursor(sections.info)
        while !cursor.atEnd {
            let (length, dwarf64) = cursor.initialLength()
            let next = cursor.position + length
            guard length > 0, next <= sections.info.count else { if length != 0 { complete = false }; break }
            let version = Int(cursor.u16())
            var unitType: UInt8 = 1
            var addressSize = 8
            let abbreviationOffset: Int
            if version >= 5 {
                unitType = cursor.u8()
                addressSize = Int(cursor.u8())
                abbreviationOffset = Int(truncatingIfNeeded: dwarf64 ? cursor.u64() : UInt64(cursor.u32()))
                if unitType == 4 || unitType == 5 { cursor.skip(8) }             // skeleton, split: dwo_id
                if unitType == 2 || unitType == 6 { cursor.skip(dwarf64 ? 16 : 12) } // type units
            } else {
                abbreviationOffset = Int(truncatingIfNeeded: dwarf64 ? cursor.u64() : UInt64(cursor.u32()))
                addressSize = Int(cursor.u8())
            }
            defer { cursor.position = next }
            // Type units carry no code; skeleton and split units point elsewhere.
            guard version >= 2 && version <= 5, unitType == 1 || unitType == 3 else { continue }
            if abbreviationTables[abbreviationOffset] == nil {
                guard let table = Self.abbreviations(in: sections.abbreviations, at: abbreviationOffset) else {
                    complete = false
                    continue
                }
                abbreviationTables[abbreviationOffset] = table
            }
            var unit = Unit(version: version, addressSize: addressSize, offsetSize: dwarf64 ? 8 : 4)
            unit.dies = cursor.position..<next
            unit.abbreviationOffset = abbreviationOffset
            if !readUnitDIE(&cursor, unit: &unit, sections: sections) { complete = false }
        }
    }

    /// Whether the image-relative `address`, covered by the line table at `lineTableOffset`,
    /// lies inside an inlined subroutine of that table's unit; nil when the unit is unknown or
    /// its DIEs cannot be read (the caller then asks `Runtime`).
    func isInlined(_ address: UInt64, lineTableOffset: UInt64) -> Bool? {
        guard let index = compileUnits[lineTableOffset]?.unit else { return nil }
        let known = inlined.withLock { $0[index] }
        let unitRanges: [(low: UInt64, high: UInt64)]?
        if let known {
            unitRanges = known
        } else {
            // Walked outside the lock (it reads the unit from the file); a concurrent walk of the
            // same unit computes the same ranges.
            unitRanges = inlinedRanges(ofUnit: index)
            inlined.withLock { $0[index] = .some(unitRanges) }
        }
        guard let unitRanges else { return nil }
        var low = 0, high = unitRanges.count
        while low < high {
            let middle = (low + high) / 2
            if unitRanges[middle].high <= address { low = middle + 1 } else { high = middle }
        }
        return low < unitRanges.count && unitRanges[low].low <= address
    }

    /// Reads the unit's first DIE: its bases, and what `CompileUnit` keeps. False if unreadable.
    private func readUnitDIE(_ cursor: inout ByteCursor, unit: inout Unit, sections: Sections) -> Bool {
        let abbreviations = abbreviationTables[unit.abbreviationOffset] ?? []
        let code = cursor.uleb()
        guard code > 0, code < UInt64(abbreviations.count), let abbreviation = abbreviations[Int(code)] else { return false }
        guard abbreviation.tag == Self.tagCompileUnit || abbreviation.tag == Self.tagPartialUnit else { return true }
        var values: [UInt64: Value] = [:]
        for attribute in abbreviation.attributes {
            guard let value = Self.read(form: attribute.form, implicit: attribute.implicitConstant, &cursor, unit: unit,
                                        sections: sections, materialize: true)
            else { return false }
            values[attribute.name] = value
        }
        if cursor.overran { return false }
        if case .unsigned(let base)? = values[Self.atAddressBase] { unit.addressBase = base }
        if case .unsigned(let base)? = values[Self.atStringOffsetsBase] { unit.stringOffsetsBase = base }
        unit.lowPC = address(values[Self.atLowPC], unit: unit, sections: sections) ?? 0
        units.append(unit)
        if case .unsigned(let offset)? = values[Self.atStatementList] {
            compileUnits[offset] = CompileUnit(
                lineTableOffset: offset,
                name: string(values[Self.atName], unit: unit, sections: sections),
                compilationDirectory: string(values[Self.atCompilationDirectory], unit: unit, sections: sections),
                addressSize: unit.addressSize, unit: units.count - 1)
        }
        return true
    }

    /// Reads unit `index`'s DIEs from the file and collects its inlined ranges, sorted and
    /// merged; nil if they cannot be read.
    private func inlinedRanges(ofUnit index: Int) -> [(low: UInt64, high: UInt64)]? {
        let unit = units[index]
        guard let bytes = image.bytes(of: ".debug_info", in: unit.dies),
              let abbreviations = abbreviationTables[unit.abbreviationOffset]
        else { return nil }
        let sections = Sections(info: bytes.region, abbreviations: bytes.region, ranges: ranges, addresses: addresses)
        // Most DIEs are skipped whole: when every attribute of an abbreviation has a fixed size
        // in this unit, skipping is one addition instead of a read per attribute.
        let fixedSizes = abbreviations.map { $0.flatMap { Self.fixedSize(of: $0, unit: unit) } }
        var found: [(low: UInt64, high: UInt64)] = []
        var cursor = ByteCursor(bytes.region)
        while !cursor.atEnd {
            let code = cursor.uleb()
            if code == 0 { continue }  // end of a sibling list
            guard code < UInt64(abbreviations.count), let abbreviation = abbreviations[Int(code)] else { return nil }
            let wanted = abbreviation.tag == Self.tagInlined
            if !wanted, let size = fixedSizes[Int(code)] {
                cursor.skip(size)
                continue
            }
            var values: [UInt64: Value] = [:]
            for attribute in abbreviation.attributes {
                let value = Self.read(form: attribute.form, implicit: attribute.implicitConstant, &cursor, unit: unit,
                                      sections: sections, materialize: false)
                guard let value else { return nil }
                if wanted { values[attribute.name] = value }
            }
            if cursor.overran { return nil }
            if wanted && !addInlinedRange(values, unit: unit, to: &found) { return nil }
        }
        found.sort { $0.low < $1.low }
        var merged: [(low: UInt64, high: UInt64)] = []
        for range in found where range.high > range.low {
            if let last = merged.last, range.low <= last.high {
                merged[merged.count - 1].high = max(last.high, range.high)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    private func addInlinedRange(_ values: [UInt64: Value], unit: Unit, to ranges: inout [(low: UInt64, high: UInt64)]) -> Bool {
        let sections = Sections(info: ByteRegion.empty, abbreviations: ByteRegion.empty, ranges: self.ranges, addresses: addresses)
        if let lowValue = values[Self.atLowPC], let highValue = values[Self.atHighPC] {
            guard let low = address(lowValue, unit: unit, sections: sections) else { return false }
            switch highValue {
            case .address, .addressIndex:
                guard let high = address(highValue, unit: unit, sections: sections) else { return false }
                ranges.append((low, high))
            case .unsigned(let length):
                ranges.append((low, low &+ length))
            default:
                return false
            }
        } else if case .unsigned(let offset)? = values[Self.atRanges] {
            // DWARF 5 range lists are not expanded by Runtime either (no inline frames there).
            guard unit.version < 5 else { return true }
            guard let list = self.ranges else { return false }
            var cursor = ByteCursor(list, at: Int(truncatingIfNeeded: offset))
            var base = unit.lowPC
            let all: UInt64 = unit.addressSize == 4 ? 0xFFFF_FFFF : .max
            while !cursor.atEnd {
                let start = cursor.unsigned(size: unit.addressSize), end = cursor.unsigned(size: unit.addressSize)
                if cursor.overran { return false }
                if start == 0 && end == 0 { break }
                if start == all { base = end; continue }
                ranges.append((start &+ base, end &+ base))
            }
        }
        return true
    }

    private func address(_ value: Value?, unit: Unit, sections: Sections) -> UInt64? {
        switch value {
        case .address(let address)?: return address
        case .addressIndex(let index)?:
            guard let table = sections.addresses, let base = unit.addressBase else { return nil }
            let at = Int(truncatingIfNeeded: base) + Int(truncatingIfNeeded: index) * unit.addressSize
            return unit.addressSize == 4 ? UInt64(table.u32(at: at)) : table.u64(at: at)
        default: return nil
        }
    }

    private func string(_ value: Value?, unit: Unit, sections: Sections) -> String? {
        switch value {
        case .string(let text)?: return text
        case .stringIndex(let index)?:
            guard let offsets = sections.stringOffsets, let strings = sections.strings, let base = unit.stringOffsetsBase else { return nil }
            let at = Int(truncatingIfNeeded: base) + Int(truncatingIfNeeded: index) * unit.offsetSize
            let offset = unit.offsetSize == 8 ? offsets.u64(at: at) : UInt64(offsets.u32(at: at))
            return strings.cString(at: Int(truncatingIfNeeded: offset))
        default: return nil
        }
    }

    /// Reads (or, without `materialize`, skips) one attribute value; nil for a form this reader
    /// does not know, which makes the unit unreadable.
    private static func read(form: UInt64, implicit: Int64, _ cursor: inout ByteCursor, unit: Unit,
                             sections: Sections, materialize: Bool) -> Value? {
        func offset() -> UInt64 { cursor.unsigned(size: unit.offsetSize) }
        switch form {
        case 0x01: return .address(cursor.unsigned(size: unit.addressSize))                    // addr
        case 0x0B, 0x11: return .unsigned(UInt64(cursor.u8()))                                  // data1, ref1
        case 0x0C: return .unsigned(UInt64(cursor.u8()))                                        // flag
        case 0x05, 0x12: return .unsigned(UInt64(cursor.u16()))                                 // data2, ref2
        case 0x06, 0x13, 0x1C: return .unsigned(UInt64(cursor.u32()))                           // data4, ref4, ref_sup4
        case 0x07, 0x14, 0x20, 0x24: return .unsigned(cursor.u64())                             // data8, ref8, ref_sig8, ref_sup8
        case 0x1E: cursor.skip(16); return Value.none                                           // data16
        case 0x0D: return .unsigned(UInt64(bitPattern: cursor.sleb()))                         // sdata
        case 0x0F, 0x15, 0x22, 0x23: return .unsigned(cursor.uleb())                            // udata, ref_udata, loclistx, rnglistx
        case 0x10: return .unsigned(unit.version <= 2 ? cursor.unsigned(size: unit.addressSize) : offset()) // ref_addr
        case 0x17, 0x1D, 0x1F20, 0x1F21: return .unsigned(offset())                             // sec_offset, strp_sup, GNU alt
        case 0x19: return .unsigned(1)                                                          // flag_present
        case 0x21: return .unsigned(UInt64(bitPattern: implicit))                               // implicit_const
        case 0x08:                                                                               // string
            if materialize { return .string(cursor.cString()) }
            while !cursor.atEnd && cursor.u8() != 0 {}
            return Value.none
        case 0x0E, 0x1F:                                                                         // strp, line_strp
            let at = Int(truncatingIfNeeded: offset())
            guard materialize else { return Value.none }
            return (form == 0x0E ? sections.strings : sections.lineStrings).map { .string($0.cString(at: at)) } ?? Value.none
        case 0x1A, 0x1F02: return .stringIndex(cursor.uleb())                                   // strx, GNU_str_index
        case 0x25, 0x26, 0x27, 0x28: return .stringIndex(cursor.unsigned(size: Int(form - 0x24))) // strx1-4
        case 0x1B, 0x1F01: return .addressIndex(cursor.uleb())                                  // addrx, GNU_addr_index
        case 0x29, 0x2A, 0x2B, 0x2C: return .addressIndex(cursor.unsigned(size: Int(form - 0x28))) // addrx1-4
        case 0x0A: cursor.skip(Int(cursor.u8())); return Value.none                             // block1
        case 0x03: cursor.skip(Int(cursor.u16())); return Value.none                            // block2
        case 0x04: cursor.skip(Int(cursor.u32())); return Value.none                            // block4
        case 0x09, 0x18: cursor.skip(Int(truncatingIfNeeded: cursor.uleb())); return Value.none // block, exprloc
        case 0x16:                                                                               // indirect
            let actual = cursor.uleb()
            guard actual != 0x16 else { return nil }
            return read(form: actual, implicit: implicit, &cursor, unit: unit, sections: sections, materialize: materialize)
        default: return nil
        }
    }

    /// The abbreviation table at `offset`, indexed by code, or nil if it is malformed (or uses
    /// codes too sparse for an array, which compilers do not emit).
    private static func abbreviations(in section: ByteRegion, at offset: Int) -> [Abbreviation?]? {
        var cursor = ByteCursor(section, at: offset)
        var table: [Abbreviation?] = []
        while !cursor.atEnd {
            let code = cursor.uleb()
            if code == 0 { break }
            var abbreviation = Abbreviation(tag: cursor.uleb(), hasChildren: cursor.u8() != 0, attributes: [])
            while true {
                let name = cursor.uleb(), form = cursor.uleb()
                if name == 0 && form == 0 { break }
                let implicit = form == 0x21 ? cursor.sleb() : 0
                abbreviation.attributes.append((name, form, implicit))
                if cursor.overran { return nil }
            }
            guard code < 1 << 16 else { return nil }
            if table.count <= Int(code) { table += Array(repeating: nil, count: Int(code) + 1 - table.count) }
            table[Int(code)] = abbreviation
        }
        return cursor.overran ? nil : table
    }

    /// The size of every DIE with this abbreviation in `unit`, if no attribute is variable-length.
    private static func fixedSize(of abbreviation: Abbreviation, unit: Unit) -> Int? {
        var total = 0
        for attribute in abbreviation.attributes {
            switch attribute.form {
            case 0x19, 0x21: break                                       // flag_present, implicit_const
            case 0x0B, 0x11, 0x0C, 0x25, 0x29: total += 1                // data1, ref1, flag, strx1, addrx1
            case 0x05, 0x12, 0x26, 0x2A: total += 2                      // data2, ref2, strx2, addrx2
            case 0x27, 0x2B: total += 3                                  // strx3, addrx3
            case 0x06, 0x13, 0x1C, 0x28, 0x2C: total += 4                // data4, ref4, ref_sup4, strx4, addrx4
            case 0x07, 0x14, 0x20, 0x24: total += 8                      // data8, ref8, ref_sig8, ref_sup8
            case 0x1E: total += 16                                       // data16
            case 0x01: total += unit.addressSize                         // addr
            case 0x0E, 0x1F, 0x17, 0x1D, 0x1F20, 0x1F21: total += unit.offsetSize
            case 0x10: total += unit.version <= 2 ? unit.addressSize : unit.offsetSize  // ref_addr
            default: return nil
            }
        }
        return total
    }
}
