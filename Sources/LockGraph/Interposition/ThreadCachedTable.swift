import CLockGraphSupport

/// An interposer's address table (`InterposedMutexes`, `InterposedRWLocks`) with one of the
/// calling thread's caches in front of it (C thread-local slots, lockgraph_mutex_cache.h), so
/// that a lock or unlock of an object the thread used recently costs a few loads and no
/// reference count instead of a probe of the shared table under one of its locks.
///
/// Invariant (a reused address never reaches an old entry through a cache): the table's owner
/// bumps the address's epoch (`lockgraph_mutex_epoch_bump`) after removing or replacing its
/// entry and before releasing the old one; see the header.
protocol ThreadCachedTable {
    associatedtype Object
    associatedtype Entry: AnyObject

    /// The thread cache in front of this table.
    static var cacheKind: lockgraph_cache_kind { get }

    /// The object's entry, registered now (named by the calling acquisition) when it has none.
    static func entry(for object: UnsafeMutablePointer<Object>) -> Entry

    /// The object's entry, if it has one.
    static func lookup(_ object: UnsafeMutablePointer<Object>) -> Entry?
}

extension ThreadCachedTable {
    /// The object's entry (registered now when it has none), unretained: the table keeps it alive
    /// until the object is destroyed or its address re-initialised, neither of which may race
    /// with a pthread call on it. Use it only before the call's raw unlock (another thread may
    /// destroy the object once it is free).
    @inline(__always)
    static func cached(_ object: UnsafeMutablePointer<Object>) -> Unmanaged<Entry> {
        if let hit = lockgraph_cache_find(cacheKind, UInt(bitPattern: object)) { return Unmanaged.fromOpaque(hit) }
        return fill(object, creating: true).unsafelyUnwrapped
    }

    /// `cached` for an object that may have no entry (an unlock of one taken before the
    /// interposer was ready): nil then, and nothing is registered.
    @inline(__always)
    static func cachedIfKnown(_ object: UnsafeMutablePointer<Object>) -> Unmanaged<Entry>? {
        if let hit = lockgraph_cache_find(cacheKind, UInt(bitPattern: object)) { return Unmanaged.fromOpaque(hit) }
        return fill(object, creating: false)
    }

    /// A cache miss: the epoch is read before the table, so an entry removed after this
    /// look-up is cached under an epoch that no longer matches.
    @inline(never)
    private static func fill(_ object: UnsafeMutablePointer<Object>, creating: Bool) -> Unmanaged<Entry>? {
        let address = UInt(bitPattern: object)
        let epoch = lockgraph_mutex_epoch(address)
        guard let entry = creating ? entry(for: object) : lookup(object) else { return nil }
        let reference = Unmanaged.passUnretained(entry)
        lockgraph_cache_store(cacheKind, address, reference.toOpaque(), epoch)
        return reference
    }
}
