extension ThreadState {
    // MARK: What a report of this thread's misuse needs (owner thread only)

    /// This thread asks again for `lock`, which it holds as entry `index`: its fresh descriptor,
    /// the stack that first acquired the lock and the stack asking again, captured now.
    func reentrantAcquireRequest(of lock: LockInfo, heldAt index: Int, outcome: ReportRequest.ReentryOutcome,
                                 reason: String? = nil) -> ReportRequest {
        let kept = acquisitionStack(at: index)
        let site = held(at: index).site
        // Past the lock's first acquisitions no stack is kept, but the call site always is.
        let siteOnly = kept.addresses.isEmpty && site != 0
        return .reentrantAcquire(lock: lock, thread: descriptor(refreshName: true),
                                 firstAcquired: siteOnly ? Self.siteTrace(site) : kept, firstAcquiredSiteOnly: siteOnly,
                                 requestedAgain: .capture(), outcome: outcome, reason: reason)
    }

    /// A one-frame trace of the call site `site` (a return address) that symbolizes to the line
    /// of the call: its first frame is read as an exact address, so it points into the call
    /// instruction (as `StackTable.internSite` does).
    static func siteTrace(_ site: UInt) -> StackTrace {
        StackTrace(addresses: [site &- 1])
    }

    /// This thread unlocks `lock` without holding it (`detail` says how), at the stack captured now.
    func invalidUnlockRequest(of lock: LockInfo, detail: String) -> ReportRequest {
        .invalidUnlock(lock: lock, thread: descriptor(refreshName: true), stack: .capture(), detail: detail)
    }

    /// This thread deallocates `lock`, which `holder` held (acquired at `acquired`), at the stack
    /// captured now. `destroyerAlsoHeld`: this thread held it too, and its holds were released.
    func destroyedWhileHeldRequest(_ lock: LockInfo, holder: ThreadDescriptor?, acquired: StackTrace,
                                   destroyerAlsoHeld: Bool = false) -> ReportRequest {
        .destroyedWhileHeld(lock: lock, holder: holder, acquired: acquired, destroyer: descriptor(refreshName: true),
                            deallocated: .capture(), destroyerAlsoHeld: destroyerAlsoHeld)
    }
}
