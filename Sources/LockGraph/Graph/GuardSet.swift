/// The guards of one edge (see `OrderGraph.guards`), stored compactly.
///
/// An edge taken while a thread holds N locks is guarded by the other N-2 of them. Stored as a
/// set per edge, a thread that nests N locks would keep N(N-1)/2 sets of up to N-2 ids: cubic
/// (1,000 nested locks: gigabytes). So an edge stores `base` (the locks held exclusively at the
/// acquisition, one `Set` built once per acquisition and shared copy-on-write by every edge it
/// made) and the two ids that are not its guards (its own locks). Only a narrowing (the same
/// edge taken again under other locks) stores a set of its own.
///
/// Invariant: the guards are `base` minus `excluded`; `excluded` holds 0 (no id: lock ids start
/// at 1) or ids to leave out.
struct GuardSet: Equatable, Sendable, ExpressibleByArrayLiteral {
    let base: Set<UInt64>
    let excluded: (UInt64, UInt64)

    init(base: Set<UInt64>, excluding first: UInt64 = 0, _ second: UInt64 = 0) {
        self.base = base
        excluded = (first, second)
    }

    init(arrayLiteral elements: UInt64...) {
        self.init(base: Set(elements))
    }

    /// The guards as a set (allocates when some id is excluded: reports and searches only).
    var set: Set<UInt64> {
        guard excludes(any: base) else { return base }
        var result = base
        result.remove(excluded.0)
        result.remove(excluded.1)
        return result
    }

    var isEmpty: Bool {
        let left = (excluded.0 != 0 && base.contains(excluded.0) ? 1 : 0)
            + (excluded.1 != 0 && excluded.1 != excluded.0 && base.contains(excluded.1) ? 1 : 0)
        return base.count - left == 0
    }

    private func excludes(any set: Set<UInt64>) -> Bool {
        (excluded.0 != 0 && set.contains(excluded.0)) || (excluded.1 != 0 && set.contains(excluded.1))
    }

    static func == (lhs: GuardSet, rhs: GuardSet) -> Bool { lhs.set == rhs.set }
}
