import LockGraph

// Creation sites through lock wrappers: a wrapper type creates its tracked mutex on one line,
// so without declaring the wrapper every instance has that line as its creation site and all of
// them are one lock class (issue 15: swift-nio's NIOLock made `lockgraph check` report a false
// class-level cycle).

/// A lock wrapper shaped like swift-nio's `NIOLock` after its storage was swapped for a tracked
/// mutex. It declares nothing: `LOCKGRAPH_WRAPPERS=ServerLock` does, from outside.
public final class ServerLock: Sendable {
    private let base = TrackedMutex()

    public init() {}

    public func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        try base.withLock(body)
    }
}

let routes = TrackedMutex(name: "routes")

@inline(never) func acceptConnection(_ connections: ServerLock) {
    connections.withLock { routes.withLock {} }
}

@inline(never) func flushBuffers(_ buffers: ServerLock) {
    routes.withLock { buffers.withLock {} }
}

extension Scenario {
    static let wrapperSites = Scenario(
        name: "wrapper-sites",
        summary: "two ServerLocks (a NIOLock-like wrapper) made at two call sites; acceptConnection() takes connections then routes, flushBuffers() routes then buffers",
        expectation: "no cycle between locks; with LOCKGRAPH_CLASSES=1 alone, a false class cycle through the wrapper's one creation line; with LOCKGRAPH_WRAPPERS=ServerLock as well, none, and each lock names the line that created its wrapper"
    ) {
        let connections = ServerLock()
        let buffers = ServerLock()
        join(startThread(named: "acceptor") { acceptConnection(connections) })
        join(startThread(named: "flusher") { flushBuffers(buffers) })
        for edge in LockMonitor.snapshot().edges.sorted(by: { $0.from.id < $1.from.id }) {
            say("edge: \(edge.from) -> \(edge.to)")
        }
        return printViolationCounts([.lockOrderInversion, .sameClassNesting])
    }
}
