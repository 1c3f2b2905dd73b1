import Foundation

extension Reporter {
    /// Two locks of one class nested while class checking is on (reported once per class).
    static func sameClassNesting(_ record: EdgeRecord, thread: ThreadState) {
        let descriptor = thread.descriptor(refreshName: true)
        let date = Date()
        submit { scope in
            let className = record.from.classKey
            return LockViolation(
                kind: .sameClassNesting,
                locks: [record.from.descriptor, record.to.descriptor],
                threads: [descriptor],
                edges: [],
                backtraces: [
                    LockBacktrace(label: "\(record.from.descriptor) acquired", thread: record.thread,
                                  frames: Symbolication.frames(of: record.holderStack)),
                    LockBacktrace(label: "\(record.to.descriptor), same class, acquired while holding it", thread: record.thread,
                                  frames: Symbolication.frames(of: record.acquirerStack)),
                ],
                summary: "same-class nesting: two locks of class \"\(className)\" were nested; class checking cannot order them, so it checks no order between them (not an inversion)",
                advice: "If the nesting is deliberate (parent then child), create the inner lock with a subclass, for example "
                    + "TrackedMutex(name: \"\(record.to.name ?? "child")\", subclass: \"child\"), so it is a class of its own; "
                    + "if instances of one class can be nested either way round, order them (for example by id) before locking.",
                date: date,
                scopes: [record.from.scope, record.to.scope],
                detectingScope: scope
            )
        }
    }
}
