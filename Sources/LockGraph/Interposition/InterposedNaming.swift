import CLockGraphSupport

/// Names an interposed lock by its creation site: the first frame of the stack that is neither
/// LockGraph's nor the interposer's nor a lock wrapper's (Foundation's `NSLock` family; a Swift
/// wrapper module or type of `swiftWrappers`), so an `NSLock()` written at
/// `SessionStore.swift:12` is `NSLock#7 (SessionStore.swift:12)` and a `NIOLockedValueBox`
/// made at `ConnectionPool.swift:88` is `NIOLockedValueBox#9 (NIO/ConnectionPool.swift:88)`. A
/// lock first seen at an acquisition (no init call seen) is named by that acquisition's stack.
///
/// Resolved when the lock is first seen (a stack capture, then symbolication of its first
/// frames). Every symbolized address is cached for the process's life, so locks created at
/// one site (1,000 `NSLock`s in a loop) pay for symbolication once; each later one pays a
/// stack capture and cache look-ups.
enum InterposedNaming {
    /// Code whose frames never name a lock: the interposer library itself (which also holds
    /// LockGraph) and the lock wrappers' library. Set once by `lockgraph_hook_install`, before
    /// any hook runs.
    nonisolated(unsafe) static var ownText: Range<UInt> = 0..<0
    nonisolated(unsafe) static var wrapperText: Range<UInt> = 0..<0

    /// A new lock identity named by the calling stack's creation site (see `site(of:)`), of
    /// kind `defaultKind` unless a wrapper frame names one (a reader-writer lock keeps its kind:
    /// its graph nodes depend on it).
    static func newLock(defaultKind: LockKind) -> LockInfo {
        let stack = StackTrace.capture()
        let site = site(of: stack)
        let kind = defaultKind.isReaderWriter ? defaultKind : (site.kind ?? defaultKind)
        // Past a Swift wrapper (NIO's `NIOLock` family) to its creator, shown by the wrapper's type.
        if let user = site.user, let wrapped = CreationSiteResolver.resolve(
            StackTrace(addresses: Array(stack.addresses[user...])), wrappers: swiftWrappers, firstIsReturnAddress: true) {
            return LockInfo(name: nil, site: wrapped.file, line: wrapped.line, kind: kind, wrapperType: wrapped.wrapperType)
        }
        return LockInfo(name: nil, site: site.file, line: site.line, kind: kind)
    }

    /// Swift lock wrappers whose frames name no lock: swift-nio's lock module, whose `NIOLock`,
    /// `NIOLockedValueBox` and `ConditionLock` hold most locks of a NIO program, and
    /// `LOCKGRAPH_WRAPPERS`.
    static let swiftWrappers = ["NIOConcurrencyHelpers"] + CreationSiteResolver.environmentWrappers

    /// Whether a frame at `address` never names a lock: LockGraph's, the interposer's, or a lock
    /// wrapper library's (both ranges stepped over by the call-site walk too).
    private static func steppedOver(_ address: UInt) -> Bool {
        ownText.contains(address) || wrapperText.contains(address) || lockgraph_is_stepped_over(address) != 0
    }

    /// Frames looked at: enough to get through a few wrapper layers to the user's code.
    private static let framesExamined = 16

    /// The lock's kind (from the innermost wrapper frame: `NSLock`, `NSRecursiveLock`, ...; nil
    /// for a bare pthread mutex) and its creation site. A site without source location is the
    /// function's name (or image) with line 0.
    /// `user`: the index of the first frame not stepped over, if any.
    static func site(of stack: StackTrace) -> (kind: LockKind?, file: String, line: UInt, user: Int?) {
        let addresses = stack.addresses.prefix(framesExamined)
        // The type, from the innermost wrapper frame's dynamic symbol (`dladdr`, no
        // symbolication): `$s10Foundation6NSLockCACycfC` is `NSLock.init()`.
        let kind = addresses.lazy.filter { wrapperText.contains($0) }.first.flatMap(wrapperKind(atAddress:))
        // Symbolized from the frame before the first user frame on, so that frame is still
        // looked up as a return address (the first address of a trace is taken as a PC).
        guard let user = addresses.firstIndex(where: { !steppedOver($0) }) else {
            return (kind, "unknown", 0, nil)
        }
        let trace = StackTrace(addresses: Array(addresses[max(addresses.startIndex, user - 1)...]))
        // In optimised code one address can yield several frames (inlined calls first): the
        // innermost with a source location names the site.
        let frames = Symbolication.frames(of: trace, trimThreadStart: false).filter { $0.address == addresses[user] }
        if let located = frames.first(where: { $0.file != nil && $0.line != nil }), let file = located.file, let line = located.line {
            return (kind, file, UInt(max(line, 0)), user)
        }
        return (kind, frames.first.flatMap { $0.symbol ?? $0.image } ?? "unknown", 0, user)
    }

    /// The wrapper kind of each wrapper frame address seen: `dladdr` scans the symbol table, and
    /// it was a third of the CPU of a program creating 40,000 NSLocks from one site.
    private static let kindByAddress = InternalProtected<[UInt: LockKind?]>([:])

    private static func wrapperKind(atAddress address: UInt) -> LockKind? {
        if let known = kindByAddress.withLock({ $0[address] }) { return known }
        let kind = lockgraph_dynamic_symbol(address).flatMap { wrapperKind(String(cString: $0)) }
        kindByAddress.withLock { $0[address] = .some(kind) }
        return kind
    }

    /// The Foundation class a wrapper function's mangled name belongs to (`6NSLockC` is class
    /// `NSLock`; the length prefix keeps `NSConditionLock` from matching `NSCondition`).
    static func wrapperKind(_ symbol: String) -> LockKind? {
        [LockKind.nsRecursiveLock, .nsConditionLock, .nsCondition, .nsLock].first { kind in
            symbol.contains("\(kind.typeName.utf8.count)\(kind.typeName)C")
        }
    }
}
