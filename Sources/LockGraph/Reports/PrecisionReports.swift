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

    /// A condition wait while the thread holds other tracked locks.
    static func waitWhileHolding(_ condition: LockInfo, others: [(lock: LockInfo, stack: StackTrace)], by thread: ThreadState) {
        let descriptor = thread.descriptor(refreshName: true)
        let waitStack = StackTrace.capture()
        let heldLocks = others.map(\.lock), heldStacks = others.map(\.stack)
        let date = Date()
        submit { scope in
            let names = heldLocks.map { "\($0.descriptor)" }.joined(separator: ", ")
            var stacks = zip(heldLocks, heldStacks).map { lock, stack in
                LockBacktrace(label: "\(lock.descriptor) acquired (still held during the wait)", thread: descriptor,
                              frames: Symbolication.frames(of: stack))
            }
            stacks.append(LockBacktrace(label: "wait on \(condition.descriptor)", thread: descriptor,
                                        frames: Symbolication.frames(of: waitStack)))
            return LockViolation(
                kind: .waitWhileHolding,
                locks: [condition.descriptor] + heldLocks.map(\.descriptor),
                threads: [descriptor],
                edges: [],
                backtraces: stacks,
                summary: "wait while holding: \(descriptor) waits on \(condition.descriptor) while holding \(names); "
                    + "the wait releases only the condition's own lock, so a thread that must take \(names) before signalling can never signal",
                advice: "Release the other locks before waiting, or signal without needing them. If the signaller never needs them, "
                    + "pass allowingHeldLocks: true to wait to say so.",
                date: date,
                scopes: [condition.scope] + heldLocks.map(\.scope),
                detectingScope: scope
            )
        }
    }
}
