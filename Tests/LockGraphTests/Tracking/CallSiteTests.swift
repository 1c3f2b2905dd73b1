import Foundation
import Testing
@testable import LockGraph

/// Every acquisition records the user's call site (one word, no unwinding), so an edge whose
/// holder stack was not kept still names the line that took the held lock.
@Suite("Call sites")
struct CallSiteTests {
    @Test func anEdgeWhoseHolderStackWasNotKeptNamesTheLineThatTookTheHeldLock() throws {
        let prefix = uniqueName("site")
        let held = TrackedMutex(name: prefix + "-held")
        let inner = TrackedMutex(name: prefix + "-inner")
        // Use up the held lock's stack budget: its next acquisition keeps no stack.
        for _ in 0..<(Configuration.holderStackBudget == Int.max ? 0 : Configuration.holderStackBudget + 1) {
            held.lock()
            held.unlock()
        }
        let lockLine = #line + 1
        held.lock()
        inner.lock()
        inner.unlock()
        held.unlock()

        let edge = try #require(LockMonitor.snapshot().edges.first { $0.from.name == prefix + "-held" })
        let record = try #require(LockGraphStore.shared.state.withLock { state in
            state.instanceRecords().first { $0.record.from.name == prefix + "-held" }?.record
        })
        if Configuration.holderStackBudget != Int.max {
            #expect(record.holderStackIsSiteOnly)
        }
        let frames = edge.stacks().holder.frames
        let first = try #require(frames.first)
        #expect(first.file?.hasSuffix("CallSiteTests.swift") == true, "holder frames: \(frames)")
        #expect(first.line == lockLine, "holder frames: \(frames)")
    }

    @Test func theSiteSkipsLockGraphsOwnFramesThroughWithLock() throws {
        let prefix = uniqueName("site-withlock")
        let held = TrackedMutex(name: prefix + "-held")
        let inner = TrackedMutex(name: prefix + "-inner")
        for _ in 0..<(Configuration.holderStackBudget == Int.max ? 0 : Configuration.holderStackBudget + 1) {
            held.withLock {}
        }
        let lockLine = #line + 1
        held.withLock {
            inner.withLock {}
        }
        let edge = try #require(LockMonitor.snapshot().edges.first { $0.from.name == prefix + "-held" })
        let frames = edge.stacks().holder.frames
        let first = try #require(frames.first)
        #expect(first.file?.hasSuffix("CallSiteTests.swift") == true, "holder frames: \(frames)")
        #expect(first.line == lockLine, "holder frames: \(frames)")
    }

    @Test func lockGraphsOwnCodeIsLocated() {
        InternalCode.locate()
        let range = InternalCode.range
        #expect(range != nil)
        if let range {
            let inside = UInt(bitPattern: unsafeBitCast(InternalCode.probe, to: UnsafeRawPointer.self))
            #expect(range.contains(inside))
        }
    }
}
