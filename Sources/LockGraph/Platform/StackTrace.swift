import CLockGraphSupport
import CUnwind

/// Raw return addresses of one call stack, captured with libunwind; symbolized only when a
/// report is produced (see `Symbolication.swift`).
struct StackTrace: Sendable, Hashable {
    /// Frames kept per stack: deep enough to reach the user's code through a few layers of
    /// `withLock` closures, small enough to keep per-thread buffers fixed.
    static let maximumDepth = 48

    var addresses: [UInt]

    static let empty = StackTrace(addresses: [])

    /// Captures the calling thread's stack. Allocates the result array: slow path only.
    @inline(never)
    static func capture() -> StackTrace {
        withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: maximumDepth) { buffer in
            let count = Int(lockgraph_backtrace(buffer.baseAddress, Int32(maximumDepth)))
            return StackTrace(addresses: (0..<max(count, 0)).map { UInt(bitPattern: buffer[$0]) })
        }
    }

    /// How many of the calling thread's `capture(into:)` calls were served from its cache of
    /// libunwind's stacks (see `lockgraph_backtrace_cached`): for tests.
    static var cachedCaptures: Int { Int(lockgraph_backtrace_cache_hits()) }

    /// libunwind, for `lockgraph_backtrace_cached` to call on a miss.
    private static let unwind: @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>?, Int32) -> Int32 = { buffer, size in
        lockgraph_backtrace(buffer, size)
    }

    /// Captures into a caller-provided fixed buffer of `maximumDepth` slots, allocating nothing.
    /// Returns the number of frames written. A thread's stacks from a code path it captured
    /// before come from its cache of libunwind's stacks, keyed by the frame-pointer chain (about
    /// 250 instructions instead of 800; see `lockgraph_backtrace_cached`): the same frames.
    @inline(__always)
    static func capture(into buffer: UnsafeMutablePointer<UInt>) -> Int {
        var tag: UnsafeMutablePointer<UInt32>?
        return capture(into: buffer, tag: &tag)
    }

    /// `capture(into:)`, also giving the cache entry's tag word when the frames are a cache
    /// entry's, else nil: the caller may keep there the `StackTable` id of exactly these frames
    /// and find it on the next capture of the same code path (see `lockgraph_backtrace_cached`).
    /// Valid only until the calling thread's next capture.
    @inline(__always)
    static func capture(into buffer: UnsafeMutablePointer<UInt>, tag: inout UnsafeMutablePointer<UInt32>?) -> Int {
        let count = buffer.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: maximumDepth) {
            lockgraph_backtrace_cached($0, Int32(maximumDepth), unwind, &tag)
        }
        return max(Int(count), 0)
    }
}

/// The kernel thread id of the calling thread.
@inline(__always)
func currentThreadID() -> Int {
    Int(lockgraph_gettid())
}
