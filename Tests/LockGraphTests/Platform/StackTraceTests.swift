import Foundation
import Synchronization
import Testing
@testable import LockGraph

/// `StackTrace.capture(into:)` serves a thread's repeated stacks from its cache of libunwind's
/// stacks, keyed by the frame-pointer chain: a stack served from it must be exactly the one
/// libunwind captured for that code path, and another code path must not get it.
@Suite("Stack capture")
struct StackTraceTests {
    @inline(never)
    static func captureAtSiteA(_ buffer: UnsafeMutablePointer<UInt>) -> [UInt] {
        Array(UnsafeBufferPointer(start: buffer, count: StackTrace.capture(into: buffer)))
    }

    @inline(never)
    static func captureAtSiteB(_ buffer: UnsafeMutablePointer<UInt>) -> [UInt] {
        Array(UnsafeBufferPointer(start: buffer, count: StackTrace.capture(into: buffer)))
    }

    struct Captures: Sendable {
        var first: [[UInt]] = []
        var second: [[UInt]] = []
        var cached = 0
    }

    /// On a tracked thread (its stack bounds recorded, as the frame walk needs): the first
    /// capture at each of two sites goes to libunwind, the second comes from the cache.
    @Test
    func aCachedStackIsTheOneLibunwindCapturedForThatCodePath() throws {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex(Captures())
        let thread = Thread {
            // Taking a tracked lock makes the thread's state, which records its stack bounds.
            let lock = TrackedMutex(name: "stack-capture-test")
            lock.lock()
            lock.unlock()
            let buffer = UnsafeMutablePointer<UInt>.allocate(capacity: StackTrace.maximumDepth)
            defer { buffer.deallocate() }
            let before = StackTrace.cachedCaptures
            var captures = Captures()
            for _ in 0..<2 {
                captures.first.append(Self.captureAtSiteA(buffer))
                captures.second.append(Self.captureAtSiteB(buffer))
            }
            captures.cached = StackTrace.cachedCaptures - before
            result.withLock { $0 = captures }
            done.signal()
        }
        thread.start()
        try #require(done.wait(timeout: .now() + 60) == .success, "the capturing thread did not finish in 60 s")
        let captures = result.withLock { $0 }
        #expect(captures.first[0].count > 2)
        #expect(captures.first[1] == captures.first[0], "site A: the cached stack differs from libunwind's")
        #expect(captures.second[1] == captures.second[0], "site B: the cached stack differs from libunwind's")
        #expect(captures.first[0] != captures.second[0], "two code paths got one stack")
        #expect(captures.cached == 2, "the repeated captures were not served from the cache")
    }
}
