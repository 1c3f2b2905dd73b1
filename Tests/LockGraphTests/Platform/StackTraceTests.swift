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

    @inline(never)
    static func captureTaggedAtSiteA(_ buffer: UnsafeMutablePointer<UInt>) -> (frames: [UInt], tag: UnsafeMutablePointer<UInt32>?) {
        var tag: UnsafeMutablePointer<UInt32>?
        let count = StackTrace.capture(into: buffer, tag: &tag)
        return (Array(UnsafeBufferPointer(start: buffer, count: count)), tag)
    }

    @inline(never)
    static func captureTaggedAtSiteB(_ buffer: UnsafeMutablePointer<UInt>) -> (frames: [UInt], tag: UnsafeMutablePointer<UInt32>?) {
        var tag: UnsafeMutablePointer<UInt32>?
        let count = StackTrace.capture(into: buffer, tag: &tag)
        return (Array(UnsafeBufferPointer(start: buffer, count: count)), tag)
    }

    /// Runs `body` on a new thread that has taken a tracked lock (so its state, with its stack
    /// bounds, exists, as the frame walk needs) with a scratch buffer of `maximumDepth` frames,
    /// and returns its result; fails the test if the thread takes over 60 s.
    static func onTrackedThread<Result: Sendable>(_ initial: Result,
                                                  _ body: @escaping @Sendable (UnsafeMutablePointer<UInt>) -> Result) throws -> Result {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex(initial)
        let thread = Thread {
            let lock = TrackedMutex(name: "stack-capture-test")
            lock.lock()
            lock.unlock()
            let buffer = UnsafeMutablePointer<UInt>.allocate(capacity: StackTrace.maximumDepth)
            defer { buffer.deallocate() }
            let value = body(buffer)
            result.withLock { $0 = value }
            done.signal()
        }
        thread.start()
        try #require(done.wait(timeout: .now() + 60) == .success, "the capturing thread did not finish in 60 s")
        return result.withLock { $0 }
    }

    struct Tags: Sendable {
        var kept = false
        var firstTag: UInt32 = 1
        var id: UInt32 = 0
        var repeatedTag: UInt32 = 0
        var otherPathTag: UInt32 = 1
        var afterOtherPathTag: UInt32 = 0
        var sameFrames = false
        var tableFrames: [UInt] = []
        var frames: [UInt] = []
    }

    /// The `StackTable` id kept with a cache entry names exactly that entry's frames: a new
    /// entry's tag is 0, the id stored there comes back with the same stack on the next capture
    /// of that code path (also after another path's stack took the entry pair), and another code
    /// path's entry has its own tag.
    @Test
    func theIDKeptWithACachedStackNamesExactlyItsFrames() throws {
        let tags = try Self.onTrackedThread(Tags()) { buffer in
            var tags = Tags()
            // One call line for every capture at site A: the chain includes this frame's return address.
            for step in 0..<4 {
                let captured = step == 2 ? Self.captureTaggedAtSiteB(buffer) : Self.captureTaggedAtSiteA(buffer)
                switch step {
                case 0:
                    guard let slot = captured.tag else { break }
                    tags.kept = true
                    tags.firstTag = slot.pointee
                    tags.id = captured.frames.withUnsafeBufferPointer { StackTable.intern($0, hash: StackHash.of($0)) }
                    slot.pointee = tags.id
                    tags.frames = captured.frames
                    tags.tableFrames = StackTable.stack(tags.id).addresses
                case 1:
                    tags.repeatedTag = captured.tag?.pointee ?? 0
                    tags.sameFrames = captured.frames == tags.frames
                case 2:
                    tags.otherPathTag = captured.tag?.pointee ?? 0
                default:
                    tags.afterOtherPathTag = captured.tag?.pointee ?? 0
                }
            }
            return tags
        }
        try #require(tags.kept, "a stack on a tracked thread was not kept by the capture cache")
        #expect(tags.firstTag == 0, "a new entry carried a tag")
        #expect(tags.id != 0)
        #expect(tags.repeatedTag == tags.id && tags.sameFrames)
        #expect(tags.otherPathTag == 0, "another code path's entry carried this one's id")
        #expect(tags.afterOtherPathTag == tags.id, "the id did not move with its entry")
        #expect(tags.tableFrames == tags.frames, "the id names other frames")
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
        let captures = try Self.onTrackedThread(Captures()) { buffer in
            let before = StackTrace.cachedCaptures
            var captures = Captures()
            for _ in 0..<2 {
                captures.first.append(Self.captureAtSiteA(buffer))
                captures.second.append(Self.captureAtSiteB(buffer))
            }
            captures.cached = StackTrace.cachedCaptures - before
            return captures
        }
        #expect(captures.first[0].count > 2)
        #expect(captures.first[1] == captures.first[0], "site A: the cached stack differs from libunwind's")
        #expect(captures.second[1] == captures.second[0], "site B: the cached stack differs from libunwind's")
        #expect(captures.first[0] != captures.second[0], "two code paths got one stack")
        #expect(captures.cached == 2, "the repeated captures were not served from the cache")
    }
}
