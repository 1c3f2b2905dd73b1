import CLockGraphSupport

/// Where one Swift module's machine code lies in a linked image, from its function symbols: a
/// hull, [low, high), that holds all of the module's code, and the other code's functions inside
/// the hull ("holes"). An address is the module's when it lies in the hull and in no hole.
///
/// Why not one range per object file: a release (whole-module) build turns the module's
/// internal functions into hidden symbols, which the linker lists after the image's last
/// `STT_FILE` entry with every other object's, so the file an internal function came from is
/// not recorded. Grouping by file then put a release executable's own `main.swift` code inside
/// LockGraph's range (the call-site walk stepped over the user's frames to
/// `__libc_start_call_main`), and found no range at all in a release test binary.
///
/// What is used instead: address order. A module's objects are linked together, so its
/// functions form one run in address order, interleaved only with code emitted into its objects
/// (specializations of other modules' generics, outlined copies, thunks), in short runs. From
/// the function containing a known address of the module, the hull extends over functions of
/// the module and neutral ones (the standard library's, runtime helpers) and stops after more
/// than `longestForeignRun` functions of other code in a row. It ends at the outermost function
/// of the module found. Every function of other code inside it is a hole, so a small object of
/// the user's that happens to lie between two of the module's stays the user's: the hull only
/// makes the common test (an address outside it) one comparison.
struct ModuleLayout: Equatable {
    /// Holds every function of the module found; may hold other code's functions (`holes`).
    var hull: Range<UInt>
    /// Other code's functions inside `hull`: sorted, disjoint, non-empty.
    var holes: [Range<UInt>]

    /// One function symbol: its link-time range and whose code it is.
    struct Function {
        var range: Range<UInt>
        var owner: ELFSymbols.Owner
    }

    /// The most functions of other code in a row that the hull extends across. A module's own
    /// objects hold at most a few such functions together (the release build of this package
    /// holds runs of at most 9: `FoundationEssentials.Data`'s inlined helpers; debug, 4); the objects of a
    /// program's module hold its functions by the dozen.
    static let longestForeignRun = 32

    /// The layout of the module whose function contains `address`, from every function symbol
    /// of the image (any order); nil when no function of the module contains `address`.
    init?(functions: [Function], around address: UInt) {
        let sorted = functions.filter { !$0.range.isEmpty }.sorted { $0.range.lowerBound < $1.range.lowerBound }
        guard let home = sorted.firstIndex(where: { $0.owner == .module && $0.range.contains(address) }) else { return nil }
        func outermostOwn(from start: Int, step: Int) -> Int {
            var outermost = start
            var foreignRun = 0
            var index = start + step
            while sorted.indices.contains(index) {
                switch sorted[index].owner {
                case .module:
                    outermost = index
                    foreignRun = 0
                case .other:
                    foreignRun += 1
                    if foreignRun > Self.longestForeignRun { return outermost }
                case .neutral:
                    break
                }
                index += step
            }
            return outermost
        }
        let first = outermostOwn(from: home, step: -1), last = outermostOwn(from: home, step: 1)
        let inside = sorted[first...last]
        let high = inside.map(\.range.upperBound).max() ?? sorted[last].range.upperBound
        hull = sorted[first].range.lowerBound..<high
        // Already in order of their starts; overlapping ones (aliases) merge.
        var holes: [Range<UInt>] = []
        for function in inside where function.owner == .other {
            if let previous = holes.last, function.range.lowerBound <= previous.upperBound {
                holes[holes.count - 1] = previous.lowerBound..<max(previous.upperBound, function.range.upperBound)
            } else {
                holes.append(function.range)
            }
        }
        self.holes = holes
        assert(holes.allSatisfy { hull.contains($0.lowerBound) && $0.upperBound <= hull.upperBound }, "a hole outside the hull")
        assert(zip(holes, holes.dropFirst()).allSatisfy { $0.upperBound < $1.lowerBound }, "holes unsorted or overlapping")
    }

    /// The holes as pairs of bounds, low then high: how the C side keeps them.
    var holeBounds: [UInt] { holes.flatMap { [$0.lowerBound, $0.upperBound] } }

    /// Whether `address` is the module's code: in the hull and in no hole. The test the
    /// call-site walk makes once the layout is installed (`lockgraph_is_internal_code`).
    func contains(_ address: UInt) -> Bool {
        guard hull.contains(address) else { return false }
        return holeBounds.withUnsafeBufferPointer { lockgraph_ranges_contain($0.baseAddress, $0.count / 2, address) == 0 }
    }

    /// The same layout, moved by `bias` (an image's load bias: symbols hold link-time addresses).
    func offset(by bias: UInt) -> ModuleLayout {
        var moved = self
        moved.hull = (hull.lowerBound &+ bias)..<(hull.upperBound &+ bias)
        moved.holes = holes.map { ($0.lowerBound &+ bias)..<($0.upperBound &+ bias) }
        return moved
    }
}
