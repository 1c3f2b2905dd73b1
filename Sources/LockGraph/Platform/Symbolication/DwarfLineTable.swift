/// File and line for code addresses of one image, from its `.debug_line`, with the results the
/// toolchain's `Runtime` module would give, at a fraction of the cost.
///
/// Why: `Runtime` answers each address by executing every line-number program of the image
/// (all of `.debug_line`), so one frame costs milliseconds in a small test binary and tens of
/// milliseconds in a 100 MB one. This table executes every program once, remembering where each
/// sequence (a contiguous run of addresses) starts; a lookup then runs only the one sequence
/// that covers the address.
///
/// The state machine and path rules follow `Runtime`'s (including its address arithmetic and
/// its choice when sequences overlap: the last program wins, the first sequence within it), so
/// either path prints the same file:line. Immutable once built: any thread may look up.
final class DwarfLineTable: @unchecked Sendable {
    struct Location: Hashable {
        let path: String
        let line: Int
        let column: Int
    }

    private struct Program {
        /// Where the program starts in `.debug_line` (what a unit's `DW_AT_stmt_list` names).
        var offset: UInt64 = 0
        var version: Int
        var addressSize: Int?
        var maximumOperations: UInt64
        var defaultIsStatement: Bool
        var lineBase: Int8
        var lineRange: UInt8
        var opcodeBase: UInt8
        var standardOpcodeLengths: [UInt8]
        var directories: [String]
        var files: [(path: String, directory: Int?)]
        var operations: Range<Int>
        /// DW_LNE_define_file changes the file table as the program runs: such a program is
        /// always executed from its start.
        var definesFiles = false
    }

    private struct Sequence {
        let low: UInt64
        let high: UInt64
        let program: Int
        let start: Int
    }

    /// The `.debug_line` bytes, kept for lookups.
    private let storage: OwnedBytes
    private var lines: ByteRegion { storage.region }
    private var programs: [Program] = []
    /// Sorted by `low`; `reach[i]` is the highest `high` among `sequences[...i]`, so a lookup
    /// knows how far back overlapping sequences can start.
    private var sequences: [Sequence] = []
    private var reach: [UInt64] = []
    /// False when some program could not be parsed: an address it might cover is not answered
    /// here (the caller asks `Runtime`).
    private(set) var complete = true

    init(lines storage: OwnedBytes, lineStrings: ByteRegion?, strings: ByteRegion?, units: [UInt64: DwarfUnits.CompileUnit]) {
        self.storage = storage
        let lines = storage.region
        var cursor = ByteCursor(lines)
        while !cursor.atEnd {
            let offset = cursor.position
            let (length, dwarf64) = cursor.initialLength()
            if length == 0 { break }
            let next = cursor.position + length
            guard next <= lines.count else { complete = false; break }
            defer { cursor.position = next }
            guard var program = Self.header(&cursor, end: next, dwarf64: dwarf64, lineStrings: lineStrings, strings: strings) else {
                complete = false
                continue
            }
            program.offset = UInt64(offset)
            if program.version < 5, let unit = units[UInt64(offset)] {
                // DWARF 4 and earlier leave directory 0 and file 0 to the compile unit.
                program.directories[0] = unit.compilationDirectory ?? "."
                program.files[0] = (unit.name ?? "<unknown>", 0)
                program.addressSize = unit.addressSize
            }
            programs.append(program)
            if !indexSequences(of: programs.count - 1) { complete = false }
        }
        sequences.sort { ($0.low, $0.program, $0.start) < ($1.low, $1.program, $1.start) }
        var highest: UInt64 = 0
        reach = sequences.map { highest = max(highest, $0.high); return highest }
    }

    /// The offset in `.debug_line` of the program whose row `Runtime` would report for the
    /// image-relative `address` (that program's compile unit holds the code); nil when no
    /// sequence covers it.
    func lineTableOffset(at address: UInt64) -> UInt64? {
        sequence(at: address).map { programs[$0.program].offset }
    }

    /// The location `Runtime` would report for the image-relative `address`; nil when no
    /// sequence covers it.
    func location(at address: UInt64) -> Location? {
        guard let best = sequence(at: address) else { return nil }
        let program = programs[best.program]
        var match: (file: Int, line: Int, column: Int)?
        var previous: (address: UInt64, file: Int, line: Int, column: Int)?
        var files = program.files
        execute(program, from: program.definesFiles ? program.operations.lowerBound : best.start, files: &files) { row in
            if let earlier = previous, address >= earlier.address && address < row.address {
                match = (earlier.file, earlier.line, earlier.column)
                return true
            }
            previous = row.endSequence ? nil : (row.address, row.file, row.line, row.column)
            return false
        }
        return match.map { Location(path: Self.path(of: $0.file, in: program, files: files), line: $0.line, column: $0.column) }
    }

    /// The sequence `Runtime`'s scan would answer from: among those covering the address, the
    /// one of the last program, the first within it.
    private func sequence(at address: UInt64) -> Sequence? {
        // Last sequence starting at or before the address, then back over any that overlap it.
        var low = 0, high = sequences.count
        while low < high {
            let middle = (low + high) / 2
            if sequences[middle].low <= address { low = middle + 1 } else { high = middle }
        }
        var best: Sequence?
        var index = low - 1
        while index >= 0 && reach[index] > address {
            let sequence = sequences[index]
            if sequence.high > address, best.map({ (sequence.program, -sequence.start) > ($0.program, -$0.start) }) ?? true {
                best = sequence
            }
            index -= 1
        }
        return best
    }

    /// Runs program `index` once, recording where each sequence starts and which addresses it
    /// covers. False if the program ran off its end.
    private func indexSequences(of index: Int) -> Bool {
        let program = programs[index]
        var files = program.files
        var sequenceStart = program.operations.lowerBound
        var first: UInt64?
        return execute(program, from: sequenceStart, files: &files, boundsOnly: true) { row in
            if row.endSequence {
                if let low = first, row.address > low {
                    sequences.append(Sequence(low: low, high: row.address, program: index, start: sequenceStart))
                }
                first = nil
                sequenceStart = row.next
            } else if first == nil {
                first = row.address
            }
            if row.definedFile { programs[index].definesFiles = true }
            return false
        }
    }

    private struct Row {
        var address: UInt64
        var file: Int
        var line: Int
        var column: Int
        var endSequence: Bool
        /// Offset of the next opcode (after an end of sequence: where the next one starts).
        var next: Int
        /// A DW_LNE_define_file ran in this sequence so far.
        var definedFile: Bool
    }

    /// Executes from `start` to the end of the program, calling `emit` for every row until it
    /// returns true (with `boundsOnly`, only for each sequence's first and end rows: indexing
    /// needs no more). Returns false when the program is malformed.
    @discardableResult
    private func execute(_ program: Program, from start: Int, files: inout [(path: String, directory: Int?)],
                         boundsOnly: Bool = false, _ emit: (Row) -> Bool) -> Bool {
        let initial = Row(address: 0, file: 1, line: 1, column: 0, endSequence: false, next: start, definedFile: false)
        var state = initial
        var cursor = ByteCursor(lines, at: start)
        let end = program.operations.upperBound
        let operations = program.maximumOperations
        var operationIndex: UInt64 = 0
        var sequenceHasRow = false
        func row() -> Bool {
            defer { sequenceHasRow = true }
            return (!boundsOnly || !sequenceHasRow) && emit(state)
        }
        // Runtime's arithmetic: an operation advance moves the address by whole instructions and
        // ignores minimum_instruction_length (1 on the platforms LockGraph supports).
        func advance(_ by: UInt64) {
            state.address &+= (operationIndex + by) / operations
            operationIndex = (operationIndex + by) % operations
        }
        let bytes = lines.start
        let opcodeBase = program.opcodeBase, lineBase = Int(program.lineBase), lineRange = UInt64(program.lineRange)
        while cursor.position < end {
            // Special opcodes are most of a program: read them without the cursor's checks
            // (`end` is within the section).
            let opcode = bytes.load(fromByteOffset: cursor.position, as: UInt8.self)
            cursor.position += 1
            if opcode >= opcodeBase {
                let adjusted = UInt64(opcode - opcodeBase)
                advance(adjusted / lineRange)
                state.line += lineBase + Int(adjusted % lineRange)
                state.next = cursor.position
                if row() { return true }
            } else if opcode == 0 {
                let length = Int(truncatingIfNeeded: cursor.uleb())
                let bodyStart = cursor.position
                switch cursor.u8() {
                case 1:  // end_sequence
                    state.endSequence = true
                    state.next = cursor.position
                    if emit(state) { return true }
                    state = initial
                    operationIndex = 0
                    sequenceHasRow = false
                case 2:  // set_address
                    state.address = cursor.unsigned(size: program.addressSize ?? max(length - 1, 1))
                    operationIndex = 0
                case 3:  // define_file (DWARF 2-4)
                    let path = cursor.cString()
                    let directory = Int(truncatingIfNeeded: cursor.uleb())
                    _ = cursor.uleb(); _ = cursor.uleb()
                    files.append((path, directory))
                    state.definedFile = true
                default:
                    break
                }
                cursor.position = bodyStart + length
            } else {
                switch opcode {
                case 1:  // copy
                    state.next = cursor.position
                    if row() { return true }
                case 2: advance(cursor.uleb())
                case 3: state.line += Int(truncatingIfNeeded: cursor.sleb())
                case 4: state.file = Int(truncatingIfNeeded: cursor.uleb())
                case 5: state.column = Int(truncatingIfNeeded: cursor.uleb())
                case 6, 7, 10, 11: break  // negate_stmt, basic_block, prologue_end, epilogue_begin
                case 8: advance(UInt64(255 - program.opcodeBase) / UInt64(program.lineRange))
                case 9:
                    state.address &+= UInt64(cursor.u16())
                    operationIndex = 0
                case 12: _ = cursor.uleb()  // set_isa
                default:
                    let count = Int(opcode) < program.standardOpcodeLengths.count ? program.standardOpcodeLengths[Int(opcode)] : 0
                    for _ in 0..<count { _ = cursor.uleb() }
                }
            }
            if cursor.overran { return false }
        }
        return !cursor.overran
    }

    /// `Runtime`'s rule: an absolute file name as is, else its directory, a slash and the name.
    private static func path(of file: Int, in program: Program, files: [(path: String, directory: Int?)]) -> String {
        guard file >= 0 && file < files.count else { return "<unknown>" }
        let entry = files[file]
        if entry.path.hasPrefix("/") { return entry.path }
        let directory = entry.directory.flatMap { $0 >= 0 && $0 < program.directories.count ? program.directories[$0] : nil }
        return "\(directory ?? "<unknown>")/\(entry.path)"
    }

    /// Parses a program header (DWARF 2-5); nil if malformed or using forms this reader skips.
    private static func header(_ cursor: inout ByteCursor, end: Int, dwarf64: Bool, lineStrings: ByteRegion?,
                               strings: ByteRegion?) -> Program? {
        let version = Int(cursor.u16())
        guard version >= 2 && version <= 5 else { return nil }
        var addressSize: Int?
        if version == 5 {
            addressSize = Int(cursor.u8())
            cursor.skip(1)  // segment_selector_size
        }
        let headerLength = Int(truncatingIfNeeded: dwarf64 ? cursor.u64() : UInt64(cursor.u32()))
        let operationsStart = cursor.position + headerLength
        _ = cursor.u8()  // minimum_instruction_length (see `execute`)
        let maximumOperations = version >= 4 ? max(UInt64(cursor.u8()), 1) : 1
        let defaultIsStatement = cursor.u8() != 0
        let lineBase = Int8(bitPattern: cursor.u8())
        let lineRange = cursor.u8()
        let opcodeBase = cursor.u8()
        guard lineRange > 0, opcodeBase > 0 else { return nil }
        var lengths: [UInt8] = [0]
        for _ in 1..<Int(opcodeBase) { lengths.append(cursor.u8()) }
        var directories: [String] = []
        var files: [(path: String, directory: Int?)] = []
        if version < 5 {
            directories.append(".")  // replaced by the unit's compilation directory
            while true {
                let directory = cursor.cString()
                if directory.isEmpty || cursor.overran { break }
                directories.append(directory)
            }
            files.append(("<unknown>", 0))  // replaced by the unit's name
            while true {
                let name = cursor.cString()
                if name.isEmpty || cursor.overran { break }
                let directory = Int(truncatingIfNeeded: cursor.uleb())
                _ = cursor.uleb(); _ = cursor.uleb()
                files.append((name, directory))
            }
        } else {
            guard let entries = entryTable(&cursor, dwarf64: dwarf64, lineStrings: lineStrings, strings: strings) else { return nil }
            directories = entries.map { $0.path ?? "<unknown>" }
            guard let fileEntries = entryTable(&cursor, dwarf64: dwarf64, lineStrings: lineStrings, strings: strings) else { return nil }
            files = fileEntries.map { ($0.path ?? "<unknown>", $0.directory) }
        }
        guard !cursor.overran, operationsStart <= end else { return nil }
        return Program(version: version, addressSize: addressSize, maximumOperations: maximumOperations,
                       defaultIsStatement: defaultIsStatement, lineBase: lineBase, lineRange: lineRange,
                       opcodeBase: opcodeBase, standardOpcodeLengths: lengths, directories: directories,
                       files: files, operations: operationsStart..<end)
    }

    /// A DWARF 5 directory or file table: entry formats, then entries. Nil for forms that need
    /// a unit's string-offset table (not expected in line tables).
    private static func entryTable(_ cursor: inout ByteCursor, dwarf64: Bool, lineStrings: ByteRegion?,
                                   strings: ByteRegion?) -> [(path: String?, directory: Int?)]? {
        var formats: [(content: UInt64, form: UInt64)] = []
        for _ in 0..<Int(cursor.u8()) { formats.append((cursor.uleb(), cursor.uleb())) }
        var entries: [(path: String?, directory: Int?)] = []
        for _ in 0..<Int(truncatingIfNeeded: cursor.uleb()) {
            var entry: (path: String?, directory: Int?) = (nil, nil)
            for format in formats {
                var text: String?
                var number: UInt64?
                switch format.form {
                case 0x08: text = cursor.cString()
                case 0x1F, 0x0E:
                    let offset = Int(truncatingIfNeeded: dwarf64 ? cursor.u64() : UInt64(cursor.u32()))
                    guard let section = format.form == 0x1F ? lineStrings : strings else { return nil }
                    text = section.cString(at: offset)
                case 0x0F: number = cursor.uleb()
                case 0x0B: number = UInt64(cursor.u8())
                case 0x05: number = UInt64(cursor.u16())
                case 0x06: number = UInt64(cursor.u32())
                case 0x07: number = cursor.u64()
                case 0x1E: cursor.skip(16)
                case 0x09: cursor.skip(Int(truncatingIfNeeded: cursor.uleb()))
                default: return nil
                }
                if format.content == 1 { entry.path = text }
                if format.content == 2 { entry.directory = number.map { Int(truncatingIfNeeded: $0) } }
            }
            if cursor.overran { return nil }
            entries.append(entry)
        }
        return entries
    }
}
