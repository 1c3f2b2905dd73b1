import Foundation
import Testing
@_spi(Rendering) @testable import LockGraph

/// A lock wrapper as a user declares one: its frames are never the code a headline names.
final class ShapeTestWrapper: Sendable {
    let base = TrackedMutex(creationSite: .caller(skipping: "ShapeTestWrapper"))

    @inline(never) func stackInside() -> StackTrace { StackTrace.capture() }
}

@inline(never) func callWrapperFromUserCode(_ wrapper: ShapeTestWrapper) -> StackTrace { wrapper.stackInside() }

/// The shape of a report: a headline of at most three lines naming the user's code, runtime
/// frames folded, stacks shared by several threads written once.
@Suite("Report shape")
struct ReportShapeTests {
    private let thread = ThreadDescriptor(id: 41, name: "worker")

    private func frame(_ symbol: String, _ file: String? = nil, _ line: Int? = nil, image: String = "app") -> LockBacktrace.Frame {
        LockBacktrace.Frame(address: UInt(bitPattern: symbol.hashValue), symbol: symbol, file: file, line: line, image: image)
    }

    private func stack(_ frames: [LockBacktrace.Frame], thread: ThreadDescriptor? = nil, label: String = "acquired") -> LockBacktrace {
        LockBacktrace(label: label, thread: thread ?? self.thread, frames: frames)
    }

    @Test func runtimeFramesAreFoldedIntoOneLineAndTheNumbersStayThoseOfTheStack() {
        let trace = stack([
            frame("logConnectionClosed(_:)", "/src/App/Log.swift", 49),
            frame("Connection.deinit", "/src/App/Log.swift", 43),
            frame("Connection.__deallocating_deinit"),
            frame("_swift_release_dealloc", image: "libswiftCore.so"),
            frame("swift_release", image: "/usr/lib/swift/linux/libswiftCore.so"),
            frame("outlined consume of LogEntry"),
            frame("accept()", "/src/App/Server.swift", 86),
            frame("partial apply for closure #1 in DispatchQueue._syncHelper<A>(fn:flags:execute:rescue:)", image: "libswiftDispatch.so"),
            frame("_dispatch_lane_barrier_sync_invoke_and_complete", image: "libdispatch.so"),
            frame("thunk for @escaping @callee_guaranteed () -> ()"),
            frame("main", "/src/App/main.swift", 3),
        ])
        #expect(trace.description == """
            acquired (thread 41 "worker"):
                #0 logConnectionClosed(_:) at Log.swift:49
                #1 Connection.deinit at Log.swift:43
                ... 4 frames in libswiftCore and compiler-generated code
                #6 accept() at Server.swift:86
                ... 3 frames in libswiftDispatch, libdispatch and compiler-generated code
                #10 main at main.swift:3
            """)
        // A frame of the user's, even without a line, is never folded.
        #expect(FrameFormatter.runtimeSource(symbol: "helper()", image: "app") == nil)
        #expect(FrameFormatter.runtimeSource(symbol: "reabstraction thunk helper from @escaping () -> ()", image: "app") == "compiler-generated code")
        #expect(FrameFormatter.runtimeSource(symbol: "__lll_lock_wait", image: "libc.so.6") == nil)
        #expect(FrameFormatter.foldedLines([("a", "libswiftCore")], indent: "  ", whenEmpty: "-") == ["  ... 1 frame in libswiftCore"])
    }

    @Test func theUserFrameIsPastTheRuntimeTheSystemLibrariesAndTheCompilersGlue() {
        let trace = stack([
            frame("__lll_lock_wait", image: "libc.so.6"),
            frame("closure #1 in Thread.init(block:)", image: "libFoundation.so"),
            frame("partial apply for closure #1 in transfer(from:to:)"),
            frame("closure #1 in closure #2 in transfer(from:to:)", "/src/App/Bank.swift", 42),
        ])
        #expect(trace.userFrame?.line == 42)
        #expect(ReportHeadline.CodePath(stack: trace, note: "n").place == "transfer(from:to:) at Bank.swift:42")
        #expect(ReportHeadline.CodePath(stack: stack([]), note: "n").place == "[no stack captured]")
        #expect(ReportHeadline.CodePath(stack: stack([frame("swift_retain", image: "libswiftCore.so")]), note: "n").place
            == "[no frame of the program's own code on the stack]")
        #expect(FrameFormatter.functionName("specialized closure #1 in implicit closure #2 in Bank.audit()") == "Bank.audit()")
    }

    @Test func aHeadlineIsAtMostThreeLinesWhateverTheNumberOfPaths() {
        func path(_ name: String, _ line: Int) -> ReportHeadline.CodePath {
            .init(stack: stack([frame(name, "/src/App/Bank.swift", line)]), note: "note \(line)")
        }
        #expect(ReportHeadline("title").lines == ["LockGraph: title"])
        #expect(ReportHeadline("title", [path("a()", 1)]).lines == ["LockGraph: title", "  fix: a() at Bank.swift:1 (note 1)"])
        #expect(ReportHeadline("title", [path("a()", 1), path("b()", 2)]).lines == [
            "LockGraph: title",
            "  fix one of: a() at Bank.swift:1 (note 1)",
            "          or: b() at Bank.swift:2 (note 2)",
        ])
        // Two threads doing the same at one place are one path; at one place doing different
        // things (both sides of an inversion in one function), two.
        #expect(ReportHeadline("title", [path("a()", 1), path("a()", 1)]).lines == ["LockGraph: title", "  fix: a() at Bank.swift:1 (note 1; 1 more like it)"])
        let sides = [ReportHeadline.CodePath(stack: stack([frame("a()", "/src/App/Bank.swift", 1)]), note: "takes x"),
                     ReportHeadline.CodePath(stack: stack([frame("a()", "/src/App/Bank.swift", 1)]), note: "takes y")]
        #expect(ReportHeadline("title", sides).lines.count == 3)
        // More than two: paths at one place merge, the rest share the third line.
        #expect(ReportHeadline("title", [path("a()", 1), path("b()", 2), path("a()", 1), path("c()", 3)]).lines == [
            "LockGraph: title",
            "  fix one of: a() at Bank.swift:1 (note 1; 1 more like it)",
            "          or: b() at Bank.swift:2 (note 2); or: c() at Bank.swift:3 (note 3)",
        ])
        #expect(ReportHeadline("t", (0..<5).map { _ in path("dine()", 21) }).lines == ["LockGraph: t", "  fix: dine() at Bank.swift:21 (note 21; 4 more like it)"])
    }

    @Test func aHeadlineStepsOverADeclaredWrapperToItsCaller() throws {
        let wrapper = ShapeTestWrapper()
        let trace = callWrapperFromUserCode(wrapper)
        let lock = LockInfo(name: "accounts", file: "App/Bank.swift", line: 12, kind: .mutex)
        let violation = try #require(ReportBuilder.violation(
            for: .invalidUnlock(lock: lock, thread: thread, stack: trace, detail: "it does not hold it"), date: Date(), detectingScope: nil))
        // The stack shows the wrapper's frame; the headline names the code that called it.
        #expect(violation.backtraces[0].frames.first?.symbol?.contains("ShapeTestWrapper.stackInside") ?? false)
        let lines = violation.description.split(separator: "\n").map(String.init)
        #expect(lines[1] == "LockGraph: invalid unlock of \"accounts\"")
        #expect(lines[2].hasPrefix("  fix: callWrapperFromUserCode(_:) at ReportShapeTests.swift:12 (unlocks it without holding it)"), "\(lines[2])")
    }

    @Test func threadsSharingAStackAreOneGroupWithTheStackOnce() {
        let shared = [frame("handleRequest(_:)", "/src/App/Server.swift", 33), frame("main", "/src/App/main.swift", 3)]
        let threads = (0..<200).map { ThreadDescriptor(id: 100 + $0, name: nil) }
        let stacks = threads.map { stack(shared, thread: $0, label: "one of the newest threads, now") }
            + [stack([frame("other()", "/src/App/Other.swift", 7)], label: "one of the newest threads, now")]
        let lines = StackGroups.lines(stacks, indent: "  ")
        #expect(lines == [
            "  200 threads here (thread 100, thread 101, thread 102, thread 103 and 196 more):",
            "      #0 handleRequest(_:) at Server.swift:33",
            "      #1 main at main.swift:3",
            "",
            "  one of the newest threads, now (thread 41 \"worker\"):",
            "      #0 other() at Other.swift:7",
        ])
        #expect(StackGroups.byUserFrame(Array(stacks.reversed())).map(\.count) == [200, 1])
    }

    @Test func dumpEdgesFirstTakenOnOneCodePathByManyThreadsShowTheirStacksOnce() {
        let name = uniqueName("shape-stats")
        let stats = TrackedMutex(name: name)
        // Every connection lock is taken then `stats`, by its own thread, on one code path.
        let connections = (0..<5).map { _ in TrackedMutex(name: name + "-connection") }
        for connection in connections {
            #expect(onOtherThread { connection.withLock { stats.withLock {} } })
        }
        // Held, so its edges are written with their stacks whatever else the process's graph has.
        let dump = stats.withLock { LockMonitor.dumpText() }
        let lines = dump.split(separator: "\n").map(String.init)
        let edges = lines.indices.filter { lines[$0].contains("\"\(name)-connection\"") && lines[$0].contains("-> \"\(name)\"") }
        #expect(edges.count == 5)
        // The five edge lines together, then one group line and the two stacks once.
        #expect(edges == Array((edges.first ?? 0)..<((edges.first ?? 0) + 5)), "\(dump)")
        let after = (edges.last ?? 0) + 1
        #expect(after < lines.count && lines[after] == "      5 threads here (the 5 edges above):", "\(dump)")
        #expect(lines.filter { $0.contains("\"\(name)\"") && $0.contains("acquired while holding") }.count == 1, "\(dump)")
    }
}
