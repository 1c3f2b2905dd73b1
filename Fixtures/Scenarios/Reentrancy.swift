import Synchronization
import LockGraph

// A non-recursive lock taken again by the thread that holds it: an ordinary NSLock would hang
// forever. LockGraph reports both acquisitions and terminates the process instead.

final class SessionCache: Sendable {
    private let lock = TrackedMutex(name: "session-cache")

    @inline(never)
    func refresh() {
        lock.withLock {
            evictExpired()
        }
    }

    @inline(never)
    func evictExpired() {
        lock.withLock {
            // forgot that refresh() already holds the lock
        }
    }
}

// The seed story: a log queue whose elements release a connection; the connection's deinit
// logs through the same queue. The deinit runs inside a later put, under the queue's lock.

enum LogEntry: Sendable {
    case opened(Connection)
    case closed(Int)
    case stop
}

let logQueue = try! TrackedQueue<LogEntry>(capacity: 4, name: "log")  // 4 is valid: cannot throw
let closeMessagesLogged = Atomic<Int>(0)

final class Connection: Sendable {
    let id: Int
    init(id: Int) { self.id = id }

    deinit {
        closeMessagesLogged.add(1, ordering: .relaxed)
        logConnectionClosed(id)
    }
}

@inline(never)
func logConnectionClosed(_ id: Int) {
    logQueue.put(.closed(id))
}

extension Scenario {
    static let reentrantMutex = Scenario(
        name: "reentrant-mutex",
        summary: "SessionCache.refresh() holds its lock and calls evictExpired(), which takes it again",
        expectation: "a reentrant-acquire report with both stacks, then the process terminates instead of hanging"
    ) {
        SessionCache().refresh()
        say("unreachable: the thread re-acquired a lock it holds")
        return 1
    }

    static let deinitDuringPut = Scenario(
        name: "deinit-during-put",
        summary: "a Connection's deinit logs through the queue while a put holds the queue's lock",
        expectation: "one reentrant-acquire report; every entry delivered; no hang"
    ) {
        let connections = 200
        let consumed = DispatchSemaphoreBox()
        let received = UncheckedBox<(opened: Int, closed: Int)>((0, 0))
        let consumer = startThread(named: "log-writer") {
            while true {
                switch logQueue.get() {
                case .opened:
                    received.withLockedValue { $0.opened += 1 }
                    consumed.signal()
                case .closed:
                    received.withLockedValue { $0.closed += 1 }
                case .stop:
                    return
                }
            }
        }
        let producer = startThread(named: "acceptor") {
            for id in 1...connections {
                logQueue.put(.opened(Connection(id: id)))
                consumed.wait()  // lock-step, so every slot reuse releases a finished entry
            }
            logQueue.put(.stop)
        }
        join(producer)
        join(consumer)
        // Close messages enqueued right after .stop, while the writer was finishing.
        while let entry = logQueue.tryGet() {
            if case .closed = entry { received.withLockedValue { $0.closed += 1 } }
        }
        let (opened, closed) = received.withLockedValue { $0 }
        let logged = closeMessagesLogged.load(ordering: .relaxed)
        say("opened delivered: \(opened)/\(connections); close messages delivered: \(closed)/\(logged)")
        say("reentrant acquires reported: \(violationCount(.reentrantAcquire))")
        let everythingDelivered = opened == connections && closed == logged && logged > 0
        say(everythingDelivered ? "every entry delivered" : "ENTRIES LOST")
        return everythingDelivered ? 0 : 1
    }

    static let handlerTakesHeldLock = Scenario(
        name: "handler-takes-held-lock",
        summary: "an onViolation handler takes the app's lock, and the violation is a re-entry of that lock on the thread holding it",
        expectation: "one reentrant-acquire report, the handler runs once (no recursion into another report), then the process terminates"
    ) {
        let appLock = TrackedMutex(name: "app-state")
        LockMonitor.onViolation { violation in
            appLock.withLock { say("handler ran for \(violation.kind)") }
        }
        appLock.withLock {
            appLock.withLock {}
        }
        say("unreachable: the thread re-acquired a lock it holds")
        return 1
    }
}
