import Dispatch
import Foundation
@_spi(Internal) import Runtime
import Testing
@testable import LockGraph

/// The cached, indexed symbolication must print exactly what symbolizing each stack with the
/// toolchain's `Runtime` module (the previous implementation) printed.
@Suite("Symbolication")
struct SymbolicationTests {
    /// The previous implementation, kept as the oracle: `Runtime` symbolizes the whole stack,
    /// then the same filtering rules apply.
    static func referenceFrames(of trace: StackTrace, trimThreadStart: Bool = true) -> [LockBacktrace.Frame] {
        guard !trace.addresses.isEmpty else { return [] }
        // The map LockGraph uses: a fresh capture would misplace images `Runtime` has mapped since.
        let keys = trace.addresses.enumerated().map { Symbolication.FrameKey(address: $0.element, isReturnAddress: $0.offset != 0) }
        let images = Symbolication.imageMaps(for: keys)[0].0
        let rich: [RichFrame<UInt>] = trace.addresses.enumerated().map { $0.offset == 0 ? .programCounter($0.element) : .returnAddress($0.element) }
        guard let symbolicated = Backtrace(architecture: "x86_64", frames: rich, images: images).symbolicated(with: images) else {
            return trace.addresses.map { LockBacktrace.Frame(address: $0) }
        }
        var frames: [LockBacktrace.Frame] = []
        var inLeadingRegion = true
        for frame in symbolicated.frames {
            let rawName = frame.symbol?.rawName ?? ""
            if Symbolication.isInternal(rawName: rawName) { continue }
            if inLeadingRegion && (Symbolication.isStandardLibrary(rawName: rawName) || rawName.isEmpty
                || Symbolication.isSignalTrampoline(rawName: rawName)) { continue }
            inLeadingRegion = false
            // Functions a macro generated are dropped; a user's closure inside a macro argument
            // is kept, without its expansion-buffer line.
            if frame.isSwiftThunk || Symbolication.isMacroGenerated(rawName: rawName) { continue }
            let address = UInt(frame.captured.originalProgramCounter) ?? 0
            if address == 0 { continue }
            let location = frame.symbol?.sourceLocation.flatMap { $0.line > 0 && !$0.path.contains("@__swiftmacro_") ? $0 : nil }
            frames.append(LockBacktrace.Frame(address: address, symbol: frame.symbol.map { $0.name }, file: location.map { $0.path },
                                              line: location.map { $0.line }, image: frame.symbol?.imageName))
        }
        if trimThreadStart, let last = frames.lastIndex(where: { $0.file != nil }) { frames.removeSubrange((last + 1)...) }
        return frames
    }

    @inline(never)
    static func nested(_ depth: Int, _ body: () -> StackTrace) -> StackTrace {
        depth == 0 ? body() : nested(depth - 1, body)
    }

    /// Stacks from the places reports come from: plain calls, closures and recursion, a
    /// Foundation thread, a Dispatch queue, a Swift task, and inside a Testing macro expansion.
    static func sampleStacks() async -> [StackTrace] {
        var stacks = [StackTrace.capture(), nested(4) { StackTrace.capture() }]
        let lock = TrackedMutex(name: uniqueName("symbolication"))
        stacks.append(lock.withLock { nested(1) { StackTrace.capture() } })
        let box = InternalProtected<[StackTrace]>([])
        #expect(onOtherThread { box.withLock { $0.append(nested(2) { StackTrace.capture() }) } })
        DispatchQueue(label: "symbolication-test").sync { box.withLock { $0.append(StackTrace.capture()) } }
        let fromTask = await Task.detached { nested(3) { StackTrace.capture() } }.value
        stacks += box.withLock { $0 } + [fromTask]
        #expect(!{ stacks.append(StackTrace.capture()); return false }())
        return stacks
    }

    @Test func cachedFramesMatchSymbolizingEachStackWithRuntime() async throws {
        for stack in await Self.sampleStacks() {
            for trim in [true, false] {
                let expected = Self.referenceFrames(of: stack, trimThreadStart: trim)
                #expect(!expected.isEmpty)
                // Twice: the first call fills the cache, the second is served from it.
                #expect(Symbolication.frames(of: stack, trimThreadStart: trim) == expected)
                #expect(Symbolication.frames(of: stack, trimThreadStart: trim) == expected)
            }
        }
    }

    /// The line-table index against `Runtime`'s own lookup at addresses spread over this test
    /// binary's code (not only return addresses of stacks LockGraph happened to capture).
    @Test func lineTableIndexAgreesWithRuntimeAcrossTheBinary() throws {
        // A return address in LockGraph's code: inside the test binary's image.
        let ownAddress = try #require(Self.nested(0) { StackTrace.capture() }.addresses.dropFirst().first)
        let images = Symbolication.imageMaps(for: [.init(address: ownAddress, isReturnAddress: true)])[0].0
        let own = Backtrace.Address(UInt64(ownAddress))
        let image = try #require(images.first { $0.baseAddress <= own && own < $0.endOfText })
        let base = try #require(UInt64(image.baseAddress))
        let end = try #require(UInt64(image.endOfText))
        let path = try #require(image.path)
        let index = try #require(SymbolBatch.index(forImageAt: path))
        let samples = runningUnderThreadSanitizer ? 40 : 250
        var compared = 0
        for step in 0..<samples {
            let address = base + (end - base) / UInt64(samples + 1) * UInt64(step + 1) + UInt64(step % 7)
            let relative = address - base
            // Inlined code is handed to Runtime by the fast path anyway: not compared.
            if let table = index.lines.lineTableOffset(at: relative), index.units.isInlined(relative, lineTableOffset: table) == true {
                continue
            }
            let backtrace = Backtrace(architecture: "x86_64", frames: [RichFrame<UInt>.programCounter(UInt(address))], images: images)
            let runtime = backtrace.symbolicated(with: images, options: [.showSourceLocations])?.frames.first?.symbol?.sourceLocation
            let ours = index.lines.location(at: relative)
            #expect(ours?.path == runtime?.path && ours?.line == runtime?.line && ours?.column == runtime?.column,
                    "0x\(String(relative, radix: 16)): index \(String(describing: ours)), Runtime \(String(describing: runtime))")
            if runtime != nil { compared += 1 }
        }
        #expect(compared > samples / 4, "only \(compared) sampled addresses had a source location")
    }

    /// Functions a macro generated (Swift Testing's @Test glue) are dropped from reports; a
    /// user's closure written inside a macro argument, and ordinary user code, are kept.
    @Test func macroGeneratedFunctionsAreRecognisedByTheirMangling() {
        // Swift Testing's peer and unique-name functions for a @Test.
        #expect(Symbolication.isMacroGenerated(rawName: "$s14LockGraphTests07MonitorC0V06StressC0V41oneInjectedInversionIsReportedExactlyOnce4TestfMp_16c84f3fab3caa3274fMu0_33_FC49BC47D10CFC5685DF36F53B1B43C8LLyyYaYbKFZ"))
        #expect(Symbolication.isMacroGenerated(rawName: "$s4main3fooyyFfMf_"))
        // A closure in a test function, and a method: user code.
        #expect(!Symbolication.isMacroGenerated(rawName: "$s14LockGraphTests07MonitorC0V06StressC0V41oneInjectedInversionIsReportedExactlyOnceyyKFyycfU6_"))
        #expect(!Symbolication.isMacroGenerated(rawName: "$s4Bank8TransferV4move4from2toyAA7AccountC_AGtF"))
        #expect(!Symbolication.isMacroGenerated(rawName: "pthread_mutex_lock"))
    }
}
