/// Thread descriptors as edges store them: a 32-bit id each, the descriptor kept once.
/// A thread renamed later gets a new id (edges keep the name the thread had when it made them).
enum ThreadTable {
    private struct Table {
        var ids: [ThreadDescriptor: UInt32] = [:]
        var descriptors: [ThreadDescriptor] = []
    }

    private static let table = InternalProtected(Table())

    static func intern(_ descriptor: ThreadDescriptor) -> UInt32 {
        table.withLock { table in
            if let id = table.ids[descriptor] { return id }
            table.descriptors.append(descriptor)
            let id = UInt32(truncatingIfNeeded: table.descriptors.count)
            table.ids[descriptor] = id
            return id
        }
    }

    /// The descriptor with this id; an unknown id (never handed out) reads as thread 0.
    static func descriptor(_ id: UInt32) -> ThreadDescriptor {
        table.withLock { table in
            let index = Int(id) - 1
            return index >= 0 && index < table.descriptors.count ? table.descriptors[index] : ThreadDescriptor(id: 0, name: nil)
        }
    }
}
