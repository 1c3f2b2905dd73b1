/// The interposer's map from a program object's address (a pthread mutex or condition) to its
/// entry, sharded by address, each shard under its own `InternalLock` (so `fork()` takes them
/// all first, see `ForkSafety`): threads using different objects rarely share a shard lock.
final class AddressTable<Value: AnyObject>: Sendable {
    private let shards: [InternalProtected<[UInt: Value]>]

    /// `shardCount` must be a power of two.
    init(shardCount: Int) {
        shards = (0..<shardCount).map { _ in InternalProtected([:]) }
    }

    @inline(__always)
    private func shard(_ address: UInt) -> InternalProtected<[UInt: Value]> {
        // Objects are at least 8-byte aligned and often 48-64 bytes apart (one malloc block each).
        shards[Int(truncatingIfNeeded: (address >> 3) ^ (address >> 9)) & (shards.count - 1)]
    }

    func lookup(_ address: UInt) -> Value? {
        shard(address).withLock { $0[address] }
    }

    /// The address's entry; `make()`'s (made outside the shard's lock) when it has none. `created`
    /// is true when that one was stored (false when another thread stored one first).
    func entry(_ address: UInt, make: () -> Value) -> (value: Value, created: Bool) {
        if let existing = lookup(address) { return (existing, false) }
        let made = make()
        let stored = shard(address).withLock { table in
            if let raced = table[address] { return raced }
            table[address] = made
            return made
        }
        return (stored, stored === made)
    }

    /// Stores `value` for `address`, returning the entry it replaces.
    func replace(_ address: UInt, with value: Value) -> Value? {
        shard(address).withLock { $0.updateValue(value, forKey: address) }
    }

    func remove(_ address: UInt) -> Value? {
        shard(address).withLock { $0.removeValue(forKey: address) }
    }
}
