import Testing
@_spi(Rendering) @testable import LockGraph

/// The one frame writer behind reports, the dump and the `lockgraph` command.
@Suite("Frame formatter")
struct FrameFormatterTests {
    @Test func aFrameShowsItsFileAndLineElseItsImageElseItsAddress() {
        #expect(FrameFormatter.describe(address: "0x10", symbol: "Bank.transfer()", file: "/src/App/Bank.swift", line: 12, image: "app")
            == "Bank.transfer() at Bank.swift:12")
        #expect(FrameFormatter.describe(address: "0x10", symbol: "nanosleep", file: nil, line: nil, image: "libc.so.6")
            == "nanosleep in libc.so.6")
        // A file without a line is not a source position: the image is shown instead.
        #expect(FrameFormatter.describe(address: "0x10", symbol: "f", file: "Bank.swift", line: nil, image: "app") == "f in app")
        #expect(FrameFormatter.describe(address: "0x10", symbol: nil, file: nil, line: nil, image: nil) == "0x10")
        #expect(FrameFormatter.describe(address: "0x10", symbol: nil, file: "Bank.swift", line: 3, image: nil) == "0x10 at Bank.swift:3")
        #expect(FrameFormatter.hex(0xdead_beef) == "0xdeadbeef")
        #expect(FrameFormatter.fileName("Bank.swift") == "Bank.swift")
    }

    @Test func framesAreNumberedFromZeroAndAnEmptyStackSaysSo() {
        #expect(FrameFormatter.numberedLines(["a", "b"], indent: "  ", whenEmpty: "<none>") == ["  #0 a", "  #1 b"])
        #expect(FrameFormatter.numberedLines([], indent: "  ", whenEmpty: "<none>") == ["  <none>"])
    }

    @Test func aBacktraceAndADocumentFrameAreWrittenAlike() {
        let thread = ThreadDescriptor(id: 7, name: "worker")
        let frames = [
            LockBacktrace.Frame(address: 0x1f, symbol: "f()", file: "/a/B.swift", line: 4, image: "app"),
            LockBacktrace.Frame(address: 0x2a, image: "libc.so.6"),
        ]
        let trace = LockBacktrace(label: "\"m\" acquired", thread: thread, frames: frames)
        #expect(trace.description == """
            "m" acquired (thread 7 "worker"):
                #0 f() at B.swift:4
                #1 0x2a in libc.so.6
            """)
        #expect(LockBacktrace(label: "x", thread: thread, frames: []).description == "x (thread 7 \"worker\"):\n    <no stack captured>")
        #expect(frames.map { LockGraphDocument.Frame($0).formatted } == frames.map(\.description))
    }
}
