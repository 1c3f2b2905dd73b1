import Foundation
import Testing
@testable import LockGraph

extension MonitorTests {
    /// `ThreadRegistry.observe()`, the one reader of other threads' state (in the serialized
    /// suite: it reads every thread's tracked locks).
    @Suite("Thread reader")
    struct ThreadRegistryTests {
        @Test func anotherThreadsHoldsAndWaitAreReadAsPlainValues() throws {
            let prefix = uniqueName("observe")
            let outer = TrackedMutex(name: "\(prefix)-outer"), inner = TrackedMutex(name: "\(prefix)-inner")
            let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
            let holder = Thread {
                nameThisThread("observe-holder")
                outer.lock()
                inner.lock()
                holding.signal()
                _ = release.wait(timeout: .now() + 30)
                inner.unlock()
                outer.unlock()
                finished.signal()
            }
            holder.start()
            #expect(holding.wait(timeout: .now() + 10) == .success)
            let waiter = Thread {
                nameThisThread("observe-waiter")
                inner.withLock {}
                finished.signal()
            }
            waiter.start()
            defer {
                release.signal()
                #expect(finished.wait(timeout: .now() + 10) == .success)
                #expect(finished.wait(timeout: .now() + 10) == .success)
            }

            var views: [ObservedThread] = []
            let deadline = Date() + 10
            repeat {
                views = ThreadRegistry.shared.observe()
            } while !views.contains(where: { $0.wait?.lock == inner.info.id }) && Date() < deadline

            #expect(views.map(\.thread.id) == views.map(\.thread.id).sorted())
            // A thread that holds and waits for nothing is not listed (this one holds nothing).
            #expect(!views.contains { $0.thread.id == currentThreadID() })

            let holderView = try #require(views.first { $0.held.contains { $0.id == outer.info.id } })
            #expect(holderView.thread.name == "observe-holder")
            #expect(holderView.held.map(\.id) == [outer.info.id, inner.info.id])
            #expect(holderView.held.allSatisfy { $0.since > 0 })
            #expect(holderView.wait == nil)
            #expect(!holderView.acquisitionStack(of: inner.info.id).addresses.isEmpty)
            #expect(holderView.acquisitionStack(of: inner.info.id) == holderView.acquisitionStack(at: 1))
            #expect(holderView.acquisitionStack(at: 2).addresses.isEmpty)
            #expect(holderView.acquisitionStack(of: 0).addresses.isEmpty)

            let waiterView = try #require(views.first { $0.wait?.lock == inner.info.id })
            #expect(waiterView.thread.name == "observe-waiter")
            #expect(waiterView.wait?.kind == .acquiring)
            #expect(waiterView.held.isEmpty)
        }

        @Test func aDescriptorFromAThreadIDReadsItsName() {
            let named = ThreadDescriptor(threadID: currentThreadID())
            #expect(named.id == currentThreadID())
            #expect(named.name == ThreadState.name(ofThread: currentThreadID()))
            // No such thread in this process: no name, and no failure.
            #expect(ThreadDescriptor(threadID: Int(Int32.max)).name == nil)
        }
    }
}

/// Sets the calling thread's kernel name, which reports read (`/proc/thread-self/comm`, at most
/// 15 bytes), as the fixtures do.
private func nameThisThread(_ name: String) {
    let descriptor = open("/proc/thread-self/comm", O_WRONLY)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}
