#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport
import Foundation
import Synchronization

extension ThreadState {
    // MARK: Thread identity

    /// The id of this thread's descriptor for edge records (owner thread only).
    func descriptorID() -> UInt32 {
        if cachedDescriptorID == 0 || cachedName == nil {
            cachedDescriptorID = ThreadTable.intern(descriptor())
        }
        return cachedDescriptorID
    }

    /// The id of `stack` in `StackTable`, through the thread's `internCache`.
    func internStack(_ stack: StackTrace) -> UInt32 {
        stack.addresses.withUnsafeBufferPointer { internCache.intern($0) }
    }

    /// The id of the stack that acquired the held entry at `index`, for an edge's holder side:
    /// its whole stack when one was kept (interned once, then remembered in the entry), else the
    /// one-frame call site (owner thread only).
    func holderStackID(at index: Int) -> UInt32 {
        let entry = hot.pointee.held[index]
        if entry.stackID != 0 { return entry.stackID }
        let id = entry.stackDepth > 0
            ? internPublishedStack(at: index)
            : internCache.internSite(entry.site)
        hot.pointee.held[index].stackID = id
        return id
    }

    /// In a forked child, this (the only surviving) thread has a new kernel id.
    func refreshAfterFork() {
        threadID = currentThreadID()
        cachedName = nil
        cachedDescriptorID = 0
    }

    /// This thread as reports show it. The name is read from the kernel once and cached (edges
    /// are recorded often); reports pass `refreshName` to pick up a later rename.
    func descriptor(refreshName: Bool = false) -> ThreadDescriptor {
        if refreshName || cachedName == nil {
            let name = Self.name(ofThread: threadID)
            if cachedName != .some(name) { cachedDescriptorID = 0 }
            cachedName = .some(name)
        }
        return ThreadDescriptor(id: threadID, name: cachedName ?? nil)
    }


    /// The kernel's name for thread `id` of this process (`/proc/self/task/<id>/comm`), which is
    /// what `pthread_setname_np` and Foundation's `Thread.name` set. Safe for any live thread.
    static func name(ofThread id: Int) -> String? {
        let descriptor = open("/proc/self/task/\(id)/comm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        var count = read(descriptor, &buffer, buffer.count)
        // Plain bytes, no Foundation: this also runs in a forked child, where a Foundation
        // lock held by a vanished parent thread would hang it.
        while count > 0 && (buffer[count - 1] == UInt8(ascii: "\n") || buffer[count - 1] == UInt8(ascii: "\r")) { count -= 1 }
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// The return address of the user's call into LockGraph on the calling thread: one word,
    /// found by following frame pointers over LockGraph's own frames (see `InternalCode`), no
    /// unwinding, no reference to the thread's state. Call it directly on the acquisition path
    /// (not from inside a standard-library closure helper, whose frame would end the walk early
    /// in unoptimised builds).
    @inline(__always)
    static func callSite() -> UInt {
        UInt(lockgraph_call_site_inline())
    }

    // MARK: Thread-local storage

    /// The pthread key whose destructor frees a thread's state when the thread exits (the fast
    /// path reads the C thread-local word instead; see `lockgraph_thread_state`).
    private static let exitKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            // Later destructors on this exiting thread must not see the freed state: a tracked
            // lock taken by one of them starts a fresh state, as on a new thread.
            lockgraph_thread_state_set(nil)
            let state = Unmanaged<ThreadState>.fromOpaque(pointer).takeRetainedValue()
            ThreadRegistry.shared.remove(state)
        }
        return key
    }()

    /// The calling thread's state, created on first use.
    @inline(__always)
    static var current: ThreadState {
        currentReference.takeUnretainedValue()
    }

    /// The calling thread's state, unretained (the thread-exit key owns it): one thread-local load.
    @inline(__always)
    static var currentReference: Unmanaged<ThreadState> {
        if let pointer = lockgraph_thread_state_get() {
            return Unmanaged<ThreadState>.fromOpaque(pointer)
        }
        return Unmanaged.passUnretained(makeCurrent())
    }

    /// The calling thread's state if it has one (does not create it).
    static var existingCurrent: ThreadState? {
        lockgraph_thread_state_get().map { Unmanaged<ThreadState>.fromOpaque($0).takeUnretainedValue() }
    }

    @inline(never)
    private static func makeCurrent() -> ThreadState {
        InternalCode.locate()
        _ = lockgraph_set_thread_stack()
        let state = ThreadState()
        let pointer = Unmanaged.passRetained(state).toOpaque()
        pthread_setspecific(exitKey, pointer)
        lockgraph_thread_state_set(pointer)
        ThreadRegistry.shared.add(state)
        return state
    }
}
